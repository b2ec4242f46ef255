"""What reps perceive and how they choose effort; how their moods move.

All rules are written for one rep and evaluated for every active rep at once.  The effort
rule is documented in docs/ODD.md ("Effort decision"): a rep picks the effort that maximises
expected pay from its plan, plus the intrinsic value of work, minus an effort cost that grows
with stress.
"""

from __future__ import annotations

import numpy as np

from sim.world.accounts import sales_factor
from sim.world.agents import SIGNALS

KAPPA = 2.0  # curvature of the reps' mental model of sales against effort
NORM = 1 - np.exp(-KAPPA)


def team_sums(model, values: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """Sum ``values`` (one per slot in ``slots``) within each team, returned per slot."""
    team = model.reps.team[slots]
    tot = np.bincount(team, weights=values, minlength=model.n_teams)
    return tot[team]


def perceive(model, a: np.ndarray) -> None:
    """Update what each rep knows this week: its book, its leverage, offers and slumps."""
    r, b, cal, beh = model.reps, model.book, model.cal, model.sc.behaviour
    idx = model.owned
    own = b.owner[idx]
    n = r.n
    # Expected weekly sales at full effort (the rep's own book, at this week's demand).
    rel, recd = b.relationship[idx], b.recorded[idx]
    base = b.potential[idx] * sales_factor(b, model.sc.accounts, idx) * b.health[idx] * (1 / 52)
    model.snap = (idx, own, rel, base)  # the book does not change until the market pass
    book_val = np.bincount(own, weights=base, minlength=n)
    conv = 1 - model.sc.reps.stress_leak * r.stress[a]
    conv = conv * np.where((r.slump[a] == 1) | (r.slump[a] == 3), 0.7, 1.0)
    # The new-hire ramp is about learning the job and prospecting; serving an established
    # account depends on skill and on what the rep knows of it (inside ``base``).
    r.ymax[a] = book_val[a] * r.skill[a] * conv * model.demand_now
    # Share of the book (by value) the company could cover without the rep.
    rec = np.bincount(own, weights=base * recd, minlength=n)
    cov = np.zeros(n)
    if model.levers.backups:
        cov = np.bincount(own, weights=base * b.backup_know[idx] * (b.backup[idx] >= 0),
                          minlength=n)  # cover = what backups actually know
    with np.errstate(invalid="ignore", divide="ignore"):
        r.recorded_book[a] = np.nan_to_num(rec[a] / book_val[a])
        r.cover[a] = np.clip(np.nan_to_num(cov[a] / book_val[a]) + model.levers.team_cover, 0, 1)
    # Leverage: the revenue that would walk out with the rep (loyal, unrecorded clients),
    # against an average teammate's revenue; felt more as the peak nears (seed 000).
    portable = np.bincount(own, weights=b.rev_annual[idx] * rel * (1 - recd), minlength=n)[a]
    avg = team_sums(model, r.rev_annual[a], a) / team_sums(model, np.ones(len(a)), a)
    ratio = np.clip(portable / np.maximum(avg, 1e-9), 0.0, 10.0)
    timing = 0.5 + 0.5 * cal.lookahead[model.woy]
    lev = (ratio - 0.25) * 1.2 * timing * (1 - r.cover[a])
    r.leverage[a] = np.clip(lev * (1 - 0.3 * model.levers.culture), 0, 1)
    # Outside offers: competitors court visible top performers and reps building a brand.
    pct = np.argsort(np.argsort(r.rev_annual[a])) / max(len(a) - 1, 1)
    p_offer = beh.offer_rate + beh.offer_visibility * np.maximum(pct ** 3, r.brand[a])
    contact = model.streams.offers.random(len(a)) < p_offer
    r.offers[a] = np.clip(r.offers[a] * 0.96 + contact * 0.35 * (1 - r.offers[a]), 0, 1)
    r.s_competitor_contact[a] = contact
    brand_target = r.self_interest[a] * np.maximum(r.leverage[a], 1 - r.satisfaction[a])
    r.brand[a] = np.clip(r.brand[a] + 0.05 * (brand_target - r.brand[a]), 0, 1)
    # Slumps: a hidden cause (skill, personal, tools, motivation) that ends by itself in time.
    r.slump_left[a] = np.maximum(r.slump_left[a] - 1, 0)
    r.slump[a] = np.where(r.slump_left[a] > 0, r.slump[a], 0)
    slumps = model.streams.slumps
    start = (r.slump[a] == 0) & (slumps.random(len(a)) < beh.slump_rate)
    s = a[start]
    r.slump[s] = slumps.integers(1, 5, len(s))
    r.slump_left[s] = slumps.geometric(1 / beh.slump_weeks, len(s))


def marginal_pay(model, a: np.ndarray) -> np.ndarray:
    """Pay per extra unit of sales under the rep's plan this week (after the team pool)."""
    r, plan = model.reps, model.plan
    woy = model.woy
    d = max(model.demand_now, 1e-9)
    weekly_at_effort = r.ymax[a] / d * (1 - np.exp(-KAPPA * r.effort[a])) / NORM
    r.projected[a] = r.period_sales[a] + weekly_at_effort * plan.remaining[woy]
    m = plan.marginal_rate(r.projected[a], r.quota[a], r.rate[a], woy)
    return m * plan.own_share(model.pool_group_size(a))


def choose_effort(model, a: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Effort in [min_effort, 1] maximising m*Y(e) + V*e - c(1 + k*stress) e^2 / 2."""
    r, rp = model.reps, model.sc.reps
    motiv = np.where(r.slump[a] == 4, 0.3, 1.0) * r.motivation[a]
    v = rp.intrinsic_value * (0.5 * motiv + 0.5 * r.engagement[a])
    c = rp.effort_cost * (1 + rp.stress_cost * r.stress[a])
    gain = m * r.ymax[a] * KAPPA / NORM
    lo = np.full(len(a), rp.min_effort)
    hi = np.ones(len(a))
    for _ in range(14):  # bisection on the first-order condition
        mid = 0.5 * (lo + hi)
        foc = gain * np.exp(-KAPPA * mid) + v - c * mid
        up = foc > 0
        lo = np.where(up, mid, lo)
        hi = np.where(up, hi, mid)
    capacity = np.where(r.slump[a] == 2, 0.6, 1.0)
    return np.clip(0.5 * (lo + hi) * capacity, rp.min_effort * capacity, 1.0)


def emit_signals(model, a: np.ndarray) -> None:
    """Observable warning signs (seed 000), each a noisy draw from the rep's hidden state."""
    r, rng = model.reps, model.streams.signals
    k = len(a)
    pay_gap = np.clip(1 - r.pay_ewma[a] / model.sc.behaviour.pay_reference, 0, 1)
    probs = {
        "comp_talk": 0.3 * np.clip((np.maximum.reduce([r.entitlement[a], 1 - r.fairness[a], pay_gap])
                                    - 0.35) / 0.65, 0, 1),
        "crm_drop": np.where(r.t_withholding[a] | r.t_quiet_quitting[a], 0.6, 0.0),
        "brand_activity": 0.5 * np.clip(r.brand[a] - 0.2, 0, 1),
        "abrupt_change": np.where(np.abs(r.effort[a] - r.prev_effort[a]) > 0.12, 0.7, 0.0),
        "peak_focus": 0.4 * r.entitlement[a] * model.cal.lookahead[model.woy]
                      * (r.leverage[a] > 0.2),
    }
    for s in SIGNALS:
        col = getattr(r, f"s_{s}")
        if s == "competitor_contact":  # drawn in perceive(); only half are heard about
            col[a] = col[a] & (rng.random(k) < 0.5)
        else:
            col[a] = rng.random(k) < 0.003 + probs[s]


def update_moods(model, a: np.ndarray) -> None:
    """Satisfaction, fairness, stress, engagement, entitlement, dependency move toward targets."""
    r, beh, lv = model.reps, model.sc.behaviour, model.levers
    k = beh.adapt
    woy = model.woy
    pay_ratio = np.clip(r.pay_ewma[a] / beh.pay_reference, 0, 1.5) / 1.5
    # Stress: quota pressure late in a period, monitoring, overwork; support takes some away.
    plan = model.plan
    left = plan.remaining[woy] / max(plan.period_demand[plan.period_of_week[woy]], 1e-9)
    behind = np.clip(1 - r.projected[a] / np.maximum(r.quota[a], 1e-9), 0, 1) * (1 - left)
    stress_t = (beh.base_stress + beh.quota_pressure * behind
                + beh.monitoring_stress * r.monitoring[a] + 0.15 * np.clip(r.effort[a] - 0.85, 0, 1)
                + 0.15 * r.unanswered[a] - 0.15 * r.supported[a])
    r.stress[a] += k * (np.clip(stress_t, 0, 1) - r.stress[a])
    r.autonomy[a] = np.clip(1 - r.monitoring[a], 0, 1)  # monitoring already includes oversight
    # Fairness: own rate against the team's, favouritism seen, concessions granted to others.
    team_rate = team_sums(model, r.rate[a], a) / team_sums(model, np.ones(len(a)), a)
    fair_t = (0.75 - 2.0 * np.clip(1 - r.rate[a] / team_rate, 0, 1) - r.resent[a]
              - r.precedent_seen[a] + 0.1 * lv.voice)
    r.fairness[a] += k * (np.clip(fair_t, 0, 1) - r.fairness[a])
    sat_t = (0.35 * pay_ratio + 0.25 * r.fairness[a] + 0.2 * r.autonomy[a]
             + 0.2 * (1 - r.stress[a]) + 0.1 * np.clip(r.coached[a], 0, 1))
    r.satisfaction[a] += k * (np.clip(sat_t, 0, 1) - r.satisfaction[a])
    eng_t = (0.5 * r.satisfaction[a] + 0.25 * r.motivation[a] + 0.1 * lv.culture
             + 0.1 * lv.development + 0.1 * np.clip(r.coached[a], 0, 1)
             - 0.3 * np.clip(r.stress[a] - 0.5, 0, 1))
    r.engagement[a] += k * (np.clip(eng_t, 0, 1) - r.engagement[a])
    # Entitlement grows with sustained leverage; clear written policies slow it.
    grow = 0.02 * r.leverage[a] * lv.entitlement_factor
    r.entitlement[a] = np.clip(r.entitlement[a] * (1 - beh.entitlement_decay) + grow, 0, 1)
    r.trust[a] = np.clip(r.trust[a] + 0.01 * (0.8 - r.trust[a]), 0, 1)
    r.precedent_seen[a] *= 0.97
    r.resent[a] *= 0.98
    for name in ("stress", "fairness", "satisfaction", "engagement"):
        col = getattr(r, name)
        col[a] = np.clip(col[a], 0, 1)
