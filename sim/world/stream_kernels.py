"""Compiled draws from the replications' own numpy generators (R > 1, the compiled path).

A kernel here calls the C function numpy's ``Generator.random`` calls for every double of a
PCG64 stream (``next_double``), on each replication's generator state in turn, so one call
makes what ``R`` calls of ``g.random`` would make, draw for draw, and leaves every
generator where those calls would leave it (tests/test_stream_kernels.py).  Normals,
Poisson counts, betas, geometric counts and bounded integers call numpy's own C functions
for them (``random_standard_normal``, ``random_poisson``, ``random_beta``,
``random_geometric``, ``random_bounded_uint64`` and its ``_fill``), as the generator's
methods do for each value; the churn's thinning (:func:`thin_accounts`) calls the ones
``binomial``, ``integers`` and ``random`` call.

The C functions' addresses change from process to process, so each kernel takes the
addresses of the functions it calls as integer arguments and calls them through
sim.world.c_calls (numba intrinsics, bound when the kernels compile): the compiled kernels
then load from numba's cache like the others.  The public functions below pass the
addresses in (:func:`c_functions`).
"""

from __future__ import annotations

import ctypes
from types import SimpleNamespace

import numpy as np

from sim.world.kernels import _jit

#: Bytes of the scratch numpy's binomial keeps its constants in (``binomial_t``, 128 bytes in
#: numpy 2; more is harmless).  A zeroed one makes it work them out afresh: same values.
BINOMIAL_SCRATCH = 512
_C: SimpleNamespace | None = None
c_calls = None  # sim.world.c_calls, bound when the kernels compile (it needs numba)


def bind_c_functions() -> None:
    """Called by sim.world.kernels before this module's kernels compile."""
    global c_calls
    from sim.world import c_calls as module
    c_calls = module


def c_functions() -> SimpleNamespace:
    """The addresses (unsigned integers) of numpy's C functions, found once a process:
    PCG64's ``next_double``, which takes a generator's state, and the distributions numpy's
    ``_generator`` module exports, which take its bit generator (``bitgen_t``)."""
    global _C
    if _C is None:
        lib = ctypes.CDLL(np.random._generator.__file__)

        def at(fn) -> np.uint64:
            return np.uint64(ctypes.cast(fn, ctypes.c_void_p).value)
        _C = SimpleNamespace(
            next_double=at(np.random.PCG64(0).ctypes.next_double),
            normal=at(lib.random_standard_normal), poisson=at(lib.random_poisson),
            binomial=at(lib.random_binomial), beta=at(lib.random_beta),
            geometric=at(lib.random_geometric), bounded=at(lib.random_bounded_uint64),
            bounded_fill=at(lib.random_bounded_uint64_fill))
    return _C


def stream_uniforms(addrs, repl, out):
    """What ``g.random((lead, k))`` gives each replication, for rows of replications
    ``repl``: ``out`` (lead x rows) is filled row by row, each entry from the PCG64 state at
    ``addrs[repl[i]]``, so each replication reads its draws in the order of its own block."""
    _k_block(c_functions().next_double, addrs, repl, out)


def slot_uniforms(addrs, caps, slots, R, out):
    """``Streams.by_slot`` for every replication at once: replication ``r`` draws a row of
    ``caps[r]`` uniforms, and slot ``slots[i]`` (strided: local ``slot // R`` of replication
    ``slot % R``) reads its own entry of its replication's row."""
    _k_slot_uniforms(c_functions().next_double, addrs, caps, slots, R, out)


def stream_normals(bitgens, repl, out):
    """:func:`stream_uniforms` for ``g.standard_normal((lead, k))``."""
    _k_block(c_functions().normal, bitgens, repl, out)


def stream_poisson(bitgens, repl, lam, out):
    """``g.poisson(lam)`` for the rows of each replication, in their order."""
    _k_per_row(c_functions().poisson, bitgens, repl, lam, out)


def stream_beta(bitgens, repl, a, b, out):
    """``g.beta(a, b, k)`` for the rows of each replication, in their order."""
    _k_two(c_functions().beta, bitgens, repl, a, b, out)


def stream_geometric(bitgens, repl, p, out):
    """``g.geometric(p, k)`` for the rows of each replication, in their order."""
    _k_one(c_functions().geometric, bitgens, repl, p, out)


