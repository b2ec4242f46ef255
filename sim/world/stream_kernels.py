"""Compiled draws from the replications' own numpy generators (R > 1, the compiled path).

A kernel here calls the C function numpy's ``Generator.random`` calls for every double of a
PCG64 stream (``next_double``), on each replication's generator state in turn, so one call
makes what ``R`` calls of ``g.random`` would make, draw for draw, and leaves every
generator where those calls would leave it (tests/test_stream_kernels.py).
"""

from __future__ import annotations

import numpy as np

from sim.world.kernels import _jit_c

_next_double = None  # PCG64's next_double, a ctypes function (bind_c_functions)


def bind_c_functions() -> None:
    """Find ``next_double`` (one C function for every PCG64 generator; its address changes
    between processes, so the kernels below compile in each process)."""
    global _next_double
    if _next_double is None:
        _next_double = np.random.PCG64(0).ctypes.next_double


@_jit_c
def stream_uniforms(addrs, repl, out):
    """What ``g.random((lead, k))`` gives each replication, for rows of replications
    ``repl``: ``out`` (lead x rows) is filled row by row, each entry from the PCG64 state at
    ``addrs[repl[i]]``, so each replication reads its draws in the order of its own block."""
    lead, n = out.shape
    for s in range(lead):
        for i in range(n):
            out[s, i] = _next_double(addrs[repl[i]])


@_jit_c
def slot_uniforms(addrs, caps, slots, R, out):
    """``Streams.by_slot`` for every replication at once: replication ``r`` draws a row of
    ``caps[r]`` uniforms, and slot ``slots[i]`` (strided: local ``slot // R`` of replication
    ``slot % R``) reads its own entry of its replication's row."""
    rows = np.empty((R, caps.max()))
    for r in range(R):
        for j in range(caps[r]):
            rows[r, j] = _next_double(addrs[r])
    for i in range(slots.size):
        s = slots[i]
        out[i] = rows[s % R, s // R]
