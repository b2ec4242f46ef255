"""How reps' moods move each week: stress, fairness, satisfaction, engagement, search,
entitlement and trust, each a step toward a target set by what the rep sees (ODD 7.14, 7.24).

Every rule is written for one rep and evaluated for every active rep at once, as numpy rows
or, at R > 1 replications on the compiled path, in one pass per rep
(sim.world.mood_kernels); both give the same values bit for bit (tests/test_moods.py).
"""

from __future__ import annotations

import numpy as np

from sim.world import kernels, mood_kernels
from sim.world.agents import INDICES

#: Smallest divisor of the rules' ratios (a quota, a period's demand): keeps them finite.
RATIO_FLOOR = 1e-9


def _unit(x: np.ndarray) -> np.ndarray:
    """``clamp(x, 0, 1)`` of a fresh float array, in place (the same values, fewer calls)."""
    return np.minimum(np.maximum(x, 0, out=x), 1, out=x)


def _team_counts(model, team: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per rep of teams ``team``: the active reps of its team (itself included), whether it
    has a teammate, and the number of teammates (at least 1, a divisor)."""
    n = np.bincount(team, minlength=model.n_teams)[team]
    return n, n > 1, np.maximum(n - 1, 1)


def _mean_of_others(model, values: np.ndarray, team: np.ndarray, counts: tuple) -> np.ndarray:
    """:func:`team_mean_of_others` given the reps' teams and their :func:`_team_counts`."""
    _, has_mates, mates = counts
    tot = np.bincount(team, weights=values, minlength=model.n_teams)[team]
    others = (tot - values) / mates
    return others if has_mates.all() else np.where(has_mates, others, values)


def _peer_memory(model, a, team, counts) -> tuple[np.ndarray, np.ndarray]:
    """What a rep sees of its teammates this week: who left last week or does the visible
    minimum (quiet quitting), as a share of the team, kept in a fading memory; and its fading
    memory of accounts steered to others.  Returns both, new (not stored)."""
    r, m = model.reps, model.sc.behaviour.peer_memory
    size, _, mates = counts
    quiet = r.t_quiet_quitting[a]
    if quiet.any():
        others = (np.bincount(team, weights=quiet.astype(float), minlength=model.n_teams)[team]
                  - quiet)
    else:
        others = np.zeros(team.size)
    left = (r.view("left") == model.week - 1).nonzero()[0]
    if left.size:
        exits = np.bincount(r.team[left], minlength=model.n_teams)[team]
        share = (exits + others) / np.maximum(size + exits - 1, 1)
    else:  # nobody left last week: the quiet teammates alone
        share = others / mates
    loss = r.peer_loss[a]
    loss += m * (_unit(share) - loss)
    steered = r.seen_steered[a]
    steered *= 1 - m
    return loss, steered


def update_moods(model, a: np.ndarray) -> None:
    """Satisfaction, fairness, stress, engagement, entitlement, search move toward targets.

    What a rep compares itself with (its teammates' rates, books and sales, who of them left
    or quit quietly) is worked out first; then each mood moves toward its target, in one
    compiled pass (sim.world.mood_kernels) or as numpy rows (:func:`_move_moods`), with the
    same operations in the same order, so both give the same values."""
    r = model.reps
    team = r.team[a]
    counts = _team_counts(model, team)
    loss, steered = _peer_memory(model, a, team, counts)
    rate = r.rate[a]
    mates_rate = _mean_of_others(model, rate, team, counts)
    idx, own = model.snap[0], model.snap[1]
    book = np.bincount(own, weights=model.book.potential[idx], minlength=r.n)[a]
    rev = r.rev_annual[a]
    sells_more = rev > _mean_of_others(model, rev, team, counts)
    book_mates = _mean_of_others(model, book, team, counts)
    plan, woy = model.plan, model.woy
    left = plan.remaining[woy] / max(plan.period_demand[plan.period_of_week[woy]], RATIO_FLOOR)
    seen = (mates_rate, book, book_mates, sells_more, loss, steered)
    if kernels.on(a.size, model.R):
        mood_kernels.move_moods(a, r.indices, r.search, r.peer_loss, r.seen_steered,
                                r.precedent_seen, r.resent, r.heard, r.pay_ewma, r.projected,
                                r.quota, r.monitoring, r.mon_sens, r.effort, r.unanswered,
                                r.supported, r.rate, r.pool_gap, r.coached, r.motivation,
                                *seen, mood_parameters(model, left), MOOD_ROWS)
    else:
        _move_moods(model, a, left, *seen)


#: Rows of the mood indices in the ``reps.indices`` block, in the order the kernel takes them.
MOOD_ROWS = np.array([INDICES.index(k) for k in (
    "stress", "fairness", "satisfaction", "engagement", "autonomy", "entitlement", "leverage",
    "trust")], dtype=np.int64)
(_STRESS, _FAIRNESS, _SATISFACTION, _ENGAGEMENT, _AUTONOMY, _ENTITLEMENT, _LEVERAGE,
 _TRUST) = (int(i) for i in MOOD_ROWS)


def mood_parameters(model, left: float) -> np.ndarray:
    """The scalars of the mood rules, in the order of ``mood_kernels.PARAMETERS`` (each
    worked out as the numpy rules work it out: products of two scalars in Python)."""
    beh, lv = model.sc.behaviour, model.levers
    return np.array([
        beh.adapt, beh.pay_reference, beh.pay_cap, 1 - left, RATIO_FLOOR, beh.base_stress,
        beh.quota_pressure, beh.monitoring_stress, beh.stress_overwork, beh.overwork_effort,
        beh.stress_unanswered, beh.stress_support, beh.fairness_base, beh.equity_pay,
        beh.equity_book, beh.equity_pool, beh.steer_fairness, beh.voice_fairness, beh.sat_pay,
        beh.sat_fairness, beh.sat_autonomy, beh.sat_calm, beh.sat_coaching,
        beh.eng_satisfaction, beh.eng_motivation, beh.culture_engagement * lv.culture,
        beh.development_engagement * lv.development, beh.eng_coaching,
        beh.burnout_engagement, beh.burnout_stress, beh.contagion_engagement,
        beh.contagion_search, beh.entitlement_growth, 1 - beh.entitlement_decay,
        beh.trust_recovery, beh.trust_norm, beh.precedent_memory, beh.resent_memory],
        dtype=np.float64)


def _move_moods(model, a, left, mates_rate, book, book_mates, sells_more, loss, steered):
    """The moods' moves as numpy rows.  The mood indices are read as one block
    (``reps.indices``, a row per index), moved in place and written back once; each mood is
    limited to [0, 1] at the end, so the targets below see the moved, not yet limited,
    values."""
    r, beh, lv = model.reps, model.sc.behaviour, model.levers
    k = beh.adapt
    ind = r.indices.take(a, axis=1)  # C-ordered: each row a contiguous copy
    stress, fairness = ind[_STRESS], ind[_FAIRNESS]
    satisfaction, engagement = ind[_SATISFACTION], ind[_ENGAGEMENT]
    pay = r.pay_ewma[a] / beh.pay_reference
    pay_ratio = np.minimum(np.maximum(pay, 0, out=pay), beh.pay_cap) / beh.pay_cap
    # Stress: quota pressure late in a period, monitoring (felt with the rep's own
    # sensitivity), overwork; support takes some away.
    behind = _unit(1 - r.projected[a] / np.maximum(r.quota[a], RATIO_FLOOR)) * (1 - left)
    monitoring = r.monitoring[a]
    stress_t = (beh.base_stress + beh.quota_pressure * behind
                + beh.monitoring_stress * r.mon_sens[a] * monitoring
                + beh.stress_overwork * _unit(r.effort[a] - beh.overwork_effort)
                + beh.stress_unanswered * r.unanswered[a] - beh.stress_support * r.supported[a])
    stress += k * (_unit(stress_t) - stress)
    ind[_AUTONOMY] = _unit(1 - monitoring)  # monitoring already includes oversight
    # Fairness from what the rep sees (equity comparison with teammates, Card et al. 2012):
    # its rate against theirs, its book against theirs when it sells more, accounts steered
    # to a favourite, concessions granted to others, a pool payout below what its own sales
    # put in (Adams 1965); a heard grievance (voice) helps.
    # nobody paid anything (commission 0 is valid) is no gap: ratio 1 where teammates earn 0
    pay_gap = _unit(1 - _ratio(r.rate[a], mates_rate))
    book_gap = _unit(1 - _ratio(book, book_mates)) * sells_more
    resent, precedent = r.resent[a], r.precedent_seen[a]
    fair_t = (beh.fairness_base - beh.equity_pay * pay_gap - beh.equity_book * book_gap
              - beh.equity_pool * r.pool_gap[a] - resent
              - precedent - beh.steer_fairness * steered
              + beh.voice_fairness * r.heard[a])
    fairness += k * (_unit(fair_t) - fairness)
    coached = _unit(r.coached[a])
    sat_t = (beh.sat_pay * pay_ratio + beh.sat_fairness * fairness
             + beh.sat_autonomy * ind[_AUTONOMY] + beh.sat_calm * (1 - stress)
             + beh.sat_coaching * coached)
    satisfaction += k * (_unit(sat_t) - satisfaction)
    # Engagement; teammates' exits and disengagement pull it down (Felps et al. 2009).
    eng_t = (beh.eng_satisfaction * satisfaction + beh.eng_motivation * r.motivation[a]
             + beh.culture_engagement * lv.culture + beh.development_engagement * lv.development
             + beh.eng_coaching * coached
             - beh.burnout_engagement * _unit(stress - beh.burnout_stress)
             - beh.contagion_engagement * loss)
    engagement += k * (_unit(eng_t) - engagement)
    # Job search follows what the rep saw of its teammates leaving (Felps et al. 2009).
    search = r.search[a]
    search += k * (_unit(beh.contagion_search * loss) - search)
    # Entitlement grows with sustained leverage.
    grow = beh.entitlement_growth * ind[_LEVERAGE]
    ind[_ENTITLEMENT] = _unit(ind[_ENTITLEMENT] * (1 - beh.entitlement_decay) + grow)
    trust = ind[_TRUST]
    ind[_TRUST] = _unit(trust + beh.trust_recovery * (beh.trust_norm - trust))
    for v in (stress, fairness, satisfaction, engagement, search):
        _unit(v)
    r.indices[:, a] = ind
    r.search[a] = search
    r.peer_loss[a], r.seen_steered[a] = loss, steered
    precedent *= beh.precedent_memory
    r.precedent_seen[a] = precedent
    resent *= beh.resent_memory
    r.resent[a] = resent
    r.heard[a] = False


def _ratio(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x / y, and 1 where y is not positive."""
    pos = y > 0
    if pos.all():
        return x / y
    return np.divide(x, y, out=np.ones(len(x)), where=pos)
