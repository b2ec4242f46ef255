"""The five passive-aggressive tactics of seed 000, each a choice a rep makes.

A tactic starts when it pays off for the rep (its expected gain beats its expected cost as the
rep sees them) or when the rep has disengaged.  Nothing here runs on a schedule: the peak
window matters only because that is when holding back is worth something.
"""

from __future__ import annotations

import numpy as np

from sim.world.agents import TACTICS


HOLDBACK_WEEKS = 3  # length of a deliberate slow-down the rep weighs (assumption)


def _noise(model, k: int) -> np.ndarray:
    return model.sc.tactics.decision_noise * model.streams.tactics.standard_normal(k)


def choose_tactics(model, a: np.ndarray) -> None:
    r, tp, cal = model.reps, model.sc.tactics, model.cal
    k = len(a)
    on = set(tp.enabled)
    woy = model.woy
    plan = model.plan
    prev = {t: getattr(r, f"t_{t}")[a].copy() for t in TACTICS}
    si = r.self_interest[a]
    behind = np.clip(1 - r.projected[a] / np.maximum(r.quota[a], 1e-9), 0, 1)
    late = 1 - plan.remaining[woy] / max(plan.period_demand[plan.period_of_week[woy]], 1e-9)

    # 1. Quiet quitting: a disengaged rep does the contractual minimum; stops once re-engaged.
    eng = r.engagement[a] + _noise(model, k)
    qq = np.where(prev["quiet_quitting"], eng < tp.quiet_engagement + 0.1,
                  (eng < tp.quiet_engagement) & (model.streams.tactics.random(k) < 0.3))

    # 2. Peak underperformance: in the peak only, a high-leverage rep holds back if the
    #    concession it expects to win is worth more to it than the commission it gives up.
    pu = np.zeros(k, dtype=bool)
    if cal.peak[woy]:
        # The rep holds back for a short spell (at most HOLDBACK_WEEKS, fewer near the end of
        # the peak) to make its importance felt; that spell's commission is the cost.
        spell = min(model.peak_weeks_left[woy], HOLDBACK_WEEKS)
        lost = tp.peak_holdback * r.pay_ewma[a] * spell
        gain = r.grant_belief[a] * model.sc.leverage.raise_step * r.rev_annual[a]
        worth = si * gain * (0.5 + r.entitlement[a]) > lost * (1 + _noise(model, k))
        pu = (r.leverage[a] > tp.peak_leverage) & worth

    # 3. Withholding client information: keeps control of relationships when the rep feels
    #    badly treated, eyes the exit, or protects its leverage.
    motive = ((r.fairness[a] + _noise(model, k) < tp.withhold_fairness)
              | (r.offers[a] > 0.5) | ((r.leverage[a] > 0.3) & (r.entitlement[a] > 0.4)))
    wh = (si > 0.5) & np.where(prev["withholding"], motive | (r.fairness[a] < tp.withhold_fairness + 0.1),
                                motive)

    # 4. Cherry-picking: chasing the quickest commission when far behind late in a period,
    #    or when peak demand makes time scarce.
    pressure = (behind > tp.cherry_gap) & (late > 0.5)
    rush = (model.demand_now > 1.5) & (si > 0.6)
    cp = (si + _noise(model, k) > 0.45) & (pressure | rush)

    # 5. False urgency: claim a deal is critical to win a discount or manager time, when
    #    behind late in a period or at the peak, and the manager still trusts the rep.
    need = ((behind > 0.2) & (late > 0.5)) | cal.peak[woy]
    fu = (si > 0.5) & (r.trust[a] > 0.35) & need & (model.streams.tactics.random(k) < tp.urgency_rate)

    new = {"quiet_quitting": qq, "peak_underperformance": pu, "withholding": wh,
           "cherry_picking": cp, "false_urgency": fu}
    for i, t in enumerate(TACTICS):
        val = new[t] if t in on else np.zeros(k, dtype=bool)
        getattr(r, f"t_{t}")[a] = val
        started = a[val & ~prev[t]]
        model.events.log(model.week, "tactic_start", started, value=i)
    r.urgency_claim[a] = r.t_false_urgency[a]


def apply_to_effort(model, a: np.ndarray, effort: np.ndarray) -> np.ndarray:
    """What the chosen tactics do to effort and to the split of effort."""
    r, tp, rp = model.reps, model.sc.tactics, model.sc.reps
    e = np.where(r.t_quiet_quitting[a], rp.min_effort, effort)
    e = np.where(r.t_peak_underperformance[a], e * (1 - tp.peak_holdback), e)
    prospect = np.where(r.t_quiet_quitting[a] | r.t_cherry_picking[a], 0.0, rp.prospecting_share)
    r.prospect_share[a] = prospect
    return np.clip(e, 0.0, 1.0)


def record_targets(model, owners: np.ndarray) -> np.ndarray:
    """Recording target of each account's owner: withholding and quiet quitting starve the CRM."""
    r, lv = model.reps, model.levers
    base = np.clip(model.sc.accounts.crm_discipline, 0, 1)
    target = np.where(r.t_quiet_quitting[owners], 0.5 * base, base)
    withhold = r.t_withholding[owners]
    target = np.where(withhold, model.sc.tactics.withhold_target, target)
    # A manager's push to record (sim.policies.signs): the rep works toward the asked target;
    # a withholding rep closes only part of the gap.
    comply = np.where(withhold, lv.push_compliance, 1.0)
    pushed = r.record_push[owners] > 0
    return np.where(pushed, target + comply * np.clip(lv.push_target - target, 0, None), target)


def resolve_false_urgency(model, ledger) -> np.ndarray:
    """Managers look into urgency claims with the hours they could give them.

    Returns the discount each claimant extracts (0 when seen through, or when no manager
    hours were left to review it); a detected claim costs the rep its manager's trust.
    """
    r, tp = model.reps, model.sc.tactics
    a = model.active
    disc = np.zeros(r.n)
    claim = a[r.urgency_claim[a]]
    if claim.size == 0:
        return disc
    model.events.log(model.week, "urgency_claim", claim)
    # A claim is looked at if the manager had the hours; only a reviewed claim can win a
    # discount, and only a reviewed claim can be seen through.
    reviewed = model.streams.detection.random(claim.size) < ledger.fraction_for("urgency", claim)
    detect_p = np.clip(tp.urgency_detect * model.mgr_detect[r.team[claim]] / 0.5, 0, 1)
    caught = reviewed & (model.streams.detection.random(claim.size) < detect_p)
    r.trust[claim[caught]] = np.clip(r.trust[claim[caught]] - 0.25, 0, 1)
    r.grant_belief[claim[caught]] *= 0.8
    model.events.log(model.week, "urgency_detected", claim[caught])
    disc[claim[reviewed & ~caught]] = tp.urgency_discount
    return disc
