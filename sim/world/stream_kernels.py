"""Compiled draws from the replications' own numpy generators (R > 1, the compiled path).

A kernel here calls the C function numpy's ``Generator.random`` calls for every double of a
PCG64 stream (``next_double``), on each replication's generator state in turn, so one call
makes what ``R`` calls of ``g.random`` would make, draw for draw, and leaves every
generator where those calls would leave it (tests/test_stream_kernels.py).  Normals and
Poisson counts call numpy's own C functions for them (``random_standard_normal``,
``random_poisson``), as ``standard_normal`` and ``poisson`` do for each value; the churn's
thinning (:func:`thin_accounts`) calls the ones ``binomial`` and ``integers`` call
(``random_binomial``, ``random_bounded_uint64_fill``).
"""

from __future__ import annotations

import ctypes

import numpy as np

from sim.world.kernels import _jit, _jit_c

# ctypes functions (bind_c_functions): PCG64's next_double, which takes a generator's state,
# and numpy's normal and Poisson draws, which take its bit generator (``bitgen_t``).
_next_double = _standard_normal = _poisson = _binomial = _bounded_fill = None
_beta = _geometric = _bounded = None
#: Bytes of the scratch numpy's binomial keeps its constants in (``binomial_t``, 128 bytes in
#: numpy 2; more is harmless).  A zeroed one makes it work them out afresh: same values.
BINOMIAL_SCRATCH = 512


def bind_c_functions() -> None:
    """Find the C functions (``next_double`` is one function for every PCG64 generator; the
    distributions are exported by numpy's ``_generator`` module).  Their addresses change
    between processes, so the kernels below compile in each process."""
    global _next_double, _standard_normal, _poisson, _binomial, _bounded_fill
    global _beta, _geometric, _bounded
    if _next_double is not None:
        return
    _next_double = np.random.PCG64(0).ctypes.next_double
    lib = ctypes.CDLL(np.random._generator.__file__)
    _standard_normal = lib.random_standard_normal
    _standard_normal.restype, _standard_normal.argtypes = ctypes.c_double, [ctypes.c_void_p]
    _poisson = lib.random_poisson
    _poisson.restype = ctypes.c_int64
    _poisson.argtypes = [ctypes.c_void_p, ctypes.c_double]
    _binomial = lib.random_binomial  # (bitgen, p, n, scratch)
    _binomial.restype = ctypes.c_int64
    _binomial.argtypes = [ctypes.c_void_p, ctypes.c_double, ctypes.c_int64, ctypes.c_void_p]
    _bounded_fill = lib.random_bounded_uint64_fill  # (bitgen, off, range, count, masked, out)
    _bounded_fill.restype = None
    _bounded_fill.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64,
                              ctypes.c_ssize_t, ctypes.c_bool, ctypes.c_void_p]
    _beta = lib.random_beta  # (bitgen, a, b)
    _beta.restype, _beta.argtypes = ctypes.c_double, [ctypes.c_void_p] + [ctypes.c_double] * 2
    _geometric = lib.random_geometric  # (bitgen, p)
    _geometric.restype, _geometric.argtypes = ctypes.c_int64, [ctypes.c_void_p, ctypes.c_double]
    _bounded = lib.random_bounded_uint64  # (bitgen, off, range, mask, masked): one value
    _bounded.restype = ctypes.c_uint64
    _bounded.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_uint64,
                         ctypes.c_bool]


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


@_jit_c
def stream_normals(bitgens, repl, out):
    """:func:`stream_uniforms` for ``g.standard_normal((lead, k))``."""
    lead, n = out.shape
    for s in range(lead):
        for i in range(n):
            out[s, i] = _standard_normal(bitgens[repl[i]])


@_jit_c
def stream_poisson(bitgens, repl, lam, out):
    """``g.poisson(lam)`` for the rows of each replication, in their order."""
    for i in range(lam.size):
        out[i] = _poisson(bitgens[repl[i]], lam[i])


