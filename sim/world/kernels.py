"""Compiled inner loops (numba), with the numpy code they replace as the reference.

Each kernel fuses a run of numpy passes over the account arrays (gathers, arithmetic, a
``bincount``) into one loop.  It does the same floating-point operations, in the same order,
as the numpy code beside its caller, so both paths give bit-identical results; transcendental
functions (``exp``, ``log``, ``**``) stay in numpy outside the kernels, because numpy's SIMD
versions may round differently from the C library on some CPUs.  ``tests/test_kernels.py``
runs every shipped scenario both ways and compares every table.

numba is an optional extra (``pip install salesim[fast]``).  Without it, or with the
environment variable ``SALESIM_NUMBA=0``, or after ``use(False)``, the numpy path runs.
"""

from __future__ import annotations

import os

import numpy as np

try:  # pragma: no cover - which branch runs depends on the installation
    import numba
except ImportError:  # pragma: no cover
    numba = None

AVAILABLE = numba is not None
ENABLED = AVAILABLE and os.environ.get("SALESIM_NUMBA", "1") != "0"


def use(flag: bool) -> bool:
    """Switch the compiled path on or off (off if numba is missing); return the old state."""
    global ENABLED
    old, ENABLED = ENABLED, bool(flag) and AVAILABLE
    return old


def _jit(fn):
    return numba.njit(cache=True, nogil=True)(fn) if AVAILABLE else fn


@_jit
def revenue_at_risk(idx, owner, ties, backup, active, backup_know, firm, rev_annual, cover,
                    recorded, familiar, follow_scale, quality, uc, lost, gap, learn, n):
    """sim.world.leverage.revenue_at_risk, one pass over the owned accounts ``idx``."""
    out = np.zeros(n)
    for j in range(idx.size):
        i = idx[j]
        o = owner[j]
        bk = backup[i]
        known_b = backup_know[i] if (bk >= 0 and active[bk]) else 0.0
        follow = follow_scale * ties[j] * (1 - firm[i]) * (1 - known_b)
        v = rev_annual[i] / 52
        rec = quality * recorded[i]
        known = rec if rec >= known_b else known_b
        now = uc + (1 - uc) * familiar[i]
        relearn = 1 - (uc + (1 - uc) * known) / (now if now >= 1e-9 else 1e-9)
        relearn = min(max(relearn, 0.0), 1.0)
        out[o] += v * (follow * lost + (1 - follow) * ((1 - cover[o]) * gap + relearn * learn))
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
def update_accounts(idx, owner, service, target, rel, h, relationship, firm, recorded,
                    familiar, health, stress, rel_build, rel_decay, firm_build, firm_decay,
                    familiar_rate, health_build, health_decay, record_rate, tie_loss):
    """sim.world.accounts.update_accounts, then the pressure on the personal tie
    (sim.world.market), in one pass."""
    for j in range(idx.size):
        i = idx[j]
        s = service[j]
        neglect = 1 - s
        r0 = rel[j]
        new_rel = r0 + rel_build * s * (1 - r0) - rel_decay * neglect * r0
        f = firm[i]
        rc = recorded[i]
        firm[i] = f + firm_build * s * rc * (1 - f) - firm_decay * neglect * f
        fam = familiar[i]
        familiar[i] = fam + familiar_rate * s * (1 - fam)
        h0 = h[j]
        health[i] = h0 + health_build * s * (1 - h0) - health_decay * neglect * h0
        rc = rc + record_rate * (target[j] - rc)
        recorded[i] = min(max(rc, 0.0), 1.0)
        relationship[i] = new_rel * (1 - tie_loss * stress[owner[j]])
