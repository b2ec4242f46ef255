"""The pipeline's pre-drawn uniforms, made again window by window at R > 1, are the table's
values bit for bit, and the streams go on after them exactly as after a drawn table."""

from __future__ import annotations

import numpy as np
import pytest

from sim.world.pipeline import UniformWindows

SIZE = 4096


def streams(R: int, seed: int = 11) -> list[np.random.Generator]:
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(R)]


def full_tables(R: int, seed: int = 11) -> np.ndarray:
    return np.stack([g.random(SIZE) for g in streams(R, seed)])


@pytest.mark.parametrize("spread", [1, 300, SIZE - 1, SIZE, 3 * SIZE + 17])
def test_windows_read_what_the_table_holds(spread):
    R = 4
    table = full_tables(R)
    windows = UniformWindows(streams(R), SIZE)
    rng = np.random.default_rng(spread)
    for _ in range(20):
        offset = rng.integers(0, SIZE, R)  # windows that wrap past the end too
        n = int(rng.integers(1, 500))
        repl = rng.integers(0, R - 1, n)  # the last replication reads nothing
        low = rng.integers(0, 5 * SIZE, R)
        keys = low[repl] + rng.integers(0, spread, n)
        got = windows.read(offset, keys, repl)
        want = table[repl, (offset[repl] + keys) % SIZE]
        assert got.dtype == want.dtype and np.array_equal(got, want)


def test_a_read_of_nothing_is_empty():
    windows = UniformWindows(streams(3), SIZE)
    out = windows.read(np.zeros(3, dtype=np.int64), np.zeros(0, dtype=np.int64),
                       np.zeros(0, dtype=np.int64))
    assert out.shape == (0,)


def test_the_streams_go_on_as_after_the_drawn_table():
    drawn = streams(3)
    for g in drawn:
        g.random(SIZE)
    skipped = streams(3)
    UniformWindows(skipped, SIZE)
    for a, b in zip(drawn, skipped):
        assert np.array_equal(a.standard_normal(50), b.standard_normal(50))
        assert np.array_equal(a.integers(0, SIZE, 50), b.integers(0, SIZE, 50))


def test_reads_leave_the_streams_alone():
    live = streams(2)
    windows = UniformWindows(live, SIZE)
    windows.read(np.array([5, 9]), np.arange(100), np.arange(100) % 2)
    after = streams(2)
    for g in after:
        g.random(SIZE)
    for a, b in zip(live, after):
        assert np.array_equal(a.random(20), b.random(20))
