"""numpy's own ``exp`` and ``log`` for the compiled kernels.

A kernel that gives numpy's values must use numpy's elementary functions.  On a CPU with
AVX-512 (SKX) numpy's float64 ``exp`` and ``log`` are its own SIMD routines (Intel SVML's
``__svml_exp8_ha`` and ``__svml_log8_ha``, exported by numpy's ``_multiarray_umath``), which
round differently from the C library's in a few ulps; elsewhere they are the C library's.
The kernels call those routines by address where numpy uses them (:func:`address`, through
``sim.world.c_calls.call_d8_block``, 8 values a call) and the C library's where not
(:func:`exp_into`, :func:`log_into`).  A kernel with ``exp`` or ``log`` runs only where both equal numpy's on a
probe of values (:func:`agrees`); elsewhere its numpy path runs.  Finding the addresses
needs only ctypes; calling them needs numba.
"""

from __future__ import annotations

import ctypes

import numpy as np

from sim.world import kernels
from sim.world.kernels import _jit

c_calls = None  # sim.world.c_calls, bound when the kernels compile (it needs numba)
#: numpy's SIMD routines of 8 doubles, by function, and the CPU feature numpy calls them with.
ROUTINES = {"exp": "__svml_exp8_ha", "log": "__svml_log8_ha"}
SIMD_FEATURE = "AVX512_SKX"
#: The probe of :func:`agrees`: ranges of each function's argument, and how many values in
#: each (exp: the effort rule's -k x for x in [0, 1], service's -hours / need; log: ratios of
#: values to hours).  Seeded, so every process probes the same values.
PROBE_RANGES = {"exp": ((-60.0, 5.0), (-1.0, 0.0)), "log": ((1e-300, 1e-3), (1e-3, 1e6))}
PROBE_EACH = 100_000
PROBE_SEED = 20261204
_addresses: dict[str, np.uint64] = {}
_agrees: bool | None = None


def bind_c_functions() -> None:
    """Called by sim.world.kernels before this module's kernels compile."""
    global c_calls
    from sim.world import c_calls as module
    c_calls = module


def address(name: str) -> np.uint64:
    """Where numpy's SIMD routine for ``name`` ("exp" or "log") is, if this numpy runs it
    (the CPU has the feature and numpy exports the routine), else 0: the kernels then call
    the C library's.  Found once a process."""
    if name not in _addresses:
        from numpy._core import _multiarray_umath as umath
        found = 0
        if umath.__cpu_features__.get(SIMD_FEATURE, False):
            try:
                found = ctypes.cast(getattr(ctypes.CDLL(umath.__file__), ROUTINES[name]),
                                    ctypes.c_void_p).value or 0
            except (OSError, AttributeError):  # a numpy built without it
                found = 0
        _addresses[name] = np.uint64(found)
    return _addresses[name]


#: Values one call of numpy's SIMD routines takes (their vector width).
BLOCK = 8


@_jit
def _apply(where, x, out, is_log):
    """``out[:n] = f(x[:n])`` (``n = x.size``) with numpy's ``exp`` or ``log``: its SIMD
    routine at ``where`` on 8 values a call, straight from ``x``'s memory (lanes are
    independent; the last, partial block goes through a buffer filled with ones), else the C
    library's value by value.  ``x`` is written in full before the calls: a vector read of
    values just written one by one would wait for them (store forwarding)."""
    n = x.size
    if where == 0:
        for i in range(n):
            out[i] = np.log(x[i]) if is_log else np.exp(x[i])
        return
    full = n - n % BLOCK
    for start in range(0, full, BLOCK):
        c_calls.call_d8_block(where, x.ctypes.data + 8 * start, out.ctypes.data + 8 * start)
    if full < n:
        buf = np.ones(BLOCK)
        res = np.empty(BLOCK)
        for q in range(n - full):
            buf[q] = x[full + q]
        c_calls.call_d8_block(where, buf.ctypes.data, res.ctypes.data)
        for q in range(n - full):
            out[full + q] = res[q]


@_jit
def exp_into(where, x, out):
    """``out[:x.size] = exp(x)`` with numpy's ``exp`` (:func:`_apply`)."""
    _apply(where, x, out, False)


@_jit
def log_into(where, x, out):
    """``out[:x.size] = log(x)`` with numpy's ``log`` (:func:`_apply`)."""
    _apply(where, x, out, True)


@_jit
def _each(where, x, is_log):
    out = np.empty(x.size)
    _apply(where, x, out, is_log)
    return out


def agrees() -> bool:
    """Whether the kernels' ``exp`` and ``log`` equal numpy's, bit for bit, on the probe
    (:data:`PROBE_RANGES`); worked out once a process, once the kernels are compiled
    (before that, False: no kernel runs)."""
    global _agrees
    if not kernels.compiled():
        return False
    if _agrees is None:
        rng = np.random.default_rng(PROBE_SEED)
        ok = True
        for name, ranges in PROBE_RANGES.items():
            x = np.concatenate([rng.uniform(lo, hi, PROBE_EACH) for lo, hi in ranges])
            got = _each(address(name), x, name == "log")
            want = np.log(x) if name == "log" else np.exp(x)
            ok = ok and bool(np.array_equal(got.view(np.int64), want.view(np.int64)))
        _agrees = ok
    return _agrees
