"""Compiled reads of the random draw tables (sim.world.draw_tables): a key's entry at this
week's offset, one replication's table or the stacked tables of several.  Each mirrors the
numpy indexing beside its caller, so both paths read the same entries.  The kernels register
with sim.world.kernels and compile with the others."""

from __future__ import annotations

import numpy as np

from sim.world.kernels import _jit


@_jit
def wrap(offset, key, size):
    """``(offset + key) % size`` for non-negative ``offset`` and ``key``, without a
    division when ``key`` is below ``size`` (the usual case)."""
    x = offset + key
    while x >= size:
        x -= size
    return x


@_jit
def draw(table, offset, keys):
    """``table[(offset + keys) % table.size]`` (sim.world.draw_tables.DrawTable)."""
    out = np.empty(keys.size)
    for j in range(keys.size):
        out[j] = table[wrap(offset, keys[j], table.size)]
    return out


#: Float64 entries in a 64-byte cache line: the stride of :func:`warm_windows`.
CACHE_LINE = 8


@_jit
def warm_windows(rows, offset, width, line):
    """Read one entry per ``line`` entries of each row's window ``offset[r] ..
    offset[r] + width`` (wrapping), row after row, and return their sum (so the reads are
    kept).  It changes nothing; it brings the windows a kernel is about to read at random
    into the cache in sequential order, which the processor fetches ahead, where the
    kernel's interleaved reads (one replication after another) each wait for memory.
    ``line``: entries per cache line (8 doubles of 64 bytes)."""
    s = 0.0
    size = rows.shape[1]
    for r in range(offset.size):
        x = offset[r]
        for _ in range(0, width, line):
            s += rows[r, x]
            x += line
            if x >= size:
                x -= size
    return s


@_jit
def draw_stacked(table, offset, keys, repl):
    """``table[r, (offset[r] + keys) % size]`` with ``r = repl`` for each key (the stacked
    tables of sim.world.pipeline.Stacked)."""
    out = np.empty(keys.size)
    size = table.shape[1]
    for j in range(keys.size):
        r = repl[j]
        out[j] = table[r, wrap(offset[r], keys[j], size)]
    return out
