"""The effort choice (sim.world.behaviour.choose_effort) finds the best effort of each rep.

Each rep maximises m*Y(e) + V*e - c*e^2/2 over [min_effort, 1].  The solver (Newton's method
in a bracket) is checked against the objective itself, evaluated on a fine grid, for reps
whose marginal pay spans negative, zero, small and large values, so both corners and the
interior are hit.
"""

from __future__ import annotations

import numpy as np
import pytest

import tests.model_helpers as mh
from sim.world.behaviour import choose_effort, effort_curve, perceive

GRID = np.linspace(0.0, 1.0, 200_001)  # effort steps of 5e-6


def _objective(m, a, pay, e):
    """The rep's objective at efforts ``e`` (reps x points), as choose_effort states it."""
    r, rp = m.reps, m.sc.reps
    kappa, norm = effort_curve(m)
    v = rp.intrinsic_value * (rp.value_motivation * r.motivation[a]
                              + rp.value_engagement * r.engagement[a])
    c = rp.effort_cost * (1 + rp.stress_cost * r.stress[a])
    y = r.ymax[a][:, None] * (1 - np.exp(-kappa * e)) / norm
    return pay[:, None] * y + v[:, None] * e - c[:, None] * e ** 2 / 2


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_chosen_effort_maximises_the_objective(seed):
    m = mh.tiny_model(seed, n_reps=40)
    a = m.active
    perceive(m, a)
    m.reps.slump[a] = 0  # no slump: the objective above is the whole story
    rng = np.random.default_rng(seed)
    scale = np.median(m.sc.reps.effort_cost / np.maximum(m.reps.ymax[a], 1e-9))
    pay = scale * rng.choice([-3.0, -0.2, 0.0, 0.05, 0.5, 2.0, 50.0], a.size)
    e = choose_effort(m, a, pay)
    lo = m.sc.reps.min_effort
    grid = GRID[GRID >= lo]
    best = grid[np.argmax(_objective(m, a, pay, np.broadcast_to(grid, (a.size, grid.size))),
                          axis=1)]
    np.testing.assert_allclose(e, best, atol=1e-5)
    at = _objective(m, a, pay, e[:, None])[:, 0]
    assert (at >= _objective(m, a, pay, best[:, None])[:, 0] - 1e-12).all()
    assert ((e == lo) | (e == 1.0) | ((e > lo) & (e < 1.0))).all()
    assert (e == lo).any() and (e == 1.0).any() and ((e > lo) & (e < 1)).any()
