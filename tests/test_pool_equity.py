"""Pooled pay and fairness: each rep reads its own payout against what its sales put in.

No rule names the stars; who resents the pool follows from who pays into it more than it
gets back (docs/ODD.md 7.14).
"""

from __future__ import annotations

import numpy as np

from sim.world.moods import update_moods
from sim.world.compensation import _pay_pool

from model_helpers import tiny_model


def _one_team(model):
    r, a = model.reps, model.active
    team = r.team[a[0]]
    return a[r.team[a] == team]


def _pool(model, split: str):
    model.plan.pool_share, model.plan.scope, model.plan.split = 0.3, "team", split
    r = model.reps
    mates = _one_team(model)
    assert mates.size >= 3
    sales = np.linspace(1.0, 3.0, mates.size) * 10_000  # the last sells three times the first
    r.period_sales[model.active] = 0.0
    r.pool_contrib[model.active] = 0.0
    r.period_sales[mates] = sales
    r.quota[mates] = sales.mean()  # the team makes its quota: the pool is released in full
    r.pool_contrib[mates] = 0.3 * 0.1 * sales
    _pay_pool(model, model.active)
    return mates


def test_equal_split_leaves_the_top_seller_short_and_the_bottom_one_whole():
    model = tiny_model(seed=3, n_reps=24)
    mates = _pool(model, "equal")
    gap = model.reps.pool_gap[mates]
    assert gap[-1] > 0.3       # the top seller gets back well under what it put in
    assert gap[0] == 0.0       # the bottom seller gets back more: no grievance
    assert np.all(np.diff(gap) >= 0)


def test_a_pro_rata_split_of_a_full_release_wrongs_nobody():
    model = tiny_model(seed=3, n_reps=24)
    mates = _pool(model, "pro_rata")
    assert np.allclose(model.reps.pool_gap[mates], 0.0, atol=1e-12)


def test_a_pool_gap_lowers_fairness_and_nothing_else_differs():
    lo, hi = tiny_model(seed=5, n_reps=24), tiny_model(seed=5, n_reps=24)
    for m in (lo, hi):
        m.step()
    a = hi.active
    hi.reps.pool_gap[a[:6]] = 1.0
    update_moods(lo, lo.active)
    update_moods(hi, a)
    drop = lo.reps.fairness[a[:6]] - hi.reps.fairness[a[:6]]
    assert np.all(drop > 0)
    assert np.array_equal(lo.reps.fairness[a[6:]], hi.reps.fairness[a[6:]])


def test_without_a_pool_nobody_has_a_pool_gap():
    model = tiny_model(seed=1, n_reps=24, weeks=30)
    for _ in range(30):  # two quarter ends
        model.step()
    assert model.plan.pool_share == 0
    assert np.all(model.reps.pool_gap == 0.0)
