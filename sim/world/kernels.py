"""Compiled inner loops (numba), with the numpy code they replace as the reference.

Each kernel fuses a run of numpy passes over the account arrays (gathers, arithmetic, a
``bincount``) into one loop.  It does the same floating-point operations, in the same order,
as the numpy code beside its caller, so both paths give bit-identical results; ``**`` stays
in numpy outside the kernels, because numpy's SIMD versions may round differently
from the C library on some CPUs.  A kernel that needs ``exp`` or ``log`` calls numpy's own
(sim.world.simd_math: its SIMD routines by address where numpy uses them) and runs only where
they equal numpy's on a probe.  Kernels of other modules (sim.world.rep_kernels,
mood_kernels, tactic_kernels, belief_kernels, simd_math, deal_kernels, hours_kernels,
table_kernels, stream_kernels, sum_kernels) register here too; a module's ``bind_c_functions``, if it has
one, runs before its kernels compile.
``tests/test_kernels.py`` runs every shipped scenario both ways and compares every table.

numba is an optional extra (``pip install salesim[fast]``).  It is imported, and the kernels
compiled (or loaded from numba's cache), only when a model first has arrays of at least
``MIN_SIZE`` rows, or a run (alone, or a batch of replications side by side) starts with a
book of that many accounts (:func:`stacked`).  A run decides as a whole: then every pass
runs compiled, and so does every run of a process that has loaded the kernels already (a
sweep's worker).  Loaded, the kernels are faster at every size: a run alone takes 0.73-0.87
of its numpy time from 20 to 2,000 reps.  A run alone below ``MIN_SIZE`` (at the planner's
size) in a fresh process keeps the numpy path: the quarter of a second it would gain is less
than numba's loading (about 1.4 s of CPU) and its ~110 MB.  Without numba, with the
environment variable ``SALESIM_NUMBA=0``, or after ``use(False)``, the numpy path runs
everywhere.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

AVAILABLE = importlib.util.find_spec("numba") is not None
ENABLED = AVAILABLE and os.environ.get("SALESIM_NUMBA", "1") != "0"
MIN_SIZE = int(os.environ.get("SALESIM_NUMBA_MIN_SIZE", "5000"))  # rows (accounts, deals)
_KERNELS: list[tuple[dict, str]] = []  # (module globals, name) of each kernel, in order
_compiled = False
#: A thread's own (enabled, min_size) while it runs a :func:`mode` or :func:`stacked` body, so
#: that tasks run side by side in one process (a Dask worker's threads) each keep their own
#: path; ``use`` and the two globals above are the process-wide setting.
_local = threading.local()
simd_math = None  # sim.world.simd_math (numpy's exp and log), bound when the kernels compile


def bind_c_functions() -> None:
    """What this module's kernels call (sim.world.simd_math, which imports this module),
    bound before they compile."""
    global simd_math
    from sim.world import simd_math as module
    simd_math = module


def use(flag: bool, min_size: int | None = None) -> bool:
    """Switch the compiled path on or off (off if numba is missing), optionally with a new
    ``MIN_SIZE``; return the old on/off state."""
    global ENABLED, MIN_SIZE
    old, ENABLED = ENABLED, bool(flag) and AVAILABLE
    if min_size is not None:
        MIN_SIZE = int(min_size)
    return old


def setting() -> tuple[bool, int]:
    """(enabled, min_size) in force in this thread: its :func:`mode` or :func:`stacked`
    body's, else the process-wide ``ENABLED`` and ``MIN_SIZE``."""
    return getattr(_local, "state", None) or (ENABLED, MIN_SIZE)


#: How a run chooses its path: "auto" by size (MIN_SIZE), "on" compiled at every size (numpy
#: where numba is missing), "off" numpy everywhere.  Results are the same bit for bit.
MODES = ("auto", "on", "off")