@_jit_c
def stream_beta(bitgens, repl, a, b, out):
    """``g.beta(a, b, k)`` for the rows of each replication, in their order."""
    for i in range(out.size):
        out[i] = _beta(bitgens[repl[i]], a, b)


@_jit_c
def stream_geometric(bitgens, repl, p, out):
    """``g.geometric(p, k)`` for the rows of each replication, in their order."""
    for i in range(out.size):
        out[i] = _geometric(bitgens[repl[i]], p)


@_jit_c
def stream_bounded(bitgens, repl, low, high, out):
    """``g.integers(low, high)`` with a bound ``high[i]`` per row (numpy's path for array
    bounds: one bounded draw per value, Lemire's method, no mask), rows of each replication
    in their order.  The caller has checked ``high > low``."""
    for i in range(out.size):
        out[i] = np.int64(_bounded(bitgens[repl[i]], low, high[i] - 1 - low, 0, False))


@_jit
def _grouped(repl, R):
    """Offsets of each replication's run in ``order`` (R + 1) and ``order``: the positions
    of each replication's rows, in their order."""
    counts = np.zeros(R + 1, dtype=np.int64)
    for i in range(repl.size):
        counts[repl[i] + 1] += 1
    for r in range(R):
        counts[r + 1] += counts[r]
    order = np.empty(repl.size, dtype=np.int64)
    fill = counts[:R].copy()
    for i in range(repl.size):
        r = repl[i]
        order[fill[r]] = i
        fill[r] += 1
    return counts, order


@_jit_c
def stream_bounded_fill(bitgens, repl, R, low, high, out):
    """``g.integers(low, high, k)`` with scalar bounds for the ``k`` rows of each
    replication: numpy fills all ``k`` in one call (which may use both halves of a 64-bit
    output), so each replication's values are made together, then put in place."""
    counts, order = _grouped(repl, R)
    for r in range(R):
        k = counts[r + 1] - counts[r]
        if k == 0:
            continue
        made = np.empty(k, dtype=np.uint64)
        _bounded_fill(bitgens[r], low, high - 1 - low, k, False, made.ctypes.data)
        for j in range(k):
            out[order[counts[r] + j]] = np.int64(made[j])


@_jit_c
def thin_accounts(addrs, bitgens, repl, R, idx, health, top, base, neglect):
    """sim.world.accounts._thin for every replication at once: the rows of ``idx`` with
    replication ``repl`` (in order) are replication r's accounts; it draws its number of
    candidates (``g.binomial(n_r, min(top, 1))``), their positions (``g.integers(0, n_r,
    k)``, which calls the bounded fill with Lemire's method), keeps the distinct ones in
    order, and accepts each with a uniform against its hazard over ``top``.  Returns the
    accepted positions in ``idx``, ascending."""
    counts, order = _grouped(repl, R)
    scratch = np.zeros(BINOMIAL_SCRATCH, dtype=np.uint8)
    out = np.empty(repl.size, dtype=np.int64)
    m = 0
    p = min(top, 1.0)
    for r in range(R):
        lo, n_r = counts[r], counts[r + 1] - counts[r]
        if top <= 0:
            continue
        scratch[:] = 0
        k = _binomial(bitgens[r], p, n_r, scratch.ctypes.data)
        if k == 0:
            continue
        drawn = np.empty(k, dtype=np.uint64)
        _bounded_fill(bitgens[r], 0, n_r - 1, k, False, drawn.ctypes.data)
        drawn.sort()
        for j in range(k):
            if j > 0 and drawn[j] == drawn[j - 1]:
                continue
            at = order[lo + np.int64(drawn[j])]
            d = 1 - health[idx[at]]
            hazard = base + neglect * (d * d)
            if _next_double(addrs[r]) * top < hazard:
                out[m] = at
                m += 1
    kept = out[:m]
    kept.sort()
    return kept
