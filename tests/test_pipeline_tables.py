"""The pipeline's pre-drawn uniforms and normals, made again window by window at R > 1, are the
tables' values bit for bit, and the streams go on after them exactly as after drawn tables."""

from __future__ import annotations

import numpy as np
import pytest

from sim.world.draw_tables import MARK_EVERY, Windows

SIZE = 4 * MARK_EVERY + 100  # (a last, short stretch of normals)


def streams(R: int, seed: int = 11) -> list[np.random.Generator]:
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(R)]


def full_tables(R: int, seed: int = 11) -> tuple[np.ndarray, np.ndarray]:
    """Uniforms, then normals, from each stream: as the serial DrawTable draws them."""
    gens = streams(R, seed)
    u = np.stack([g.random(SIZE) for g in gens])
    return u, np.stack([g.standard_normal(SIZE) for g in gens])


def both_windows(R: int) -> tuple[Windows, Windows]:
    gens = streams(R)
    return Windows(gens, SIZE), Windows(gens, SIZE, normals=True)


@pytest.mark.parametrize("kind", [0, 1])
@pytest.mark.parametrize("spread", [1, 300, SIZE - 1, SIZE, 3 * SIZE + 17])
def test_windows_read_what_the_table_holds(spread, kind):
    R = 4
    table = full_tables(R)[kind]
    windows = both_windows(R)[kind]
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
    windows = both_windows(3)[1]
    out = windows.read(np.zeros(3, dtype=np.int64), np.zeros(0, dtype=np.int64),
                       np.zeros(0, dtype=np.int64))
    assert out.shape == (0,)


def test_the_streams_go_on_as_after_the_drawn_tables():
    drawn = streams(3)
    for g in drawn:
        g.random(SIZE)
        g.standard_normal(SIZE)
    skipped = streams(3)
    Windows(skipped, SIZE)
    Windows(skipped, SIZE, normals=True)
    for a, b in zip(drawn, skipped):
        assert np.array_equal(a.standard_normal(50), b.standard_normal(50))
        assert np.array_equal(a.integers(0, SIZE, 50), b.integers(0, SIZE, 50))


def test_reads_leave_the_streams_alone():
    live = streams(2)
    u, z = Windows(live, SIZE), Windows(live, SIZE, normals=True)
    for windows in (u, z):
        windows.read(np.array([5, 9]), np.arange(100), np.arange(100) % 2)
    after = streams(2)
    for g in after:
        g.random(SIZE)
        g.standard_normal(SIZE)
    for a, b in zip(live, after):
        assert np.array_equal(a.random(20), b.random(20))
