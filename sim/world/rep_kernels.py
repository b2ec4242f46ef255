"""Compiled per-rep decisions: the effort choice's Newton iterations and the marginal pay
over the sales forecast, each in one pass.

The effort rule calls ``exp`` at every step: the kernel calls numpy's own
(sim.world.simd_math) and runs only where that equals numpy's (``simd_math.agrees``);
elsewhere the numpy path runs.  Both paths give the same values (tests/test_kernels.py
compares them on every shipped scenario).
"""

from __future__ import annotations

import numpy as np

from sim.world import simd_math
from sim.world.kernels import _jit


@_jit
def newton_effort(x, lo, hi, gain, v, c, minus_kappa, repl, R, tol, max_steps, exp_where):
    """sim.world.behaviour.choose_effort's bracketed Newton steps from ``x`` (in place).

    Each rep takes the Newton step on f(e) = gain exp(-k e) + v - c e unless it leaves the
    bracket [lo, hi] (or the slope is not positive), then the midpoint.  Replication ``r``
    (of rep ``i``: ``repl[i]``) stops after the first step in which none of its reps moved
    by more than ``tol`` (a NaN move never stops it), as its serial run does.  ``exp_where``:
    ``simd_math.address("exp")``."""
    n = x.size
    done = np.zeros(R, dtype=np.bool_)
    moved = np.empty(R)
    arg = np.empty(n)
    exps = np.empty(n)
    for _ in range(max_steps):
        moved[:] = 0.0
        for i in range(n):
            arg[i] = minus_kappa * x[i]
        simd_math.exp_into(exp_where, arg, exps)  # every rep's exp(-k x) of this step at once
        for i in range(n):
            xi = x[i]
            ex = exps[i]
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
def unit(x):
    """``np.minimum(np.maximum(x, 0), 1)`` of one float (the rules' limit to [0, 1])."""
    return _min(_max(x, 0.0), 1.0)


@_jit
def flag(x):
    """A bool as numpy's float times bool takes it: 1.0 or 0.0."""
    return 1.0 if x else 0.0


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
