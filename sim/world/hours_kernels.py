"""Compiled hour splits (issue 19 item 3): how a rep's hours spread over its accounts, the
usual way (weights, sim.world.tactics.normal_hours) and the cherry-picker's water-filling
(sim.world.tactics.greedy_hours), and the sums the cherry-picking weighs.  Each does the
floating-point operations of the numpy code beside its caller, in the same order; ``exp``
and ``log`` are numpy's own (sim.world.simd_math).  The kernels register with
sim.world.kernels and compile with the others."""

from __future__ import annotations

import numpy as np

from sim.world.kernels import _jit

simd_math = None  # sim.world.simd_math (numpy's exp and log), bound when the kernels compile


def bind_c_functions() -> None:
    """What these kernels call (sim.world.simd_math), bound before they compile."""
    global simd_math
    from sim.world import simd_math as module
    simd_math = module


@_jit
def log_ratios(value, need, floor, log_where):
    """``np.log(np.maximum(value / need, floor))``: the ratios, then numpy's log of them
    (simd_math.log_into)."""
    m = value.size
    x = np.empty(m)
    for j in range(m):
        r = value[j] / need[j]
        x[j] = r if (r >= floor or r != r) else floor
    out = np.empty(m)
    simd_math.log_into(log_where, x, out)
    return out


@_jit
def water_fill(lr, need, owner, hours, n, iters):
    """sim.world.tactics.greedy_hours after its logarithm: the owner levels and the hours."""
    m = lr.size
    on = np.ones(m, dtype=np.bool_)
    mu = np.zeros(n)
    for _ in range(iters):
        w = np.zeros(n)
        top = np.zeros(n)
        for j in range(m):
            if on[j]:
                w[owner[j]] += need[j]
                top[owner[j]] += need[j] * lr[j]
        for o in range(n):
            mu[o] = (top[o] - hours[o]) / w[o] if w[o] > 0 else np.inf
        same = True
        for j in range(m):
            now = lr[j] > mu[owner[j]]
            if now != on[j]:
                same = False
            on[j] = now
        if same:
            break
    h = np.empty(m)
    for j in range(m):
        o = owner[j]
        h[j] = need[j] * max(lr[j] - mu[o], 0.0) if hours[o] > 0 else 0.0
    return h


@_jit
def split_hours(w, own, hours_by_rep, n):
    """sim.world.tactics.normal_hours after the weights: each owner's hours in proportion
    to its accounts' weights ``w``."""
    wsum = np.zeros(n)
    for j in range(w.size):
        wsum[own[j]] += w[j]
    out = np.empty(w.size)
    for j in range(w.size):
        o = own[j]
        out[j] = hours_by_rep[o] * w[j] / max(wsum[o], 1e-300)
    return out


@_jit
def attention_weights(idx, health, potential, difficulty, root, floor_h, floor_d):
    """sim.world.accounts.attention_weights for focus 1 or (``root``) 0.5, where numpy's
    power is exactly the value or its square root; ``floor_h``, ``floor_d`` are its
    ATTENTION_FLOORS."""
    out = np.empty(idx.size)
    for j in range(idx.size):
        i = idx[j]
        v = potential[i] * (floor_h + health[j]) / (floor_d + difficulty[i])
        out[j] = np.sqrt(v) if root else v
    return out


@_jit
def cherry_sums(base, need, h0, h1, own, n, exp_where):
    """sim.world.tactics._cherry_gain's two sums per rep: sales gained now (before
    conversion) and work-weeks of service withheld, from the usual hours ``h0`` and the
    greedy hours ``h1`` with ``e = exp(-h / need)`` (numpy's exp: simd_math.exp_into); the
    sums add account by account in order, as ``bincount``."""
    m = base.size
    e0 = np.empty(m)
    e1 = np.empty(m)
    for j in range(m):
        e0[j] = -h0[j] / need[j]
        e1[j] = -h1[j] / need[j]
    simd_math.exp_into(exp_where, e0, e0)
    simd_math.exp_into(exp_where, e1, e1)
    gain = np.zeros(n)
    lost = np.zeros(n)
    for j in range(m):
        o = own[j]
        gain[o] += base[j] * ((1 - e1[j]) - (1 - e0[j]))
        nd = need[j]
        x = min(h0[j], nd) - min(h1[j], nd)
        lost[o] += base[j] * max(x, 0.0) / nd
    return gain, lost
