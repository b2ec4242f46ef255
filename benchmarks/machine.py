"""What the benchmarks ran on: cores, CPU model, Python and library versions."""

from __future__ import annotations

import os
import platform
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")


def cpu_model(cpuinfo: Path = CPUINFO) -> str:
    """The first ``model name`` in /proc/cpuinfo, else what the platform module knows."""
    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def usable_cores() -> int:
    """Cores this process may run on (the affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


PROBE_ADDS = 1_000_000
PROBE_REPEATS = 5


def speed_probe() -> float:
    """Milliseconds for PROBE_ADDS additions in a pure-Python loop, best of PROBE_REPEATS: the
    CPU's speed at the time (a shared VM's has varied up to 2.4x between benches).  It misses
    slowdowns of memory-bound work (51-56 ms on 8 Dec while the model ran 1.8x slower than on
    5 Dec): between benches, the stored model's baseline run is the closer reference."""
    best = float("inf")
    for _ in range(PROBE_REPEATS):
        t, total = time.perf_counter(), 0
        for i in range(PROBE_ADDS):
            total += i
        best = min(best, time.perf_counter() - t)
    return best * 1000


def describe(probe_at_start: float | None = None) -> dict[str, str]:
    """Machine facts for RESULTS.md, all as text; ``probe_at_start``: the
    :func:`speed_probe` taken as the suite started (the row gives it and the one now)."""
    probes = ([f"{probe_at_start:.0f}"] if probe_at_start is not None else []) \
        + [f"{speed_probe():.0f}"]
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": f"{usable_cores()} usable ({os.cpu_count()} online)",
        "cpu": cpu_model(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": version("numpy"),
        "mesa": version("mesa"),
        "pandas": version("pandas"),
        "numba": version("numba"),
        "model path": compiled_path(),
        "speed probe": f"{' / '.join(probes)} ms for {PROBE_ADDS:,} additions in a Python "
                       f"loop (best of {PROBE_REPEATS}{', at start / end' if len(probes) > 1 else ''}"
                       "; lower is faster)",
    }


def compiled_path() -> str:
    """Whether the model ran its numba kernels or the numpy path (sim/world/kernels.py)."""
    from sim.world import kernels
    if not kernels.ENABLED:
        return "numpy (numba missing or SALESIM_NUMBA=0)"
    return (f"numba kernels on every pass of a run (alone, or a batch of replications) that "
            f"starts with {kernels.MIN_SIZE:,} accounts or more, and of every run in a process "
            f"that has loaded them (a sweep's worker); numpy below")
