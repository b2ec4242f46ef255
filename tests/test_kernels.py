"""The compiled kernels (sim/world/kernels.py) give exactly what the numpy path gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.scenario.loading import load_scenario
from sim.scenario.runner import run_scenario
from sim.world import kernels

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"



def test_the_test_suite_has_numba():
    """The ``test`` extra installs numba, so that the comparisons below compare two paths."""
    assert kernels.AVAILABLE and kernels.ENABLED


@pytest.fixture
def numpy_path():
    """Run the body with the kernels off, then restore the previous state."""
    old = kernels.use(False)
    yield
    kernels.use(old)


def _run(name: str, compiled: bool, reps: int = 60, weeks: int = 60):
    sc = load_scenario(SCENARIOS / f"{name}.toml")
    sc.org.n_reps = reps
    sc.run.burn_in_weeks = 0
    old = kernels.use(compiled)
    try:
        return run_scenario(sc, 5, weeks, panel=True)
    finally:
        kernels.use(old)


def _tables(res) -> dict[str, np.ndarray]:
    out = {}
    for part in ("weekly", "reps", "panel", "accounts", "events", "handovers"):
        for k, v in (getattr(res, part) or {}).items():
            out[f"{part}.{k}"] = np.asarray(v)
    return out


# Scenarios that between them exercise every kernel: cherry-picking reps (water filling),
# backups and cross-training (revenue at risk), rotation and handovers (account updates).
@pytest.mark.parametrize("name", ["baseline", "pb_cross_training", "rotation", "team_bonus"])
def test_compiled_path_equals_numpy_path(name):
    fast, slow = _tables(_run(name, True)), _tables(_run(name, False))
    assert fast.keys() == slow.keys()
    for k in fast:
        a, b = fast[k], slow[k]
        assert a.dtype == b.dtype and a.shape == b.shape, k
        if a.dtype.kind == "f":
            assert np.array_equal(a.view(np.uint8), b.view(np.uint8)), k  # bit for bit
        else:
            assert np.array_equal(a, b), k


def test_use_switches_the_path(numpy_path):
    assert kernels.ENABLED is False
    assert kernels.use(True) is False
    assert kernels.ENABLED is True


def _greedy_inputs(seed: int, m: int = 400, n: int = 30):
    rng = np.random.default_rng(seed)
    value = rng.lognormal(0, 1.5, m)
    need = rng.uniform(0.2, 3, m)
    owner = np.sort(rng.integers(0, n, m)).astype(np.int32)
    hours = rng.uniform(0, 40, n + 5)
    hours[::7] = 0.0  # reps with no hours
    return value, need, owner, hours, n


@pytest.mark.parametrize("seed", range(5))
def test_water_filling_kernel_equals_numpy(seed):
    from sim.world.tactics import greedy_hours
    args = _greedy_inputs(seed)
    fast = greedy_hours(*args)
    old = kernels.use(False)
    try:
        slow = greedy_hours(*args)
    finally:
        kernels.use(old)
    assert np.array_equal(fast, slow)
    value, need, owner, hours, n = args
    spent = np.bincount(owner, weights=slow, minlength=n)
    has = np.bincount(owner, minlength=n) > 0
    # the exact split: each owner with hours and accounts spends them all
    assert np.allclose(spent[has & (hours[:n] > 0)], hours[:n][has & (hours[:n] > 0)])
