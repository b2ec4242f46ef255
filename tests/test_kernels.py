"""The compiled kernels (sim/world/kernels.py) give exactly what the numpy path gives."""

from __future__ import annotations

from contextlib import contextmanager
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


@contextmanager
def path(compiled: bool):
    """Run the body on the compiled path at every size (or on the numpy path), then
    restore the previous state."""
    old, size = kernels.ENABLED, kernels.MIN_SIZE
    kernels.use(compiled, min_size=0)
    try:
        yield
    finally:
        kernels.use(old, min_size=size)


def _run(name: str, compiled: bool, reps: int = 60, weeks: int = 60):
    sc = load_scenario(SCENARIOS / f"{name}.toml")
    sc.org.n_reps = reps
    sc.run.burn_in_weeks = 0
    with path(compiled):
        return run_scenario(sc, 5, weeks, panel=True)


def _tables(res) -> dict[str, np.ndarray]:
    out = {}
    for part in ("weekly", "reps", "panel", "accounts", "events", "handovers"):
        for k, v in (getattr(res, part) or {}).items():
            out[f"{part}.{k}"] = np.asarray(v)
    return out


# Scenarios that between them exercise every kernel: cherry-picking reps (water filling),
# backups and cross-training (revenue at risk), rotation and handovers (account updates).
@pytest.mark.parametrize("name", ["baseline", "pb_cross_training", "rotation", "team_bonus",
                                  "micromanager", "favouritism"])
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


def test_the_switch_and_the_size_threshold():
    with path(False):
        assert not kernels.on(10**9)
    with path(True):
        assert kernels.on(0)
        kernels.use(True, min_size=100)
        assert kernels.on(100) and not kernels.on(99)


def test_a_batch_decides_on_its_stacked_book(monkeypatch):
    with path(True):
        kernels.use(True, min_size=5000)
        monkeypatch.setattr(kernels, "_compiled", False)  # (as in a fresh process)
        with kernels.stacked(4999):
            assert not kernels.on(1000, 2)       # each pass by itself, as set
        monkeypatch.undo()  # loaded in this process (the test compiles them if not)
        kernels.on(10**9)
        with kernels.stacked(4999):
            assert kernels.on(80, 10)            # loaded already: every pass compiled
        with kernels.stacked(5000):
            assert kernels.on(80, 10)            # the whole batch compiled, rep passes too
        assert kernels.MIN_SIZE == 5000          # put back
        kernels.use(False)
        with kernels.stacked(10**9):
            assert not kernels.on(10**9)         # off stays off


def test_each_thread_keeps_its_own_path():
    """Tasks side by side in one process (a Dask worker's threads) set their paths without
    touching each other's, and leave the process's setting as it was in any order of exit:
    thread A enters "on", B enters "off", A leaves, then B (with one process-wide setting, B
    would put A's "on" back for good)."""
    import threading
    start = kernels.setting()
    steps = {k: threading.Event() for k in ("a_in", "b_in", "a_out")}
    seen: dict = {}

    def a():
        with kernels.mode("on"):
            steps["a_in"].set()
            steps["b_in"].wait(5)
            seen["a"] = kernels.setting()
        seen["a_after"] = kernels.setting()
        steps["a_out"].set()

    def b():
        steps["a_in"].wait(5)
        with kernels.mode("off"):
            steps["b_in"].set()
            steps["a_out"].wait(5)
            seen["b"] = kernels.setting()
        seen["b_after"] = kernels.setting()

    threads = [threading.Thread(target=f) for f in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen["a"] == (kernels.AVAILABLE, 0) and seen["b"][0] is False
    assert seen["a_after"] == seen["b_after"] == start == kernels.setting()
    assert (kernels.ENABLED, kernels.MIN_SIZE) == start


def test_a_large_enough_batch_loads_numba_and_a_small_one_does_not():
    import subprocess
    import sys
    code = ("import sys\nfrom sim.scenario.runner import run_replications\n"
            "from sim.scenario.schema import Scenario\nsc = Scenario()\nsc.org.n_reps = 30\n"
            "sc.run.burn_in_weeks = 0\nrun_replications(sc, [1, 2], 4, panel=False)\n"
            "print('numba' in sys.modules)")
    for min_size, loaded in (("1201", "False"), ("1200", "True")):  # 2 x 30 reps x 20 accounts
        env = {**__import__("os").environ, "SALESIM_NUMBA": "1",
               "SALESIM_NUMBA_MIN_SIZE": min_size}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, env=env)
        assert out.stdout.strip() == loaded, min_size


