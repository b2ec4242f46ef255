"""The moods' weekly moves (sim.world.moods): the compiled pass gives the numpy rows' values
bit for bit, from states that reach every branch of the rules."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sim.world import kernels, mood_kernels
from sim.world.model import SalesModel
from model_helpers import stepped_numpy_model
from sim.world.moods import mood_parameters, update_moods

pytestmark = pytest.mark.skipif(not kernels.AVAILABLE, reason="numba is an optional extra")


def _model(seed: int) -> SalesModel:
    return stepped_numpy_model(seed, n_reps=30, steps=8)


def _stir(m: SalesModel, seed: int) -> None:
    """Moods and inputs spread past [0, 1], grievances heard, a rep alone in its team, zero
    rates and quotas: what the rules' limits, ratios and flags must handle."""
    rng = np.random.default_rng(seed)
    r, a = m.reps, m.active
    k = a.size
    r.indices[:, a] = rng.uniform(-0.3, 1.3, (r.indices.shape[0], k))
    for col in ("projected", "monitoring", "unanswered", "supported", "coached", "pool_gap",
                "resent", "precedent_seen", "search", "peer_loss", "seen_steered", "effort"):
        getattr(r, col)[a] = rng.uniform(-0.2, 1.5, k)
    r.heard[a] = rng.random(k) < 0.5
    r.rate[a[: k // 3]] = 0.0  # nobody in some teams paid anything: ratio 1
    r.quota[a[:3]] = 0.0
    r.team[a[-1]] = m.n_teams - 1  # (with the rest of its team moved, it has no teammate)
    r.team[a[(r.team[a] == m.n_teams - 1)][:-1]] = 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_compiled_moods_equal_the_numpy_rows(seed):
    m = _model(seed)
    _stir(m, seed)
    twin = copy.deepcopy(m)
    with kernels.mode("on"):
        update_moods(m, m.active)
    with kernels.mode("off"):
        update_moods(twin, twin.active)
    for col in m.reps.__dict__:
        x, y = getattr(m.reps, col), getattr(twin.reps, col)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype, col
            assert np.array_equal(x.view(np.uint8), y.view(np.uint8)), col  # bit for bit


def test_every_parameter_has_its_place():
    m = _model(4)
    assert mood_parameters(m, 0.25).shape == (len(mood_kernels.PARAMETERS),)
    assert len(set(mood_kernels.PARAMETERS)) == len(mood_kernels.PARAMETERS)
