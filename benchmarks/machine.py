"""What the benchmarks ran on: cores, CPU model, Python and library versions."""

from __future__ import annotations

import os
import platform
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


def describe() -> dict[str, str]:
    """Machine facts for RESULTS.md, all as text."""
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
    }


def compiled_path() -> str:
    """Whether the model ran its numba kernels or the numpy path (sim/world/kernels.py)."""
    from sim.world import kernels
    if not kernels.ENABLED:
        return "numpy (numba missing or SALESIM_NUMBA=0)"
    return (f"numba kernels on every pass of a run (alone, or a batch of replications) that "
            f"starts with {kernels.MIN_SIZE:,} accounts or more, and of every run in a process "
            f"that has loaded them (a sweep's worker); numpy below")
