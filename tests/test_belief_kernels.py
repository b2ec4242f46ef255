"""The managers' beliefs (sim.world.beliefs): the compiled pass gives the numpy rows' values
bit for bit, with and without a visible CRM process, from stirred observations."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sim.world import belief_kernels, kernels
from sim.world.agents import SIGNALS
from sim.world.beliefs import belief_parameters, update_beliefs
from model_helpers import stepped_numpy_model

pytestmark = pytest.mark.skipif(not kernels.AVAILABLE, reason="numba is an optional extra")


def _stir(m, seed: int):
    rng = np.random.default_rng(seed)
    r, a = m.reps, m.active
    k = a.size
    for col in ("me_flight", "me_shirk", "me_lever"):
        getattr(r, col)[a] = rng.normal(0, 3, k)
    r.sales_week[a] = rng.lognormal(6, 1.5, k) * (rng.random(k) < 0.8)
    r.recorded_book[a] = rng.uniform(0, 1, k)
    for col in ("disclosed_offer", "disclosed_disengaged", "caught"):
        getattr(r, col)[a] = rng.random(k) < 0.3
    seen = rng.random((len(SIGNALS), k)) < 0.3
    asks = rng.integers(0, 3, k)
    return seen, asks


@pytest.mark.parametrize("seed,visible", [(1, False), (2, True)])
def test_compiled_beliefs_equal_the_numpy_rows(seed, visible):
    m = stepped_numpy_model(seed, n_reps=40, steps=6)
    m.levers.crm_visible = visible
    seen, asks = _stir(m, seed)
    twin = copy.deepcopy(m)
    with kernels.mode("on"):
        kernels.on(0)
        update_beliefs(m, m.active, seen, asks)
    with kernels.mode("off"):
        update_beliefs(twin, twin.active, seen, asks)
    for col in ("me_flight", "me_shirk", "me_lever", "mgr_rar", "mb_flight", "mb_shirk",
                "mb_lever", "disclosed_offer", "disclosed_disengaged", "caught"):
        x, y = getattr(m.reps, col), getattr(twin.reps, col)
        assert np.array_equal(x.view(np.uint8), y.view(np.uint8)), col  # bit for bit
    assert 0.05 < m.reps.mb_flight[m.active].mean() < 0.95


def test_the_parameters_fill_their_order():
    m = stepped_numpy_model(3, n_reps=20, steps=2)
    assert belief_parameters(m).shape == (len(belief_kernels.PARAMETERS),)
