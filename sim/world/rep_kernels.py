"""Compiled per-rep decisions: the effort choice's Newton iterations and the marginal pay
over the sales forecast, each in one pass.

The effort rule calls ``exp`` at every step, and a kernel must get numpy's ``exp`` to give
numpy's values.  On a CPU with AVX-512 (SKX) numpy's float64 ``exp`` is its own SIMD routine
(``__svml_exp8_ha``, exported by numpy's ``_multiarray_umath``), which rounds differently
from the C library's; elsewhere it is the C library's.  So the kernels call that routine by
its address where numpy uses it (:func:`exp_address`; sim.world.c_calls.call_d8_lane0), and
the C library's ``exp`` where not; they run only where the result equals numpy's on a probe
of values (:func:`exp_agrees`), and elsewhere the numpy path runs.  Both paths give the same
values (tests/test_kernels.py compares them on every shipped scenario).
"""

from __future__ import annotations

import ctypes

import numpy as np

from sim.world.kernels import _jit

c_calls = None  # sim.world.c_calls, bound when the kernels compile (it needs numba)
_agrees: bool | None = None
_address: np.uint64 | None = None
#: The probe of exp_agrees: ranges of exp's argument, and how many values in each.  The effort
#: rule's argument is -k x for curvature k > 0 and effort x in [0, 1]: the second range.
EXP_PROBE_RANGES = ((-60.0, 5.0), (-1.0, 0.0))
EXP_PROBE_EACH = 100_000
EXP_PROBE_SEED = 20261204
#: numpy's SIMD exp of 8 doubles, and the CPU feature numpy calls it with.
SIMD_EXP, SIMD_FEATURE = "__svml_exp8_ha", "AVX512_SKX"


def bind_c_functions() -> None:
    """Called by sim.world.kernels before this module's kernels compile."""
    global c_calls
    from sim.world import c_calls as module
    c_calls = module


def exp_address() -> np.uint64:
    """The address of numpy's SIMD ``exp`` where this numpy runs it (the CPU has the
    feature and numpy exports the routine), else 0 (the kernels then call the C library's);
    found once a process."""
    global _address
    if _address is None:
        from numpy._core import _multiarray_umath as umath
        found = 0
        if umath.__cpu_features__.get(SIMD_FEATURE, False):
            try:
                found = ctypes.cast(getattr(ctypes.CDLL(umath.__file__), SIMD_EXP),
                                    ctypes.c_void_p).value or 0
            except (OSError, AttributeError):  # a numpy built without it
                found = 0
        _address = np.uint64(found)
    return _address


@_jit
def _exp(address, x):
    """numpy's ``exp`` of one float: its SIMD routine at ``address``, or the C library's."""
    if address != 0:
        return c_calls.call_d8_lane0(address, x)
    return np.exp(x)


@_jit
def _exp_each(address, x):
    out = np.empty(x.size)
    for i in range(x.size):
        out[i] = _exp(address, x[i])
    return out


def exp_agrees() -> bool:
    """Whether the kernels' ``exp`` equals numpy's, bit for bit, on a probe of 200,000
    values over the range the effort rule uses (and beyond); worked out once a process."""
    global _agrees
    if _agrees is None:
        rng = np.random.default_rng(EXP_PROBE_SEED)
        x = np.concatenate([rng.uniform(lo, hi, EXP_PROBE_EACH) for lo, hi in EXP_PROBE_RANGES])
        got = _exp_each(exp_address(), x)
        _agrees = bool(np.array_equal(got.view(np.int64), np.exp(x).view(np.int64)))
    return _agrees


@_jit
def newton_effort(x, lo, hi, gain, v, c, minus_kappa, repl, R, tol, max_steps, exp_at):
    """sim.world.behaviour.choose_effort's bracketed Newton steps from ``x`` (in place).

    Each rep takes the Newton step on f(e) = gain exp(-k e) + v - c e unless it leaves the
    bracket [lo, hi] (or the slope is not positive), then the midpoint.  Replication ``r``
    (of rep ``i``: ``repl[i]``) stops after the first step in which none of its reps moved
    by more than ``tol`` (a NaN move never stops it), as its serial run does.  ``exp_at``:
    :func:`exp_address`."""
    n = x.size
    done = np.zeros(R, dtype=np.bool_)
    moved = np.empty(R)
    for _ in range(max_steps):
        moved[:] = 0.0
        for i in range(n):
            xi = x[i]
            ex = _exp(exp_at, minus_kappa * xi)
            f = gain[i] * ex + v[i] - c[i] * xi
            if f > 0:
                lo[i] = xi
            else:
                hi[i] = xi
            slope = (gain[i] * -minus_kappa) * ex + c[i]
            step = False
            nxt = 0.0
            if slope > 0:
                nxt = xi + f / slope
                step = (nxt >= lo[i]) and (nxt <= hi[i])
            if not step:
                nxt = 0.5 * (lo[i] + hi[i])
            r = repl[i]
            d = abs(nxt - xi)
            m = moved[r]
            if m == m and (d != d or d > m):  # the largest move, NaN kept
                moved[r] = d
            if not done[r]:
                x[i] = nxt
        stop = True
        for r in range(R):
            if moved[r] <= tol:
                done[r] = True
            if not done[r]:
                stop = False
        if stop:
            break


@_jit
def _max(a, b):
    """``np.maximum`` of two floats (the first if it is NaN or not below the second)."""
    return a if (a >= b or a != a) else b


@_jit
def _min(a, b):
    """``np.minimum`` of two floats (the first if it is NaN or not above the second)."""
    return a if (a <= b or a != a) else b


@_jit
def _commission(sales, thr, band, below, rate, above, quota, top, capped):
    """sim.world.compensation.CompPlan._commission of one sales figure."""
    c = below * _min(sales, thr)
    c += rate * _min(_max(sales - thr, 0.0), band)
    c += above * _max(sales - quota, 0.0)
    return _min(c, top) if capped else c


@_jit
def marginal_nodes(mu, sigma, quota, rate, z, w, threshold, below_factor, accelerator, cap,
                   step_share, step_floor, ratchet, rc):
    """sim.world.behaviour.marginal_pay's forecast: for each rep, the plan's commission per
    unit (CompPlan.unit_value) at each node ``max(mu + sigma z, 0)``, less the ratchet's
    cost ``rc`` above quota (where ``ratchet``), times the node's weight, added in node order
    and then to zero, as the numpy rows are."""
    out = np.empty(mu.size)
    for i in range(mu.size):
        q, rt = quota[i], rate[i]
        h = step_share * _max(q, step_floor)
        thr = threshold * q
        band = _max(q - thr, 0.0)
        below, above = rt * below_factor, rt * accelerator
        capped = cap > 0
        top = cap * (rt * q * (below_factor * threshold + (1 - threshold))) if capped else 0.0
        acc = 0.0
        for n in range(z.size):
            s = _max(mu[i] + sigma[i] * z[n], 0.0)
            u = (_commission(s + h, thr, band, below, rt, above, q, top, capped)
                 - _commission(s, thr, band, below, rt, above, q, top, capped)) / h
            if ratchet:
                u -= rc[i] * (1.0 if s > q else 0.0)
            u *= w[n]
            acc = u if n == 0 else acc + u
        out[i] = acc + 0.0
    return out
