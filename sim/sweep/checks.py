"""Checks a sweep makes before it writes anything: workers, scheduler, run timeout, size.

Each check either returns the value to use or raises :class:`UserError` with one line, so a bad
argument never leaves a half-made sweep folder behind.
"""

from __future__ import annotations

import math
import os
import socket
import sys
from urllib.parse import urlparse

from sim.common.errors import UserError
from sim.world import kernels

SCHEDULER_CONNECT_S = 3.0      # a scheduler that does not answer in this time is unreachable
RUN_TIMEOUT_FLOOR_S = 300.0    # the default per-run timeout never goes below this
RUN_TIMEOUT_PER_REP_WEEK_S = 0.02  # ... and grows with the size of the largest run
MAX_RUN_TIMEOUT_S = 7 * 24 * 3600.0
IN_PROCESS_SCHEMES = ("inproc",)


def usable_cores() -> int:
    return os.process_cpu_count() or 1


def check_workers(workers: int | None, executor: str, scheduler: str | None) -> int | None:
    """``--workers``: at least 1; above the usable cores of a local pool it is clamped."""
    if workers is None:
        if scheduler:
            check_scheduler(scheduler)
        return None
    if workers < 1:
        raise UserError(f"--workers {workers}: expected a whole number of at least 1")
    if scheduler:
        check_scheduler(scheduler)
        return workers
    cores = usable_cores()
    if workers > cores:
        print(f"salesim: warning: --workers {workers} is more than the {cores} usable cores; "
              f"using {cores}", file=sys.stderr)
        return cores
    return workers


def check_scheduler(address: str) -> None:
    """Fail fast, with one line, when a Dask scheduler's address is malformed or closed."""
    url = urlparse(address if "://" in address else f"tcp://{address}")
    if url.scheme in IN_PROCESS_SCHEMES:
        return  # a scheduler in this process (tests, notebooks): nothing to connect to
    try:
        port = url.port
    except ValueError:
        port = None
    if url.scheme not in ("tcp", "tls") or not url.hostname or port is None:
        raise UserError(f"--scheduler {address!r}: expected tcp://HOST:PORT")
    try:
        with socket.create_connection((url.hostname, port), timeout=SCHEDULER_CONNECT_S):
            pass
    except OSError as err:
        why = (getattr(err, "strerror", None) or str(err) or type(err).__name__).lower()
        raise UserError(f"--scheduler {address}: cannot reach the scheduler ({why}); start it "
                        "or check the address") from None


BATCH_MAX = 20            # replications stepped side by side in one model, at most
# ... and rep rows in one stacked model: 80 reps give 20, 200 give 8, 801 or more give 1.
# Each replication adds about 3.5 MB at 80 reps (its tables, logs, a week's temporaries and
# on the compiled path its kept random tables).  Measured on a 1-worker sweep (156 weeks):
# at 80 reps, batches of 20 run 19% faster than of 10 for 35 MB more (6.8-6.9 against
# 5.7-5.8 runs/s); at 200 reps, of 8 16% faster than of 4 for 22 MB more.  Beyond about
# 33,000 stacked accounts the cache works against a larger batch (benchmarks/PROFILE.md).
BATCH_REP_BUDGET = 1600
BATCH_LIMIT = 1000        # the largest --batch accepted
#: Rep-weeks per worker from which a sweep of runs too small to load the kernels by size
#: loads them anyway (``"auto"``): loading numba and ~50 kernels from its cache costs a
#: worker about 1.4 s of CPU and ~110 MB, and a run on them takes 0.73-0.87 of its numpy
#: time at 20-2,000 reps, 16-50 us less a rep-week (benchmarks/PROFILE.md, ninth pass), so
#: it pays back from about 30,000-90,000 rep-weeks.  About four baseline runs (80 reps x
#: 312 weeks) or a hundred of 20 reps x 52 weeks.
KERNEL_LOAD_REP_WEEKS = 100_000