def test_a_kernel_defined_after_the_first_compile_compiles_at_once(tmp_path):
    # (a module imported once the kernels are compiled registers its kernels compiled)
    import importlib.util
    src = tmp_path / "late_kernels.py"
    src.write_text("from sim.world.kernels import _jit\n\n\n@_jit\ndef twice(x):\n"
                   "    return 2 * x\n")
    with path(True):
        kernels.on(0)  # compiles every kernel registered so far
        spec = importlib.util.spec_from_file_location("late_kernels", src)
        late = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(late)
        assert hasattr(late.twice, "py_func")  # a numba dispatcher, not the Python function
        assert late.twice(21) == 42


@pytest.mark.parametrize("name", ["exp", "log"])
def test_the_kernels_exp_and_log_are_numpys_where_they_run(name):
    # numpy's own SIMD routine where numpy runs it (called by address), else the C library's:
    # kernels with exp or log run where that equals numpy's, special values included
    from numpy._core import _multiarray_umath as umath
    from sim.world import simd_math
    with path(True):
        kernels.on(0)
        simd = umath.__cpu_features__.get(simd_math.SIMD_FEATURE, False)
        assert (simd_math.address(name) != 0) == simd
        rng = np.random.default_rng(3)
        if name == "exp":
            x = np.concatenate([[np.nan, np.inf, -np.inf, 0.0, -0.0, 709.78, 709.79, -745.2,
                                 -746.0, 1e-320, -1e-320], rng.uniform(-750, 710, 9999)])
        else:
            x = np.concatenate([[np.nan, np.inf, 0.0, -0.0, -1.0, 1e-320, 1.0, 2.0**1023],
                                10.0 ** rng.uniform(-300, 300, 9999)])
        got = simd_math._each(simd_math.address(name), x, name == "log")
        with np.errstate(all="ignore"):
            want = np.log(x) if name == "log" else np.exp(x)
        if simd or simd_math.agrees():
            assert np.array_equal(got.view(np.int64), want.view(np.int64))


def _greedy_inputs(seed: int, m: int = 400, n: int = 30, grouped: bool = True):
    rng = np.random.default_rng(seed)
    value = rng.lognormal(0, 1.5, m)
    need = rng.uniform(0.2, 3, m)
    owner = rng.integers(0, n, m).astype(np.int32)  # (a book's accounts: owners interleaved)
    if grouped:
        owner = np.sort(owner)
    hours = rng.uniform(0, 40, n + 5)
    hours[::7] = 0.0  # reps with no hours
    return value, need, owner, hours, n


@pytest.mark.parametrize("iters", [1, 2, 3, 60])
@pytest.mark.parametrize("seed", range(3))
def test_water_filling_kernel_equals_numpy_with_owners_interleaved_and_few_passes(seed, iters):
    """The kernel levels owner by owner; the numpy loop levels every owner at once and
    stops when none changes or after ``iters`` passes.  Same hours either way, bit for bit,
    also where the passes run out before an owner's set settles."""
    from sim.world.tactics import greedy_hours
    value, need, owner, hours, n = _greedy_inputs(seed, grouped=False)
    with path(True):
        fast = greedy_hours(value, need, owner, hours, n, iters=iters)
    with path(False):
        slow = greedy_hours(value, need, owner, hours, n, iters=iters)
    assert np.array_equal(fast.view(np.int64), slow.view(np.int64))


@pytest.mark.parametrize("seed", range(5))
def test_water_filling_kernel_equals_numpy(seed):
    from sim.world.tactics import greedy_hours
    args = _greedy_inputs(seed)
    with path(True):
        fast = greedy_hours(*args)
    with path(False):
        slow = greedy_hours(*args)
    assert np.array_equal(fast, slow)
    value, need, owner, hours, n = args
    spent = np.bincount(owner, weights=slow, minlength=n)
    has = np.bincount(owner, minlength=n) > 0
    # the exact split: each owner with hours and accounts spends them all
    assert np.allclose(spent[has & (hours[:n] > 0)], hours[:n][has & (hours[:n] > 0)])


class _Book:
    """The account columns normal_hours reads."""

    def __init__(self, rng, m):
        self.potential = rng.lognormal(10, 1, m)
        self.difficulty = rng.beta(2, 3, m)


