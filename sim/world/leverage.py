"""Leverage as revenue at risk, and the plays it invites (seed 000).

A rep's leverage is what the firm stands to lose if it leaves now: over the coming hiring lag
and the replacement's ramp, the clients that follow it are lost outright and the rest are sold
less well (nobody, or a teammate, covers them until the replacement is up to speed).  Cover,
backups and records lower it; the seasonal calendar enters only through the demand expected in
that window, so leverage peaks when the busy weeks fall inside it (docs/ODD.md 7.20).

The rep estimates its revenue at risk from its own book, with noise.  The manager estimates it
from what it sees: the book's trailing sales, the records, the backups and the calendar; it
cannot see the personal ties, so it assumes ``managers.tie_guess`` for each.

A rep asks when its leverage is high and it has a grievance.  The answer comes from the active
policies (``decide_demand`` hook).  A grant raises the rep's entitlement and sets a precedent
its teammates see; a refused threat may end in resignation, and loyal clients follow the rep.
"""

from __future__ import annotations

import numpy as np

from sim.world import kernels, replicas
from sim.world.accounts import follow_probability
from sim.world.arrays import among, clamp

DEMAND_KINDS = ("raise", "oversight", "accounts")


def risk_windows(model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Demand-weeks at stake from each week of the year if a rep left then.

    ``lost[w]``: summed demand over the hiring lag and the ramp (a follower's sales are gone
    for all of it).  ``gap[w]``: demand-weeks a non-follower is under-served: all of the lag,
    then the replacement's missing productivity (1 - ramp) through its ramp.  ``learn[w]``:
    demand-weeks, after the lag, weighted by how much of an account's know-how the new owner
    still lacks, which it learns at ``accounts.familiar_rate`` a week (a year at most).
    """
    lag, rp = int(model.levers.hiring_lag), model.sc.reps
    rate = model.sc.accounts.familiar_rate
    key = (lag, rp.ramp_weeks, rp.ramp_start, rate)
    cached = getattr(model, "_risk_windows", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    d = model.cal.multiplier
    n = len(d)
    ramp = np.arange(rp.ramp_weeks)
    missing = (1 - rp.ramp_start) * (1 - ramp / max(rp.ramp_weeks, 1))
    weeks = np.arange(n)[:, None]
    lag_d = d[(weeks + np.arange(lag)[None, :]) % n].sum(axis=1) if lag else np.zeros(n)
    ramp_idx = (weeks + lag + ramp[None, :]) % n
    ramp_d = d[ramp_idx].sum(axis=1) if rp.ramp_weeks else np.zeros(n)
    gap_d = lag_d + (d[ramp_idx] * missing[None, :]).sum(axis=1) if rp.ramp_weeks else lag_d
    k = np.arange(n)
    learn_d = (d[(weeks + lag + k[None, :]) % n] * (1 - min(rate, 1.0)) ** k[None, :]).sum(axis=1)
    out = (lag_d + ramp_d, gap_d, learn_d)
    model._risk_windows = (key, out)
    return out


def revenue_at_risk(model, ties: np.ndarray, own: np.ndarray | None = None) -> np.ndarray:
    """Revenue (currency) each rep slot's departure would cost, given the client ties assumed
    for the owned accounts ``model.owned`` (the true ones for the rep, a guess for a manager).

    risk_i = sum over i's accounts of  v_a [ f_a L(t) + (1 - f_a)((1 - cover_i) G(t) + u_a K(t)) ]
    with v_a the account's trailing weekly revenue, f_a its chance of following the rep
    (personal tie, firm tie, what a backup knows), L, G and K the demand-weeks of
    :func:`risk_windows`, and u_a the share of the account's sales the new owner loses at
    first for knowing only what the records (or a backup) carry: what records buy.
    ``own``: the owners of ``model.owned``, if the caller has gathered them.
    """
    r, b, ap = model.reps, model.book, model.sc.accounts
    idx = model.owned
    if own is None:
        own = b.owner[idx]
    lost, gap, learn = risk_windows(model)
    woy = model.woy
    if kernels.on(idx.size, model.R):
        return kernels.revenue_at_risk(
            idx, own, np.asarray(ties, dtype=np.float64), b.backup, r.active, b.backup_know,
            b.firm, b.rev_annual, r.cover, b.recorded, b.familiar, ap.follow_scale,
            ap.handover_quality, ap.unfamiliar_conversion, lost[woy], gap[woy], learn[woy], r.n)
    bk = b.backup[idx]
    backed = (bk >= 0) & r.active[np.maximum(bk, 0)]  # a backup under contract
    bknow = np.where(backed, b.backup_know[idx], 0.0)
    follow = follow_probability(b, ap, idx, backup_ok=backed, ties=ties, backup_known=bknow)
    known = np.maximum(ap.handover_quality * b.recorded[idx], bknow)
    uc = ap.unfamiliar_conversion
    now = uc + (1 - uc) * b.familiar[idx]
    relearn = 1 - (uc + (1 - uc) * known) / np.maximum(now, 1e-9)
    relearn = np.minimum(np.maximum(relearn, 0, out=relearn), 1, out=relearn)  # clamp to 0..1
    # per = v (follow L + (1 - follow)((1 - cover) G + relearn K)), in place; the rep's
    # (1 - cover) G is worked out per rep, then spread over its accounts.
    per = ((1 - r.cover[: r.n]) * gap[woy])[own]
    relearn *= learn[woy]
    per += relearn
    per *= 1 - follow
    follow *= lost[woy]
    per += follow
    per *= b.rev_annual[idx] / 52
    return np.bincount(own, weights=per, minlength=r.n)


def leverage_index(model, risk: np.ndarray) -> np.ndarray:
    """Map revenue at risk (currency) to the [0, 1] leverage index reps and tactics use."""
    scale = model.sc.leverage.risk_scale * model.sc.comp.quota_annual
    return 1 - np.exp(-np.maximum(risk, 0) / scale)


def perceive_leverage(model, a: np.ndarray, own: np.ndarray | None = None) -> np.ndarray:
    """The rep's revenue at risk, its noisy estimate of it, and its leverage index (returned
    too).  ``own``: the owners of ``model.owned``, if the caller has them."""
    r, lp = model.reps, model.sc.leverage
    true = revenue_at_risk(model, model.book.relationship[model.owned], own)[a]
    r.rar[a] = true
    sigma = lp.perception_noise
    z = replicas.normal(model, "perception", a)
    noise = np.exp(sigma * z - 0.5 * sigma ** 2)
    seen = true * noise
    r.rar_seen[a] = seen
    leverage = leverage_index(model, seen)
    r.leverage[a] = leverage
    return leverage


def manager_risk_estimate(model, a: np.ndarray) -> np.ndarray:
    """The manager's estimate of each rep's revenue at risk (book, records, backups, calendar)."""
    guess = np.full(model.owned.size, model.sc.managers.tie_guess)
    return revenue_at_risk(model, guess)[a]


def concession_cost(model, reps: np.ndarray, kind: np.ndarray, shirk: np.ndarray) -> np.ndarray:
    """Expected cost (currency) of granting each demand, before precedent, over the manager's
    horizon: a raise costs its step on the rep's trailing sales; less oversight costs the
    sales the manager believes a shirking rep would hold back; better accounts cost the
    handover loss on the two accounts moved."""
    r, lp, sc = model.reps, model.sc.leverage, model.sc
    years = lp.concession_horizon / 52
    sales = r.rev_annual[reps]
    raise_cost = lp.raise_step * sales * years
    oversight_cost = shirk * sc.tactics.peak_holdback * sales * years
    moved = (lp.better_accounts * sc.accounts.potential_median
             * (1 - sc.accounts.handover_quality) * years)
    return np.where(kind == 0, raise_cost, np.where(kind == 1, oversight_cost, moved))


def grant_rule(model, reps, kind, threat, flight, risk, shirk) -> np.ndarray:
    """The concession rule: grant when the margin expected to be lost by refusing
    (chance of leaving x revenue at risk x the firm's margin on it) beats the cost of
    conceding, counting the precedent: every teammate expected to ask the same
    (``levers.precedent_weight`` per teammate).  A threat makes leaving more likely: its
    evidence is added to the flight belief."""
    r, mp = model.reps, model.sc.managers
    logit = np.log(clamp(flight, 1e-9, 1 - 1e-9) / clamp(1 - flight, 1e-9, 1))
    q = 1 / (1 + np.exp(-(logit + mp.w_threat * threat)))
    a = model.active
    size = np.bincount(r.team[a], minlength=model.n_teams)
    mates = np.maximum(size[r.team[reps]] - 1, 0)
    cost = concession_cost(model, reps, kind, shirk) * (1 + model.levers.precedent_weight * mates)
    room = (kind != 0) | (r.rate[reps] < model.max_rate - 1e-12)
    margin = clamp(1 - model.sc.accounts.cogs_share - r.rate[reps], 0, 1)
    return (q * risk * margin > cost) & room


def leverage_plays(model, a: np.ndarray) -> None:
    r, lp = model.reps, model.sc.leverage
    pay_gap = clamp(1 - r.pay_ewma[a] / model.sc.behaviour.pay_reference, 0, 1)
    grievance = np.maximum.reduce([r.entitlement[a], 1 - r.fairness[a], pay_gap])
    press = 1.0 + lp.holdback_press * r.t_peak_underperformance[a]
    worth_asking = lp.ask_base + lp.ask_belief * r.grant_belief[a]  # more when asking has worked
    p = lp.demand_rate * grievance * press * worth_asking * (r.leverage[a] > lp.demand_leverage)
    asking = a[replicas.uniform(model, "leverage", a) < p]  # first on stream ``leverage``
    # With R replications the two gates below return only when nobody in any asks; the rest
    # runs on empty subsets for a replication with nobody asking, which changes nothing of
    # it (no rows logged or set, no draws), as its serial run's early return.
    if asking.size == 0:
        return
    threat = r.offers[asking] > lp.threat_offers
    room = r.rate[asking] + lp.raise_step <= model.max_rate + 1e-12
    kind = np.where(room & ((pay_gap[a.searchsorted(asking)] > 0)
                            | (r.entitlement[asking] > lp.raise_entitlement)),
                    0, np.where(r.monitoring[asking] > lp.oversight_monitoring, 1, 2))
    if model.levers.published_rule:
        # Clear policies publish the grant rule: a rep asks only if, by its own estimates
        # (its revenue at risk, its own plans), the rule would grant.
        own_flight = clamp(r.offers[asking], 0, 1)
        ok = grant_rule(model, asking, kind, threat, own_flight, r.rar_seen[asking],
                        np.zeros(asking.size))
        asking, kind, threat = asking[ok], kind[ok], threat[ok]
        if asking.size == 0:
            return
    lead = np.where(r.first_sign[asking] >= 0, model.week - r.first_sign[asking], np.nan)
    model.events.log(model.week, "threat", asking[threat], value=lead[threat])
    model.events.log(model.week, "demand", asking[~threat], value=kind[~threat])
    first = asking[r.first_threat[asking] < 0]
    r.first_threat[first] = model.week
    r.demanding[asking] = np.where(threat, 2, 1)  # the manager hears it; a talk follows

    granted = model.policy_decide_demand(asking, kind, threat)
    _grant(model, asking[granted], kind[granted])
    _refuse(model, asking[~granted], threat[~granted])
    _update_beliefs(model, asking, granted)


def _grant(model, reps: np.ndarray, kind: np.ndarray) -> None:
    r, lp = model.reps, model.sc.leverage
    if reps.size == 0:
        return
    raise_ = reps[kind == 0]
    step = np.minimum(lp.raise_step, model.max_rate - r.rate[raise_]).clip(0)
    r.rate[raise_] += step
    r.conceded[raise_] += step
    r.oversight[reps[kind == 1]] *= lp.oversight_keep
    for rep in reps[kind == 2]:
        _give_better_accounts(model, int(rep))
    model.events.log(model.week, "concession", reps, value=kind)
    r.entitlement[reps] = clamp(r.entitlement[reps] + lp.entitlement_gain, 0, 1)
    # Precedent: teammates see it, expect the same, and feel the unfairness.
    mates = model.active[among(r.team[model.active], r.team[reps], model.n_teams)]
    mates = mates[~among(mates, reps, r.n)]
    r.entitlement[mates] = clamp(r.entitlement[mates] + lp.precedent * lp.entitlement_gain
                                   * lp.mate_entitlement, 0, 1)
    r.precedent_seen[mates] = clamp(r.precedent_seen[mates]
                                      + lp.precedent_fairness * lp.precedent, 0, lp.precedent_cap)


def _refuse(model, reps: np.ndarray, threat: np.ndarray) -> None:
    r, lp = model.reps, model.sc.leverage
    if reps.size == 0:
        return
    model.events.log(model.week, "refusal", reps)
    r.satisfaction[reps] = clamp(r.satisfaction[reps] - lp.refusal_satisfaction, 0, 1)
    t = reps[threat]
    go = (replicas.uniform(model, "leverage", t)  # after the asks, on each replication's stream
          < lp.threat_follow_through * (lp.follow_through_base + r.offers[t]))
    model.leavers.extend(int(x) for x in t[go])


def _update_beliefs(model, reps: np.ndarray, granted: np.ndarray) -> None:
    """Every rep on a team watches how its teammates' asks were answered."""
    r, lp = model.reps, model.sc.leverage
    team = r.team[reps]
    n = np.bincount(team, minlength=model.n_teams)
    g = np.bincount(team, weights=granted.astype(float), minlength=model.n_teams)
    seen = n.nonzero()[0]
    mates = model.active[among(r.team[model.active], seen, model.n_teams)]
    rate = g[r.team[mates]] / n[r.team[mates]]
    r.grant_belief[mates] += lp.grant_learning * (rate - r.grant_belief[mates])


def _give_better_accounts(model, rep: int) -> None:
    """'Better territory': the best accounts (``leverage.better_accounts`` of them) of the
    team's weakest rep move to ``rep``."""
    r, b, lp = model.reps, model.book, model.sc.leverage
    mates = model.active[(r.team[model.active] == r.team[rep]) & (model.active != rep)]
    if mates.size == 0:
        return
    weakest = mates[np.argmin(r.rev_annual[mates])]
    own = model.owned[b.owner[model.owned] == weakest]
    if own.size == 0:
        return
    best = own[np.argsort(-b.potential[own])[:lp.better_accounts]]
    model.move_accounts(best, np.full(best.size, rep), quality=model.sc.accounts.handover_quality)
    r.resent[weakest] = clamp(r.resent[weakest] + lp.loss_resentment, 0, lp.resent_cap)
