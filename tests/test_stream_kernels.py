"""The compiled draws of R replications side by side (sim.world.replicas with
sim.world.kernels) give each replication exactly what its own numpy generator gives, and
leave every generator where the numpy draws leave it."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sim.scenario.schema import Scenario
from sim.world import kernels, replicas, table_kernels
from sim.world.draw_tables import Stacked, Windows
from sim.world.model import SalesModel

pytestmark = pytest.mark.skipif(not kernels.AVAILABLE, reason="numba is an optional extra")


def _model(R: int = 4, reps: int = 12) -> SalesModel:
    sc = Scenario()
    sc.org.n_reps = reps
    sc.run.burn_in_weeks = 0
    with kernels.mode("off"):
        return SalesModel(sc, rng=list(range(11, 11 + R)), weeks=4, panel=False)


def _states(model, name: str) -> list:
    return [g.bit_generator.state for g in replicas.generators(model, name)]


def _draw_both(fn, model):
    """``fn(model)`` on the compiled path and, on a copy, on the numpy path; both models'
    generators are compared afterwards."""
    twin = copy.deepcopy(model)
    with kernels.mode("on"):
        fast = fn(model)
    with kernels.mode("off"):
        slow = fn(twin)
    return fast, slow, twin


@pytest.mark.parametrize("lead", [None, 1, 6])
def test_uniforms_equal_each_replications_generator(lead):
    model = _model()
    rows = np.array([0, 5, 6, 7, 9, 13, 14, 22, 23, 30, 31, 41])  # replications 0..3, uneven
    for _ in range(3):  # the streams go on from where the last draw left them
        fast, slow, twin = _draw_both(
            lambda m: replicas.uniform(m, "tactics", rows, lead=lead), model)
        assert fast.shape == slow.shape
        assert np.array_equal(fast, slow)
        assert _states(model, "tactics") == _states(twin, "tactics")


@pytest.mark.parametrize("lead", [None, 4])
def test_normals_equal_each_replications_generator(lead):
    model = _model()
    rows = np.array([1, 2, 4, 6, 7, 9, 12, 17, 18, 19, 26, 35])
    for _ in range(3):
        fast, slow, twin = _draw_both(
            lambda m: replicas.normal(m, "tactics", rows, lead=lead), model)
        assert fast.shape == slow.shape and np.array_equal(fast, slow)
        assert _states(model, "tactics") == _states(twin, "tactics")


def test_poisson_counts_equal_each_replications_generator():
    model = _model()
    rows = np.arange(0, 40, 3)
    lam = np.random.default_rng(3).uniform(0, 40, rows.size)
    lam[::4] = 0.0  # (no draw at a zero mean, in both)
    for _ in range(3):
        fast, slow, twin = _draw_both(lambda m: replicas.poisson(m, "arrivals", rows, lam),
                                      model)
        assert fast.dtype == slow.dtype and np.array_equal(fast, slow)
        assert _states(model, "arrivals") == _states(twin, "arrivals")


def test_no_rows_draw_nothing():
    model = _model()
    before = _states(model, "tactics")
    with kernels.mode("on"):
        out = replicas.uniform(model, "tactics", np.zeros(0, dtype=np.int64), lead=3)
    assert out.shape == (3, 0)
    assert _states(model, "tactics") == before


def test_slot_uniforms_equal_the_serial_rows():
    model = _model()
    a = model.active
    fast, slow, twin = _draw_both(lambda m: replicas.by_slot(m, "offers", m.active), model)
    assert fast.size == a.size and np.array_equal(fast, slow)
    assert _states(model, "offers") == _states(twin, "offers")


def test_a_copy_of_the_model_draws_from_its_own_generators():
    """Addresses point into one model's generators: a fork must not advance its parent's."""
    model = _model()
    rows = model.active
    with kernels.mode("on"):
        replicas.uniform(model, "tactics", rows)  # the addresses are cached now
        before = _states(model, "tactics")
        twin = copy.deepcopy(model)
        replicas.uniform(twin, "tactics", rows)
    assert _states(model, "tactics") == before
    assert _states(twin, "tactics") != before


@pytest.mark.parametrize("normals", [False, True])
def test_stacked_tables_read_what_the_windows_make(normals):
    R, size = 3, 5000
    gens = [np.random.default_rng(s) for s in range(R)]
    kept = Stacked(np.stack([
        (g.standard_normal(size) if normals else g.random(size)) for g in gens]))
    again = Windows([np.random.default_rng(s) for s in range(R)], size, normals=normals)
    rng = np.random.default_rng(0)
    offset = rng.integers(0, size, R)
    keys = rng.integers(0, 3 * size, 900)  # wider than the table: reads wrap
    repl = rng.integers(0, R, keys.size)
    with kernels.mode("on"):
        assert np.array_equal(kept.read(offset, keys, repl), again.read(offset, keys, repl))


def test_sums_by_replication_round_as_numpy_adds():
    from sim.world.sum_kernels import sums_by_replication
    rng = np.random.default_rng(7)
    lengths = [*range(0, 140), 255, 256, 257, 1000, 1023, 1025, 4097, 20_011]
    with kernels.mode("on"):
        kernels.on(0)
        for R in (2, 5):
            for n in lengths:
                values = rng.lognormal(0, 4, n) * rng.choice([-1.0, 1.0], n)
                values[rng.random(n) < 0.05] = -0.0
                repl = rng.integers(0, R, n).astype(np.uint8)
                got = sums_by_replication(values, repl, R)
                want = [np.add.reduce(values[repl == r]) for r in range(R)]
                assert np.array_equal(got.view(np.int64), np.array(want).view(np.int64)), n


@pytest.mark.parametrize("top", [0.0, 0.004, 0.3, 1.0, 1.7])
def test_churn_thinning_equals_each_replications_numpy_thinning(top):
    """sim.world.stream_kernels.thin_accounts: every replication draws its binomial count,
    its candidate positions and their uniforms as sim.world.accounts._thin does on its own
    generator, and ends with the generator where _thin leaves it."""
    from sim.world import accounts
    from sim.world.params import AccountParams
    R = 5
    m = _model(R)
    p = AccountParams(churn_base=0.001, churn_neglect=0.2)
    rng = np.random.default_rng(8)
    m.book.health[: m.book.n] = rng.random(m.book.n)
    idx = np.sort(rng.choice(m.book.n, m.book.n - 7, replace=False))
    idx = idx[idx % R != 3]  # a replication with no accounts draws nothing
    ref = copy.deepcopy(m)
    want = np.sort(np.concatenate(
        [pos[accounts._thin(ref.book, p, ref.rstreams[r]["churn"], idx[pos], top)]
         for r, pos in replicas.split(ref, idx)]))
    with kernels.mode("on"):
        fast = replicas.compiled_draws(m, "churn", idx)
        assert fast is not None
        got = accounts._thin_replications(m, p, "churn", idx, top)
    np.testing.assert_array_equal(got, want)
    assert top == 0 or 0 < got.size < idx.size
    assert _states(m, "churn") == _states(ref, "churn")


_ROWS = np.array([0, 1, 4, 5, 6, 9, 10, 13, 17, 18, 21, 22, 25, 29, 33, 34, 37])  # uneven


@pytest.mark.parametrize("kind", ["beta", "geometric", "integers", "integers_per_row",
                                  "integers_wide"])
def test_other_distributions_equal_each_replications_generator(kind):
    """Beta, geometric and bounded integers (scalar bounds: numpy's fill, which may use both
    halves of an output; one bound per row: one draw each) as each replication's numpy
    call makes them, generator states included."""
    rng = np.random.default_rng(4)
    bound = rng.integers(1, 9, _ROWS.size)
    bound[3] = 1  # a range of one value draws nothing
    fn = {"beta": lambda m: replicas.beta(m, "hiring", _ROWS, 2.5, 4.0),
          "geometric": lambda m: replicas.geometric(m, "hiring", _ROWS, 0.15),
          "integers": lambda m: replicas.integers(m, "hiring", _ROWS, 1, 5),
          "integers_per_row": lambda m: replicas.integers(m, "hiring", _ROWS, 0, bound),
          "integers_wide": lambda m: replicas.integers(m, "hiring", _ROWS, 3, 2**40)}[kind]
    model = _model()
    for _ in range(3):
        fast, slow, twin = _draw_both(fn, model)
        assert fast.dtype == slow.dtype and np.array_equal(fast, slow)
        assert _states(model, "hiring") == _states(twin, "hiring")


def test_empty_integer_ranges_raise_as_numpy():
    model = _model()
    with kernels.mode("on"), pytest.raises(ValueError):
        replicas.integers(model, "hiring", _ROWS, 2, 2)
    with kernels.mode("on"), pytest.raises(ValueError):
        replicas.integers(model, "hiring", _ROWS, 0, np.zeros(_ROWS.size, dtype=np.int64))


@pytest.mark.parametrize("high", [1, 7, 65536, 2**40])
def test_one_integer_of_each_replication_equals_its_generator(high):
    # numpy draws a single integer (no size) as a bounded fill of one; so does the kernel
    model = _model()
    for _ in range(3):
        twin = copy.deepcopy(model)
        with kernels.mode("on"):
            fast = replicas.integer_each(model, "opportunities", high, compiled=True)
        slow = replicas.integer_each(twin, "opportunities", high, compiled=False)
        assert fast.dtype == slow.dtype == np.int64
        assert np.array_equal(fast, slow)
        assert _states(model, "opportunities") == _states(twin, "opportunities")


def test_warming_reads_every_cache_line_of_each_window_once():
    rows = np.arange(40.0).reshape(2, 20)
    offset = np.array([3, 17])  # the second window wraps past the end of its row
    with kernels.mode("on"):
        got = table_kernels.warm_windows(rows, offset, 9, 4)
    expected = sum(rows[0, [3, 7, 11]]) + sum(rows[1, [17, 1, 5]])
    assert got == expected


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_medians_by_replication_equal_each_replications_median(seed):
    from sim.world import sum_kernels
    from sim.world.compensation import _median
    rng = np.random.default_rng(seed)
    R = 6
    repl = rng.integers(0, R - 1, 200)  # the last replication has no values
    values = rng.choice([0.0, -0.0, 1.5, 2.0], 200) if seed == 0 else rng.lognormal(0, 1, 200)
    if seed == 2:
        values[np.flatnonzero(repl == 1)[0]] = np.nan
    wanted = np.array([True, True, True, False, True, True])
    with kernels.mode("on"):
        kernels.on(0)  # compiled now
        assert hasattr(sum_kernels.medians_by_replication, "py_func")
        got = sum_kernels.medians_by_replication(values, repl, R, wanted)
    for r in range(R):
        mine = values[repl == r]
        want = _median(mine) if wanted[r] and mine.size else 0.0
        assert np.array_equal(got[r], want, equal_nan=True), r
        if mine.size and wanted[r] and not np.isnan(want):
            assert got[r] == np.median(mine)