@contextmanager
def mode(name: str = "auto") -> Iterator[None]:
    """Run the body with the path ``name`` (one of MODES), then put the old setting back;
    in this thread only (:func:`setting`).  ``"auto"`` leaves the setting alone (the
    environment's, by default)."""
    if name not in MODES:
        raise ValueError(f"kernel mode {name!r}: expected one of {', '.join(MODES)}")
    if name == "auto":
        yield
        return
    old = getattr(_local, "state", None)
    _local.state = (AVAILABLE, 0) if name == "on" else (False, setting()[1])
    try:
        yield
    finally:
        _local.state = old  # exactly as it was, in this thread only


@contextmanager
def stacked(rows: int) -> Iterator[None]:
    """Run the body (a run alone, or a batch of replications side by side) with every pass
    compiled, under the "auto" setting (``MIN_SIZE`` above 0), if the run's book starts with
    ``rows`` accounts or more, counting all its replications, or if this process has loaded
    the kernels already (their cost is paid); otherwise as set.  A batch pays numba's memory
    (about 110 MB a process) for a third to a half of its time: at the planner's size (80
    reps) in batches of 10, 0.53-0.57 s a run on the numpy path against 0.31 compiled; a run
    alone for 13-27% of its time (benchmarks/PROFILE.md)."""
    old = getattr(_local, "state", None)
    enabled, min_size = setting()
    if enabled and 0 < min_size and (min_size <= rows or _compiled):
        _local.state = (enabled, 0)
    try:
        yield
    finally:
        _local.state = old


def on(size: int, replications: int = 1) -> bool:
    """Whether a pass over ``size`` rows runs compiled (compiling the kernels the first time).
    With replications side by side the threshold is on one replication's rows (a batch of
    them decides as a whole: :func:`stacked`); the kernels give the same values either
    way."""
    enabled, min_size = getattr(_local, "state", None) or (ENABLED, MIN_SIZE)
    if not enabled or size < min_size * replications:
        return False
    if not _compiled:
        _compile()
    return True


def compiled() -> bool:
    """Whether the kernels are compiled (in this process, since the first :func:`on`)."""
    return _compiled


def _compile() -> None:
    """Import numba and replace every kernel by its compiled version (each compiles on its
    first call, or loads from numba's on-disk cache).  Kernels that call kernels find the
    compiled ones, since the module globals are replaced before any of them compiles.
    Kernels of modules imported later (sim.world.stream_kernels) compile as they register."""
    global _compiled
    _compiled = True
    for g, name in _KERNELS:
        _compile_one(g, name)


def _compile_one(g: dict, name: str) -> None:
    import numba
    if isinstance(g[name], numba.core.dispatcher.Dispatcher):
        return  # compiled as it registered (its module was imported during the compile)
    binder = g.get("bind_c_functions")
    if binder is not None:
        binder()  # what the module's kernels call, bound before they compile
    g[name] = numba.njit(cache=True, nogil=True)(g[name])


def _jit(fn):
    _KERNELS.append((fn.__globals__, fn.__name__))
    if _compiled:  # (a module imported after the first compile: its name is not bound yet)
        fn.__globals__[fn.__name__] = fn
        _compile_one(fn.__globals__, fn.__name__)
        return fn.__globals__[fn.__name__]
    return fn


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
def service_of(hours, need, cap, exp_where):
    """sim.world.market.market_week's service ``1 - exp(-load)`` and capped load
    ``min(load, cap)`` of each account, ``load = hours / need`` (numpy's exp:
    simd_math.exp_into; numpy's minimum)."""
    m = hours.size
    arg = np.empty(m)
    capped = np.empty(m)
    for j in range(m):
        load = hours[j] / need[j]
        arg[j] = -load
        capped[j] = load if (load <= cap or load != load) else cap
    service = np.empty(m)
    simd_math.exp_into(exp_where, arg, service)
    for j in range(m):
        service[j] = 1 - service[j]
    return service, capped


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


