"""The five passive-aggressive tactics of seed 000, each chosen by its expected payoff.

Every week each rep weighs, for each tactic, what it gains (currency per week, as the rep can
reckon it from its own book and pay) against the chance of being found out times what that
costs, and against the harm to the firm, which it weighs by how much it still cares about the
firm (fully if it is not self-interested; otherwise as far as it is engaged and feels fairly
treated, so disengagement and resentment lower the weight):

    net = gain x (1 + noise) - p_found x sanction - w_firm x harm,   use it if net > 0

* cherry-picking: this week's extra commission from spending the hours where they sell most
  now (and not prospecting); harm: the neglected accounts' lost future sales;
* false urgency: the extra commission a concession (discount) brings; harm: the discount;
* peak underperformance: the expected value of a raise won by making its importance felt,
  less the commission given up while holding back; harm: the sales given up;
* withholding: a lower chance of losing the book, from the company holding less of it;
  harm: what the company could not keep if the rep left;
* quiet quitting: effort cost saved less the pay lost; harm: the firm's margin on the lost
  sales and the value of the work the rep used to care about.

A tactic stops when it stops paying: when the rep is found out (``found_out``) its belief of
being caught rises, its manager's trust falls, and the expected sanction grows.
"""

from __future__ import annotations

import numpy as np

from sim.world import hours_kernels, kernels, replicas, simd_math, tactic_kernels
from sim.world.accounts import ATTENTION_FLOORS, attention_weights
from sim.world.agents import TACTICS
from sim.world.behaviour import effort_curve
from sim.world.arrays import clamp

_URGENCY = TACTICS.index("false_urgency")
#: Smallest value per hour the water-filling takes the log of (an account worth nothing).
VALUE_FLOOR = 1e-300
#: Smallest pay and share of sales the tactics divide by (keeps the ratios finite).
DIVISOR_FLOOR = 1e-9


def greedy_hours(value: np.ndarray, need: np.ndarray, owner: np.ndarray,
                 hours: np.ndarray, n: int, iters: int = 60,
                 replications: int = 1) -> np.ndarray:
    """Hours per account that maximise this week's sales sum(value (1 - exp(-h / need))) for
    each owner's ``hours``: h = need (ln(value / need) - mu)+ with the owner's level mu set so
    that the hours add up (water-filling).  Start with every account in; the level of that set
    is too low, so drop the accounts below it and repeat: the set only shrinks and the level
    only rises, so this ends at the exact split (in a handful of passes in practice)."""
    if kernels.on(value.size, replications):
        lr = (hours_kernels.log_ratios(value, need, VALUE_FLOOR, simd_math.address("log"))
              if simd_math.agrees() else np.log(np.maximum(value / need, VALUE_FLOOR)))
        return hours_kernels.water_fill(lr, need, owner, hours, n, iters)
    lr = np.log(np.maximum(value / need, VALUE_FLOOR))
    nl = need * lr
    on = None  # every account in (the first pass needs no mask)
    mu = np.empty(n)
    for _ in range(iters):
        w = np.bincount(owner, weights=need if on is None else need * on, minlength=n)
        top = np.bincount(owner, weights=nl if on is None else nl * on, minlength=n) - hours[:n]
        mu.fill(np.inf)  # the level of an owner with nothing in the set
        np.divide(top, w, out=mu, where=w > 0)
        now = lr > mu[owner]
        if (np.logical_and.reduce(now) if on is None
                else not np.logical_or.reduce(now != on)):  # every account in; no change
            break
        on = now
    h = need * np.maximum(lr - mu[owner], 0.0)
    return np.where(hours[:n][owner] > 0, h, 0.0)


def normal_hours(model, idx, own, health, hours_by_rep) -> np.ndarray:
    """The usual split: hours in proportion to (value of the account) ** focus."""
    focus, b = model.sc.reps.focus, model.book
    if kernels.on(idx.size, model.R):
        if focus in (0.5, 1.0):  # where numpy's power is exact: sqrt or the value itself
            w = hours_kernels.attention_weights(idx, health, b.potential, b.difficulty,
                                          focus == 0.5, *ATTENTION_FLOORS)
        else:
            w = attention_weights(b, idx, health, focus)
        return hours_kernels.split_hours(w, own, hours_by_rep, model.reps.n)
    w = attention_weights(b, idx, health, focus)
    wsum = np.bincount(own, weights=w, minlength=model.reps.n)
    return hours_by_rep[own] * w / np.maximum(wsum[own], 1e-300)


