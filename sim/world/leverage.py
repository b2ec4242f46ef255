"""Leverage plays (seed 000): threats to resign and demands for concessions, and the answers.

A rep asks when its leverage is high, it has a grievance, and the peak is near or here.  The
answer comes from the active policies (``decide_demand`` hook; the concessions block by
default).  A grant raises the rep's entitlement and sets a precedent its teammates see; a
refused threat may end in resignation, and loyal clients follow the rep out.
"""

from __future__ import annotations

import numpy as np

DEMAND_KINDS = ("raise", "oversight", "accounts")


def leverage_plays(model, a: np.ndarray) -> None:
    r, lp, rng = model.reps, model.sc.leverage, model.streams.leverage
    pay_gap = np.clip(1 - r.pay_ewma[a] / model.sc.behaviour.pay_reference, 0, 1)
    grievance = np.maximum.reduce([r.entitlement[a], 1 - r.fairness[a], pay_gap])
    timing = 0.15 + 0.85 * model.cal.lookahead[model.woy]
    press = 1.0 + r.t_peak_underperformance[a]
    worth_asking = 0.3 + 1.4 * r.grant_belief[a]  # asking more when asking has worked
    p = (lp.demand_rate * model.levers.demand_factor * grievance * timing * press * worth_asking
         * (r.leverage[a] > lp.demand_leverage))
    asking = a[rng.random(len(a)) < p]
    if asking.size == 0:
        return
    threat = r.offers[asking] > 0.3
    room = r.rate[asking] + lp.raise_step <= model.max_rate + 1e-12
    kind = np.where(room & ((pay_gap[np.searchsorted(a, asking)] > 0) | (r.entitlement[asking] > 0.3)),
                    0, np.where(r.monitoring[asking] > 0.25, 1, 2))
    lead = np.where(r.first_sign[asking] >= 0, model.week - r.first_sign[asking], np.nan)
    model.events.log(model.week, "threat", asking[threat], value=lead[threat])
    model.events.log(model.week, "demand", asking[~threat], value=kind[~threat])
    first = asking[r.first_threat[asking] < 0]
    r.first_threat[first] = model.week
    r.demanding[asking] = 1  # a retention talk lands in the manager's diary next week

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
    r.oversight[reps[kind == 1]] *= 0.5
    for rep in reps[kind == 2]:
        _give_better_accounts(model, int(rep))
    model.events.log(model.week, "concession", reps, value=kind)
    r.entitlement[reps] = np.clip(r.entitlement[reps] + lp.entitlement_gain, 0, 1)
    # Precedent: teammates see it, expect the same, and feel the unfairness.
    teams = np.unique(r.team[reps])
    mates = model.active[np.isin(r.team[model.active], teams)]
    mates = mates[~np.isin(mates, reps)]
    r.entitlement[mates] = np.clip(r.entitlement[mates] + lp.precedent * lp.entitlement_gain
                                   * 0.5, 0, 1)
    r.precedent_seen[mates] = np.clip(r.precedent_seen[mates] + 0.1 * lp.precedent, 0, 0.5)


def _refuse(model, reps: np.ndarray, threat: np.ndarray) -> None:
    r, lp = model.reps, model.sc.leverage
    if reps.size == 0:
        return
    model.events.log(model.week, "refusal", reps)
    r.satisfaction[reps] = np.clip(r.satisfaction[reps] - 0.1, 0, 1)
    t = reps[threat]
    go = model.streams.leverage.random(t.size) < lp.threat_follow_through * (0.5 + r.offers[t])
    model.leavers.extend(int(x) for x in t[go])


def _update_beliefs(model, reps: np.ndarray, granted: np.ndarray) -> None:
    """Every rep on a team watches how its teammates' asks were answered."""
    r = model.reps
    team = r.team[reps]
    n = np.bincount(team, minlength=model.n_teams)
    g = np.bincount(team, weights=granted.astype(float), minlength=model.n_teams)
    seen = np.flatnonzero(n)
    mates = model.active[np.isin(r.team[model.active], seen)]
    rate = g[r.team[mates]] / n[r.team[mates]]
    r.grant_belief[mates] += 0.3 * (rate - r.grant_belief[mates])


def _give_better_accounts(model, rep: int) -> None:
    """'Better territory': the two best accounts of the team's weakest rep move to ``rep``."""
    r, b = model.reps, model.book
    mates = model.active[(r.team[model.active] == r.team[rep]) & (model.active != rep)]
    if mates.size == 0:
        return
    weakest = mates[np.argmin(r.rev_annual[mates])]
    own = model.owned[b.owner[model.owned] == weakest]
    if own.size == 0:
        return
    best = own[np.argsort(-b.potential[own])[:2]]
    model.move_accounts(best, np.full(best.size, rep), quality=model.sc.accounts.handover_quality)
    r.resent[weakest] = np.clip(r.resent[weakest] + 0.2, 0, 0.6)