def stream_bounded(bitgens, repl, low, high, out):
    """``g.integers(low, high)`` with a bound ``high[i]`` per row (numpy's path for array
    bounds: one bounded draw per value, Lemire's method, no mask), rows of each replication
    in their order.  The caller has checked ``high > low``."""
    _k_bounded(c_functions().bounded, bitgens, repl, low, high, out)


def stream_bounded_fill(bitgens, repl, R, low, high, out):
    """``g.integers(low, high, k)`` with scalar bounds for the ``k`` rows of each
    replication: numpy fills all ``k`` in one call (which may use both halves of a 64-bit
    output), so each replication's values are made together, then put in place."""
    _k_bounded_fill(c_functions().bounded_fill, bitgens, repl, R, low, high, out)


def thin_accounts(addrs, bitgens, repl, R, idx, health, top, base, neglect):
    """sim.world.accounts._thin for every replication at once: the rows of ``idx`` with
    replication ``repl`` (in order) are replication r's accounts; it draws its number of
    candidates (``g.binomial(n_r, min(top, 1))``), their positions (``g.integers(0, n_r,
    k)``, which calls the bounded fill with Lemire's method), keeps the distinct ones in
    order, and accepts each with a uniform against its hazard over ``top``.  Returns the
    accepted positions in ``idx``, ascending."""
    c = c_functions()
    return _k_thin(c.binomial, c.bounded_fill, c.next_double, addrs, bitgens, repl, R, idx,
                   health, top, base, neglect)


# ---- the kernels (each C function they call comes in as an address) --------------------
@_jit
def _k_slot_uniforms(next_double, addrs, caps, slots, R, out):
    rows = np.empty((R, caps.max()))
    for r in range(R):
        for j in range(caps[r]):
            rows[r, j] = c_calls.call_d_p(next_double, (addrs[r],))
    for i in range(slots.size):
        s = slots[i]
        out[i] = rows[s % R, s // R]


@_jit
def _k_block(fn, ptrs, repl, out):
    """``out[s, i] = fn(ptrs[repl[i]])`` row by row (``fn``: the address of a generator's
    draw of one double, on its state or its bit generator)."""
    lead, n = out.shape
    for s in range(lead):
        for i in range(n):
            out[s, i] = c_calls.call_d_p(fn, (ptrs[repl[i]],))


@_jit
def _k_per_row(fn, bitgens, repl, x, out):
    for i in range(out.size):
        out[i] = c_calls.call_i_pd(fn, (bitgens[repl[i]], x[i]))


@_jit
def _k_one(fn, bitgens, repl, a, out):
    for i in range(out.size):
        out[i] = c_calls.call_i_pd(fn, (bitgens[repl[i]], a))


@_jit
def _k_two(fn, bitgens, repl, a, b, out):
    for i in range(out.size):
        out[i] = c_calls.call_d_pdd(fn, (bitgens[repl[i]], a, b))


@_jit
def _k_bounded(bounded, bitgens, repl, low, high, out):
    for i in range(out.size):
        out[i] = np.int64(c_calls.call_u_puuub(
            bounded, (bitgens[repl[i]], low, high[i] - 1 - low, 0, 0)))


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


@_jit
def _k_bounded_fill(bounded_fill, bitgens, repl, R, low, high, out):
    counts, order = _grouped(repl, R)
    for r in range(R):
        k = counts[r + 1] - counts[r]
        if k == 0:
            continue
        made = np.empty(k, dtype=np.uint64)
        c_calls.call_v_puuibp(bounded_fill,
                               (bitgens[r], low, high - 1 - low, k, 0, made.ctypes.data))
        for j in range(k):
            out[order[counts[r] + j]] = np.int64(made[j])


@_jit
def _k_thin(binomial, bounded_fill, next_double, addrs, bitgens, repl, R, idx, health, top,
            base, neglect):
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
        k = c_calls.call_i_pdip(binomial, (bitgens[r], p, n_r, scratch.ctypes.data))
        if k == 0:
            continue
        drawn = np.empty(k, dtype=np.uint64)
        c_calls.call_v_puuibp(bounded_fill, (bitgens[r], 0, n_r - 1, k, 0, drawn.ctypes.data))
        drawn.sort()
        for j in range(k):
            if j > 0 and drawn[j] == drawn[j - 1]:
                continue
            at = order[lo + np.int64(drawn[j])]
            d = 1 - health[idx[at]]
            hazard = base + neglect * (d * d)
            if c_calls.call_d_p(next_double, (addrs[r],)) * top < hazard:
                out[m] = at
                m += 1
    kept = out[:m]
    kept.sort()
    return kept
