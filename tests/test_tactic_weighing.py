"""The tactics' weighing (sim.world.tactics): the compiled pass chooses what the numpy rows
choose, from states that reach every branch (peak and off-peak weeks, pushes to record,
reps with no self-interest, negative and NaN-free extremes)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sim.world import kernels, simd_math, tactic_kernels
from sim.world.model import SalesModel
from model_helpers import stepped_numpy_model
from sim.world.agents import TACTICS
from sim.world.tactics import _cherry_gain, choose_tactics, tactic_parameters, weigh

pytestmark = pytest.mark.skipif(not kernels.AVAILABLE, reason="numba is an optional extra")


def _model(seed: int) -> SalesModel:
    return stepped_numpy_model(seed, n_reps=40, steps=6)


def _stir(m: SalesModel, seed: int) -> None:
    rng = np.random.default_rng(seed)
    r, a = m.reps, m.active
    k = a.size
    for col in ("self_interest", "engagement", "fairness", "caught_belief", "stress",
                "motivation", "grant_belief", "leverage", "cover", "trust", "effort"):
        getattr(r, col)[a] = rng.uniform(-0.2, 1.2, k)
    r.self_interest[a[::5]] = 0.0  # cares fully about the firm
    r.marginal[a] = rng.lognormal(-2, 1.5, k) * rng.choice([-1.0, 1.0], k, p=[0.2, 0.8])
    r.pay_ewma[a] = rng.lognormal(6, 1, k)
    r.pay_ewma[a[:2]] = 0.0
    r.record_push[a[::3]] = 1


@pytest.mark.parametrize("seed,peak", [(1, False), (2, True), (3, True)])
def test_compiled_weighing_chooses_as_the_numpy_rows(seed, peak):
    m = _model(seed)
    _stir(m, seed)
    weeks = np.flatnonzero(m.cal.peak.astype(bool) == peak)
    m.woy = int(weeks[len(weeks) // 2])
    twin = copy.deepcopy(m)
    with kernels.mode("on"):
        kernels.on(0)  # compiled now
        assert simd_math.agrees() or not simd_math.address("exp")  # (else: numpy both times)
        choose_tactics(m, m.active)
    with kernels.mode("off"):
        choose_tactics(twin, twin.active)
    assert np.array_equal(m.reps.tactics, twin.reps.tactics)
    assert m.reps.tactics[:, m.active].any(axis=1).sum() >= 3  # most tactics are in play
    assert np.array_equal(m.reps.urgency_claim, twin.reps.urgency_claim)
    assert m.events.n == twin.events.n
    for col in ("week", "kind", "rep", "value"):
        assert np.array_equal(m.events.view(col), twin.events.view(col), equal_nan=True)


@pytest.mark.parametrize("seed,peak", [(5, False), (6, True)])
def test_compiled_net_gains_equal_the_numpy_rows(seed, peak):
    # (the choices hide small differences; the judged net gains show any)
    m = _model(seed)
    _stir(m, seed)
    weeks = np.flatnonzero(m.cal.peak.astype(bool) == peak)
    m.woy = int(weeks[len(weeks) // 2])
    a = m.active
    rng = np.random.default_rng(seed)
    with kernels.mode("off"):
        g, h = _cherry_gain(m, a)
    noise = rng.standard_normal((len(TACTICS), a.size))
    occasion = rng.random(a.size) < 0.5
    enabled = np.array([True, True, True, True, True])
    enabled[seed % 5] = False
    with kernels.mode("on"):
        kernels.on(0)
        fast = weigh(m, a, g, h, noise, occasion, enabled)
    with kernels.mode("off"):
        slow = weigh(m, a, g, h, noise, occasion, enabled)
    assert np.array_equal(fast[0], slow[0])
    assert np.array_equal(fast[1].view(np.int64), slow[1].view(np.int64))  # bit for bit
    assert np.isfinite(fast[1][enabled]).mean() > 0.5


def test_the_parameters_fill_their_order():
    m = _model(4)
    assert tactic_parameters(m).shape == (len(tactic_kernels.PARAMETERS),)
    assert len(set(tactic_kernels.PARAMETERS)) == len(tactic_kernels.PARAMETERS)