@_jit
def settle_deals(progress, hold, p_win, size, u, pull, k, owner, conv, discount, repl, week,
                 work_weeks, pull_win_loss, lose_rate, pull_discount, elasticity, n_accounts,
                 counts, disc_opp, stay):
    """sim.world.pipeline.Pipeline.week from the timing choice on: which deals are ready,
    won, lost or lapsed; revenue per account; what each deal gave away in discounts (summed
    by the caller, as numpy sums); which deals stay open.  Deal ``j`` belongs to replication
    ``repl[j]`` (all 0 for one model: sim.world.replicas) and has drawn the uniform ``u[j]``
    (sim.world.draw_tables.DrawTable); ``counts[r]`` gets won, lost, pulled of replication
    ``r``.  Every deal is settled on its own."""
    n = progress.size
    revenue = np.zeros(n_accounts)
    for j in range(n):
        r = repl[j]
        pl = pull[j]
        ready = ((progress[j] >= work_weeks) and (hold[j] <= week)) or pl
        if pl:
            p = p_win[j] * (1 - pull_win_loss) * min(progress[j] / work_weeks, 1.0)
            counts[r, 2] += 1
        else:
            p = p_win[j]
        won = ready and (u[j] < p)
        lapsed = (not ready) and (u[j] > 1 - lose_rate)
        price = 1 - pull_discount if pl else 1.0
        o = owner[j]
        full = size[j] * conv[o] * (1.0 if won else 0.0)
        d = discount[o]
        volume = full * (1 + elasticity * d)
        revenue[k[j]] += volume * price * (1 - d)
        disc_opp[j] = volume * (1 - price * (1 - d))
        counts[r, 0] += won
        counts[r, 1] += (ready and not won) + lapsed
        stay[j] = not (ready or lapsed)
    return revenue


@_jit
def book_values(idx, own, potential, firm, relationship, familiar, health, recorded,
                backup, backup_know, tie_base, tie_firm, tie_personal, uc, n):
    """sim.world.behaviour.perceive's pass over the book: each account's expected weekly
    sales at full effort (``base``), and per rep the book's value, its recorded part and
    the part its backups know."""
    m = idx.size
    base = np.empty(m)
    book = np.zeros(n)
    rec = np.zeros(n)
    cov = np.zeros(n)
    for j in range(m):
        i = idx[j]
        o = own[j]
        ties = tie_base + tie_firm * firm[i] + tie_personal * relationship[i]
        fam = uc + (1 - uc) * familiar[i]
        v = potential[i] * (ties * fam) * health[i] * (1 / 52)
        base[j] = v
        book[o] += v
        rec[o] += v * recorded[i]
        cov[o] += v * backup_know[i] * (1.0 if backup[i] >= 0 else 0.0)
    return base, book, rec, cov


@_jit
def record_targets(owner, quiet, withhold, push, base, quiet_recording, withhold_target,
                   push_compliance, push_target):
    """sim.world.tactics.record_targets, per account of ``owner``."""
    out = np.empty(owner.size)
    for j in range(owner.size):
        o = owner[j]
        t = quiet_recording * base if quiet[o] else base
        if withhold[o]:
            t = withhold_target
        if push[o] > 0:
            comply = push_compliance if withhold[o] else 1.0
            t = t + comply * max(push_target - t, 0.0)
        out[j] = t
    return out


@_jit
def book_sales(idx, own, revenue, hours, sales_week, hours_week, rev_annual, revenue_total,
               n_book, n):
    """sim.world.market.market_week's bookkeeping: this week's sales and hours per account
    (zero for accounts nobody served), trailing and total revenue; returns sales per rep."""
    for i in range(n_book):
        sales_week[i] = 0.0
    per_rep = np.zeros(n)
    for j in range(idx.size):
        i = idx[j]
        x = revenue[j]
        sales_week[i] = x
        hours_week[i] = hours[j]
        rev_annual[i] += x - rev_annual[i] / 52
        revenue_total[i] += x
        per_rep[own[j]] += x
    return per_rep