def _cherry_gain(model, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weekly sales gained now, and future sales lost, by picking (per rep in ``a``)."""
    r, b, rp, ap = model.reps, model.book, model.sc.reps, model.sc.accounts
    idx, own, _, base = model.snap
    n = r.n
    full = np.zeros(n)
    full[a] = r.effort[a] * rp.hours_per_week - r.shadow_hours[a]
    usual = np.zeros(n)
    usual[a] = full[a] * (1 - rp.prospecting_share)
    need = b.need[idx]
    h0 = normal_hours(model, idx, own, b.health[idx], usual)
    h1 = greedy_hours(base, need, own, np.maximum(full, 0), n, replications=model.R)
    conv = r.skill[:n] * model.demand_now
    if kernels.on(base.size, model.R) and simd_math.agrees():
        gain, lost = hours_kernels.cherry_sums(base, need, h0, h1, own, n, simd_math.address("exp"))
        gain = gain * conv
    else:
        e0, e1 = np.exp(-h0 / need), np.exp(-h1 / need)
        s0, s1 = 1 - e0, 1 - e1
        gain = np.bincount(own, weights=base * (s1 - s0), minlength=n) * conv
        lost = np.bincount(own, weights=base * clamp(np.minimum(h0, need)
                                                       - np.minimum(h1, need), 0, None) / need,
                           minlength=n)
    harm = lost * conv * ap.health_decay * model.sc.tactics.harm_weeks
    return gain[a], harm[a]


def choose_tactics(model, a: np.ndarray) -> None:
    """Each rep's tactics this week: each enabled tactic is used when its judged gain beats
    the expected sanction plus the firm's harm the rep cares about (module docstring).  The
    weighing runs as numpy rows or, on the compiled path, in one pass per rep (:func:`weigh`,
    sim.world.tactic_kernels), with the same operations in the same order."""
    r, tp = model.reps, model.sc.tactics
    prev = r.tactics[:, a]  # a copy (a gather)
    g, h = _cherry_gain(model, a)
    occasion = replicas.uniform(model, "tactics", a) < tp.urgency_rate  # a deal to claim about
    # The rep misjudges each gain a little (one row of draws per tactic, in TACTICS order,
    # after the occasions: (tactics, k_r) per replication, placed by column); no gain, no tactic.
    noise = replicas.normal(model, "tactics", a, lead=len(TACTICS))
    enabled = np.array([t in tp.enabled for t in TACTICS])
    new, _ = weigh(model, a, g, h, noise, occasion, enabled)
    r.tactics[:, a] = new
    tactic, who = np.nonzero(new & ~prev)  # tactic by tactic, reps in slot order
    model.events.log(model.week, "tactic_start", a[who], value=tactic)
    r.urgency_claim[a] = r.t_false_urgency[a]


def _scalars(model) -> dict:
    """The week's scalars of the weighing, each worked out as the numpy rows work it out."""
    tp, cal, rp, lv = model.sc.tactics, model.cal, model.sc.reps, model.levers
    kappa, norm = effort_curve(model)
    e0 = rp.min_effort
    recording = clamp(model.sc.accounts.crm_discipline, 0, 1)
    peak = bool(cal.peak[model.woy])
    d, elasticity = tp.urgency_discount, tp.urgency_elasticity
    return dict(
        margin=max(1 - model.sc.accounts.cogs_share, 0.0), kappa=kappa, norm=norm, e0=e0,
        keep_top=1 - np.exp(-kappa * e0), e0_sq=e0 * e0, peak=peak,
        spell=min(model.peak_weeks_left[model.woy], tp.holdback_weeks) if peak else 1.0,
        recording=recording, pushed_recording=np.maximum(recording, lv.push_target),
        urgency_extra=elasticity * d * (1 - d) - d, urgency_harm=1 + elasticity * d)


def tactic_parameters(model) -> np.ndarray:
    """The scalars of the compiled weighing, in the order of tactic_kernels.PARAMETERS."""
    tp, rp, s = model.sc.tactics, model.sc.reps, _scalars(model)
    return np.array([
        s["margin"], s["kappa"], s["norm"], tp.sanction_weeks, s["e0"], rp.effort_cost,
        rp.stress_cost, s["keep_top"], s["e0_sq"], rp.intrinsic_value, rp.value_motivation,
        rp.value_engagement, float(s["peak"]), s["spell"], tp.peak_holdback,
        model.sc.leverage.raise_step, tp.peak_leverage, s["recording"],
        s["pushed_recording"], tp.withhold_target, tp.book_risk, tp.book_weeks,
        tp.harm_weeks, tp.urgency_discount, s["urgency_extra"], s["urgency_harm"],
        tp.decision_noise, DIVISOR_FLOOR], dtype=np.float64)


def weigh(model, a, g, h, noise, occasion, enabled) -> tuple[np.ndarray, np.ndarray]:
    """The tactics each rep of ``a`` uses and their judged net gains (one row per tactic,
    TACTICS order; -inf for a tactic not enabled), given the cherry-picking gain ``g`` and
    harm ``h``, the judgement ``noise`` and the urgency ``occasion`` drawn by
    :func:`choose_tactics`: in one compiled pass where it runs, else as numpy rows."""
    shape = (len(TACTICS), len(a))
    new, net = np.zeros(shape, dtype=bool), np.full(shape, -np.inf)
    if kernels.on(len(a), model.R) and simd_math.agrees():
        r = model.reps
        tactic_kernels.weigh_tactics(
            a, r.marginal, r.pay_ewma, r.ymax, r.effort, r.self_interest, r.engagement,
            r.fairness, r.caught_belief, r.stress, r.motivation, r.grant_belief, r.rev_annual,
            r.leverage, r.record_push, r.cover, r.trust, g, h, noise, occasion, enabled,
            tactic_parameters(model), simd_math.address("exp"), new, net)
    else:
        _weigh(model, a, g, h, noise, occasion, enabled, new, net)
    return new, net


def _weigh(model, a, g, h, noise, occasion, enabled, new, net) -> None:
    """:func:`weigh` as numpy rows, into ``new`` and ``net``."""
    r, tp, rp, s = model.reps, model.sc.tactics, model.sc.reps, _scalars(model)
    k = len(a)
    rate = np.maximum(r.marginal[a], 0.0)
    margin = s["margin"]
    pay = np.maximum(r.pay_ewma[a], DIVISOR_FLOOR)
    kappa, norm = s["kappa"], s["norm"]
    # A week's sales at the current effort, from the rep's own picture of its book.
    weekly = r.ymax[a] * (1 - np.exp(-kappa * r.effort[a])) / norm
    # Weight on the firm's interest: full for a rep with no self-interest; for a
    # self-interested one, only as far as it is engaged and feels fairly treated.
    si = r.self_interest[a]
    w_firm = clamp((1 - si) + si * r.engagement[a] * r.fairness[a], 0, 1)
    expected_sanction = clamp(r.caught_belief[a], 0, 1) * tp.sanction_weeks * pay
    gains, harms = {}, {}

    # 1. Quiet quitting: effort cost saved minus pay lost, at the contractual minimum.
    e, e0 = np.maximum(r.effort[a], rp.min_effort), s["e0"]
    c = rp.effort_cost * (1 + rp.stress_cost * r.stress[a])
    keep = s["keep_top"] / np.maximum(1 - np.exp(-kappa * e), DIVISOR_FLOOR)
    lost_sales = weekly * (1 - keep)
    gains["quiet_quitting"] = 0.5 * c * (e * e - s["e0_sq"]) - rate * lost_sales
    v = rp.intrinsic_value * (rp.value_motivation * r.motivation[a]
                              + rp.value_engagement * r.engagement[a])
    harms["quiet_quitting"] = margin * lost_sales + v * (e - e0)

    # 2. Peak underperformance: in the peak only, holding back for a short spell makes the
    #    rep's importance felt; the expected raise (a year of it) against the spell's pay.
    gain = np.full(k, -np.inf)
    if s["peak"]:
        spell = s["spell"]
        held = tp.peak_holdback * weekly * spell
        raise_value = r.grant_belief[a] * model.sc.leverage.raise_step * r.rev_annual[a]
        gain = np.where(r.leverage[a] > tp.peak_leverage,
                        (raise_value - rate * held) / spell, -np.inf)
        harms["peak_underperformance"] = margin * held / spell
    else:
        harms["peak_underperformance"] = np.zeros(k)
    gains["peak_underperformance"] = gain

    # 3. Withholding: the less the company holds of the book, the less likely the rep is to
    #    lose it (reassigned, replaced); worth the book's pay over the horizon it fears for.
    #    The rep compares the records it would leave if it kept recording with those it
    #    leaves by withholding.
    # What the rep would record if it did not withhold (a manager's push to record included).
    recording = np.where(r.record_push[a] > 0, s["pushed_recording"], s["recording"])
    drop = clamp(recording - tp.withhold_target, 0, None) * np.ones(k)
    gains["withholding"] = (tp.book_risk * (1 - r.cover[a]) * drop * pay * tp.book_weeks)
    # What the firm stands to lose over the same risk: the margin on the book it could not
    # keep or run without the rep.
    harms["withholding"] = tp.book_risk * (1 - r.cover[a]) * drop * margin * weekly * tp.harm_weeks

    # 4. Cherry-picking: this week's extra commission against the neglected accounts.
    gains["cherry_picking"] = rate * g
    harms["cherry_picking"] = margin * h

    # 5. False urgency: a discount closes more volume this week, if the manager believes it.
    d = tp.urgency_discount
    believed = clamp(r.trust[a], 0, 1)
    extra = weekly * s["urgency_extra"]
    gains["false_urgency"] = believed * rate * np.maximum(extra, 0.0)
    harms["false_urgency"] = weekly * s["urgency_harm"] * d

    judged = np.maximum(1 + tp.decision_noise * noise, 0)
    for i, t in enumerate(TACTICS):  # a tactic not enabled stays off
        if enabled[i]:
            net[i] = gains[t] * judged[i] - expected_sanction - w_firm * harms[t]
            new[i] = (gains[t] > 0) & (net[i] > 0)
    new[_URGENCY] &= occasion  # false urgency needs a deal to claim about


def found_out(model, a: np.ndarray) -> None:
    """A rep using a tactic whose signs its manager noticed this week has been found out: its
    manager trusts it less and it now expects to be caught again; a rep using none, or not
    noticed, drifts back toward the usual belief."""
    r, tp = model.reps, model.sc.tactics
    using = r.tactics[:, a].any(axis=0)
    caught = using & (r.noticed[a] > 0)
    target = np.where(caught, 1.0, tp.detect_prior)
    r.caught_belief[a] += tp.belief_rate * (target - r.caught_belief[a])
    hit = a[caught]
    r.trust[hit] = clamp(r.trust[hit] - tp.sanction_trust, 0, 1)


def apply_to_effort(model, a: np.ndarray, effort: np.ndarray) -> np.ndarray:
    """What the chosen tactics do to effort and to the split of effort."""
    r, tp, rp = model.reps, model.sc.tactics, model.sc.reps
    e = np.where(r.t_quiet_quitting[a], rp.min_effort, effort)
    e = np.where(r.t_peak_underperformance[a], e * (1 - tp.peak_holdback), e)
    prospect = np.where(r.t_quiet_quitting[a] | r.t_cherry_picking[a], 0.0, rp.prospecting_share)
    r.prospect_share[a] = prospect
    return clamp(e, 0.0, 1.0)


def record_targets(model, owners: np.ndarray) -> np.ndarray:
    """Recording target of each account's owner: withholding and quiet quitting starve the CRM."""
    r, lv = model.reps, model.levers
    base = clamp(model.sc.accounts.crm_discipline, 0, 1)
    if kernels.on(owners.size, model.R):
        tp = model.sc.tactics
        return kernels.record_targets(owners, r.t_quiet_quitting, r.t_withholding,
                                      r.record_push, base, tp.quiet_recording,
                                      tp.withhold_target, lv.push_compliance, lv.push_target)
    target = np.where(r.t_quiet_quitting[owners], model.sc.tactics.quiet_recording * base, base)
    withhold = r.t_withholding[owners]
    target = np.where(withhold, model.sc.tactics.withhold_target, target)
    # A manager's push to record (sim.policies.signs): the rep works toward the asked target;
    # a withholding rep closes only part of the gap.
    comply = np.where(withhold, lv.push_compliance, 1.0)
    pushed = r.record_push[owners] > 0
    return np.where(pushed, target + comply * clamp(lv.push_target - target, 0, None), target)


def resolve_false_urgency(model, ledger) -> np.ndarray:
    """Managers look into urgency claims with the hours they could give them.

    Returns the discount each claimant extracts (0 when seen through, or when no manager
    hours were left to review it); a detected claim costs the rep its manager's trust.
    """
    r, tp = model.reps, model.sc.tactics
    a = model.active
    disc = np.zeros(r.n)
    claim = a[r.urgency_claim[a]]
    if claim.size == 0:  # (with R replications: nobody in any; one with no claim draws 0)
        return disc
    model.events.log(model.week, "urgency_claim", claim)
    # A claim is looked at if the manager had the hours; only a reviewed claim can win a
    # discount, and only a reviewed claim can be seen through.
    # (Stream ``detection``, after the manager's noticing of signs; reviewed, then seen through.)
    reviewed = replicas.uniform(model, "detection", claim) < ledger.fraction_for("urgency", claim)
    detect_p = clamp(tp.urgency_detect * model.mgr_detect[r.team[claim]] / tp.urgency_skill_ref,
                       0, 1)
    caught = reviewed & (replicas.uniform(model, "detection", claim) < detect_p)
    r.trust[claim[caught]] = clamp(r.trust[claim[caught]] - tp.urgency_trust, 0, 1)
    r.grant_belief[claim[caught]] *= tp.urgency_grant_keep
    r.caught_belief[claim[caught]] = 1.0  # seen through: it expects to be again
    model.events.log(model.week, "urgency_detected", claim[caught])
    disc[claim[reviewed & ~caught]] = tp.urgency_discount
    return disc