def batch_size(value: int | None, cells: list[dict]) -> int:
    """``--batch``: replications of one design point run side by side as one model (each
    identical to its serial run: sim.world.replicas).  By default as many as fit in
    BATCH_REP_BUDGET rep rows for the largest cell, at most BATCH_MAX (1 for large orgs,
    where the vectorised work already dominates a week)."""
    if value is None:
        reps = max((c["org"]["n_reps"] for c in cells), default=1)
        return max(1, min(BATCH_MAX, BATCH_REP_BUDGET // max(reps, 1)))
    if value < 1 or value > BATCH_LIMIT:
        raise UserError(f"--batch {value}: expected a whole number from 1 to {BATCH_LIMIT}")
    return int(value)


def execution(args, exp, cells: list[dict]) -> tuple[int, str]:
    """(batch, compiled) for a sweep of ``exp``: ``--batch`` or the default by size, and
    ``--compiled``, else the experiment's ``compiled``.  Asking for the kernels where numba is
    missing says so once, and the numpy path runs (with the same results)."""
    batch = batch_size(getattr(args, "batch", None), cells)
    compiled = getattr(args, "compiled", None) or exp.compiled
    if compiled == "on" and not kernels.AVAILABLE and not getattr(args, "quiet", False):
        print('salesim: note: compiled = "on" but numba is not installed; running the numpy '
              "path (same results; pip install 'salesim[fast]' for the kernels)", file=sys.stderr)
    return batch, compiled


def default_timeout(cells: list[dict]) -> float:
    """Seconds one run may take: a floor plus a share per rep-week of the largest cell."""
    size = max((c["run"]["weeks"] * c["org"]["n_reps"] for c in cells), default=0)
    return RUN_TIMEOUT_FLOOR_S + RUN_TIMEOUT_PER_REP_WEEK_S * size


def run_timeout(value: float | None, cells: list[dict]) -> float:
    """``--run-timeout`` in seconds (above 0, at most a week), or the default for the design."""
    if value is None:
        return default_timeout(cells)
    if not math.isfinite(value) or value <= 0 or value > MAX_RUN_TIMEOUT_S:
        raise UserError(f"--run-timeout {value}: expected seconds above 0 and at most "
                        f"{MAX_RUN_TIMEOUT_S:.0f}")
    return float(value)


def compiles(compiled: str, batch: int, cells: list[dict], rep_weeks: float = 0,
             workers: int = 1) -> bool:
    """Whether a sweep's tasks will run the compiled kernels, so that its workers load them
    as they start: "on", or "auto" where a cell's batch (``batch``: replications a batch
    holds, 1 for runs alone) reaches ``kernels.MIN_SIZE`` accounts
    (sim.world.kernels.stacked), or where the sweep's ``rep_weeks`` (over all its runs,
    burn-ins included) give each of its ``workers`` at least KERNEL_LOAD_REP_WEEKS: a worker
    that has loaded the kernels runs every run on them.  Not for a stand-in model
    (``SALESIM_RUN_FUNCTION``)."""
    enabled, min_size = kernels.setting()
    if not enabled or compiled == "off" or os.environ.get("SALESIM_RUN_FUNCTION"):
        return False
    if compiled == "on" or rep_weeks >= KERNEL_LOAD_REP_WEEKS * max(workers, 1):
        return True
    return any(c["org"]["n_reps"] * c["accounts"]["per_rep"] * batch >= min_size
               for c in cells)


def sweep_compiles(exp, design, run_ids: list[int], batch: int, compiled: str,
                   workers: int | None) -> bool:
    """:func:`compiles` for a sweep of ``design`` that will simulate the runs ``run_ids``
    (``workers``: None for one a core)."""
    points = dict(zip(design.table["run_id"], design.table["point_id"]))
    return compiles(compiled, min(batch, exp.replications), design.cells,
                    rep_weeks(design.cells, [points[r] for r in run_ids]),
                    workers or os.process_cpu_count() or 1)


def rep_weeks(cells: list[dict], point_ids) -> float:
    """Rep-weeks a design simulates: each run's reps times its weeks, burn-in included."""
    per_cell = [c["org"]["n_reps"] * (c["run"]["weeks"] + c["run"].get("burn_in_weeks", 0))
                for c in cells]
    return float(sum(per_cell[int(p)] for p in point_ids))