class _Model:
    def __init__(self, focus, m=300, n=20, seed=0):
        rng = np.random.default_rng(seed)
        self.book = _Book(rng, m)
        self.sc = type("Sc", (), {"reps": type("Rp", (), {"focus": focus})()})()
        self.reps = type("R", (), {"n": n})()
        self.R = 1  # one replication (sim.world.replicas)
        self.idx = np.sort(rng.choice(m, m // 2, replace=False))
        self.own = rng.integers(0, n, self.idx.size).astype(np.int32)
        self.health = rng.random(self.idx.size)
        self.hours = rng.uniform(0, 40, n)


@pytest.mark.parametrize("focus", [0.0, 0.5, 0.8, 1.0, 3.0])
def test_hour_split_kernel_equals_numpy_at_any_focus(focus):
    from sim.world.tactics import normal_hours
    m = _Model(focus)
    args = (m, m.idx, m.own, m.health, m.hours)
    with path(True):
        fast = normal_hours(*args)
    with path(False):
        slow = normal_hours(*args)
    assert np.array_equal(fast, slow)
    spent = np.bincount(m.own, weights=slow, minlength=m.reps.n)
    has = np.bincount(m.own, minlength=m.reps.n) > 0
    assert np.allclose(spent[has], m.hours[has])


def test_small_models_never_import_numba():
    """Below MIN_SIZE the numpy path runs and numba (about 130 MB a process) is not loaded."""
    import subprocess
    import sys
    code = ("import sys\nfrom sim.scenario.runner import run_scenario\n"
            "from sim.scenario.schema import Scenario\nsc = Scenario()\nsc.org.n_reps = 30\n"
            "sc.run.burn_in_weeks = 0\nrun_scenario(sc, 1, 8)\nprint('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**__import__("os").environ, "SALESIM_NUMBA": "1"})
    assert out.stdout.strip() == "False"


def test_compiling_before_the_model_is_imported():
    """The kernels compiled first, then the model's modules imported (their kernels compile
    as they register, sim.world.simd_math while the first compile runs): a run works."""
    import subprocess
    import sys
    code = "\n".join([
        "from sim.world import kernels", "kernels.use(True, min_size=0)", "kernels.on(0)",
        "from sim.scenario.runner import run_scenario",
        "from sim.scenario.schema import Scenario", "sc = Scenario()", "sc.org.n_reps = 30",
        "sc.run.burn_in_weeks = 0",
        "run_scenario(sc, 1, 4)", "print('ran')"])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "ran"


@pytest.mark.parametrize("R", [1, 3])
def test_compiled_effort_steps_equal_numpy_for_any_marginal_pay(R, monkeypatch):
    """Negative, zero, tiny, huge and NaN marginal pay (Newton steps, steps out of the
    bracket, midpoints), each replication stopping at its own step."""
    from sim.scenario.schema import Scenario
    from sim.world import rep_kernels, simd_math
    from sim.world.behaviour import choose_effort
    from sim.world.model import SalesModel
    sc = Scenario()
    sc.org.n_reps = 40
    sc.run.burn_in_weeks = 0
    with path(False):
        model = SalesModel(sc, rng=list(range(3, 3 + R)) if R > 1 else 3, weeks=4, panel=False)
        for _ in range(3):
            model.step()
    a = model.active
    m = np.random.default_rng(R).lognormal(-3, 2, a.size)
    m[::7], m[1::11], m[2::13], m[3::17] = -0.2, 0.0, 1e6, 1e-12
    if R == 1:
        m[5] = np.nan
    with path(False):
        slow = choose_effort(model, a, m)
    with path(True):
        kernels.on(0)  # compiled now: the kernel below is the compiled one
    calls = []
    kernel = rep_kernels.newton_effort
    monkeypatch.setattr(rep_kernels, "newton_effort", lambda *args: calls.append(1) or
                        kernel(*args))
    with path(True):
        fast = choose_effort(model, a, m)
    assert calls == ([1] if simd_math.agrees() else [])  # (numpy's exp unavailable: off)
    assert np.array_equal(fast, slow, equal_nan=True)


@pytest.mark.parametrize("R", [1, 3])
def test_deal_kernels_follow_advance_and_compact_as_numpy(R):
    """sim.world.deal_kernels: the deals whose account left ``idx`` are dropped in order,
    the rest read their account's position, owner, service and replication, and a mask
    compacts every column; each against the numpy steps of sim.world.pipeline."""
    from sim.world import deal_kernels as dk
    from sim.world.pipeline import Opportunities
    with path(True):
        assert kernels.on(1)  # compiled (the module's kernels are now numba's)
    rng = np.random.default_rng(17 + R)
    n_book, n = 400, 900
    idx = np.sort(rng.choice(n_book, 250, replace=False))
    own = rng.integers(0, 60, idx.size).astype(np.int32)
    service = rng.random(idx.size)
    o = Opportunities(1024)
    o.add(n, uid=np.arange(n), account=rng.integers(0, n_book, n), size=rng.random(n),
          p_win=rng.random(n), progress=rng.random(n), speed=rng.random(n),
          born=rng.integers(0, 50, n), hold=rng.integers(0, 50, n), pulled=rng.random(n) < .3)
    ref = {name: col[:n].copy() for name, col in zip(Opportunities.COLUMNS, o.columns())}
    pos = np.full(n_book, -1)
    pos[idx] = np.arange(idx.size)
    kept = pos[ref["account"]] >= 0
    ref = {k: v[kept] for k, v in ref.items()}
    k_ref = pos[ref["account"]]
    ref["speed"] = service[k_ref]
    ref["progress"] = ref["progress"] + ref["speed"]
    assert hasattr(dk.advance_deals, "py_func")
    w, k, owner, repl = dk.advance_deals(n, idx, n_book, own, service, R, *o.columns())
    assert w == kept.sum() < n
    np.testing.assert_array_equal(k, k_ref)
    np.testing.assert_array_equal(owner, own[k_ref])
    assert owner.dtype == own.dtype
    np.testing.assert_array_equal(repl, ref["account"] % R)
    for name, col in zip(Opportunities.COLUMNS, o.columns()):
        assert col[:w].tobytes() == ref[name].tobytes(), name
    stay = rng.random(w) < 0.6
    assert dk.compact_deals(stay, *o.columns()) == stay.sum()
    for name, col in zip(Opportunities.COLUMNS, o.columns()):
        assert col[:stay.sum()].tobytes() == ref[name][stay].tobytes(), name


@pytest.mark.parametrize("cap, ratchet", [(0.0, False), (1.5, False), (1.2, True)])
def test_marginal_pay_kernel_equals_the_numpy_nodes(cap, ratchet):
    """rep_kernels.marginal_nodes against marginal_pay's numpy rows (CompPlan.unit_value at
    every forecast node, less the ratchet's cost above quota, weighted, added in node order),
    bit for bit, with zero and negative forecasts, tiny quotas, and a cap."""
    from sim.world import rep_kernels
    from sim.world.behaviour import Z_NODES, Z_WEIGHTS, _W_COLUMN, _Z_COLUMN
    from sim.world.compensation import STEP_FLOOR, STEP_SHARE, CompPlan
    from sim.world.params import CompParams
    with path(True):
        assert kernels.on(1)
    p = CompParams(cap=cap, threshold=0.4, below_threshold_factor=0.5, accelerator=1.8)
    plan = CompPlan(p, np.ones(52), 0.0, np.zeros(52, dtype=bool))
    rng = np.random.default_rng(int(cap * 10) + ratchet)
    k = 500
    q = rng.lognormal(11, 1, k)
    q[:5] = [0.0, 1e-12, 1.0, 5e5, 2e5]
    mu = q * rng.uniform(-0.5, 2.5, k)
    mu[5:9] = [0.0, -0.0, q[5] * 0.4, q[6]]
    sigma = q * rng.uniform(0, 0.6, k)
    sigma[10:15] = 0.0
    rate = rng.uniform(0.02, 0.15, k)
    rc = rng.uniform(0, 0.05, k)
    s = np.maximum(mu + sigma * _Z_COLUMN, 0)
    per_node = plan.unit_value(s, q, rate)
    if ratchet:
        per_node -= rc * (s > q)
    per_node *= _W_COLUMN
    want = np.add.accumulate(per_node, axis=0)[-1] + 0.0
    got = rep_kernels.marginal_nodes(mu, sigma, q, rate, Z_NODES, Z_WEIGHTS, p.threshold,
                                     p.below_threshold_factor, p.accelerator, p.cap,
                                     STEP_SHARE, STEP_FLOOR, ratchet, rc)
    assert got.tobytes() == want.tobytes()
