"""Run a command and report its wall time and peak memory, as one JSON line on stdout.

``python -m benchmarks.peakrss -- COMMAND ...`` is meant to be started fresh for each
measurement, so that ``RUSAGE_CHILDREN`` covers only that command and its descendants.

Two memory figures come back:

* ``peak_tree_mb``: the largest sum of resident memory over the command and all its
  descendants (worker processes included), sampled every ``POLL_S`` seconds with psutil;
* ``max_proc_mb``: the largest peak of any single waited-for descendant, from the kernel.

``cpu_s`` is the CPU time (user + system) of the whole tree, which other work on the machine
changes far less than the wall time.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent

POLL_S = 0.05
MB = 1024 * 1024
STDERR_TAIL = 2000


def sample_tree(proc: psutil.Process, cpu_seen: dict[int, float]) -> int:
    """Resident bytes of ``proc`` plus all its live descendants (0 once it has gone).

    Also records in ``cpu_seen`` the CPU seconds (user + system) each member has used so far,
    so that the tree's CPU time can be summed at the end, workers that exit early included.
    """
    total = 0
    try:
        members = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in members:
        try:
            with member.oneshot():
                total += member.memory_info().rss
                times = member.cpu_times()
                cpu_seen[member.pid] = times.user + times.system
        except psutil.Error:
            pass
    return total


def measure(cmd: list[str]) -> dict[str, float]:
    """Run ``cmd`` to the end; stdout is dropped, the tail of stderr is kept."""
    cpu_seen: dict[int, float] = {}
    with tempfile.TemporaryFile(mode="w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        watched = psutil.Process(child.pid)
        peak = 0
        while child.poll() is None:
            peak = max(peak, sample_tree(watched, cpu_seen))
            time.sleep(POLL_S)
        wall = time.perf_counter() - start
        err.seek(0)
        tail = err.read()[-STDERR_TAIL:]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The kernel's figure covers reaped descendants; the sampled one also covers the rest.
    cpu = max(usage.ru_utime + usage.ru_stime, sum(cpu_seen.values()))
    return {"returncode": child.returncode, "wall_s": wall, "peak_tree_mb": peak / MB,
            "max_proc_mb": usage.ru_maxrss / 1024, "cpu_s": cpu, "stderr": tail}


def run_measured(cmd: list[str], env: dict[str, str] | None = None) -> dict:
    """Measure ``cmd`` from a fresh wrapper process (``env``: extra environment settings);
    raises if the command failed."""
    wrapper = [sys.executable, "-m", "benchmarks.peakrss", "--", *cmd]
    done = subprocess.run(wrapper, stdout=subprocess.PIPE, text=True, check=True, cwd=ROOT,
                          env={**child_env(), **(env or {})})
    out = json.loads(done.stdout.strip().splitlines()[-1])
    if out["returncode"] != 0:
        raise RuntimeError(f"benchmark command failed with exit code {out['returncode']}: "
                           + " ".join(cmd) + "\n" + out["stderr"])
    return out


def child_env() -> dict[str, str]:
    """This environment with the repository root on PYTHONPATH (benchmarks is not installed)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "--" or len(argv) < 2:
        print("usage: python -m benchmarks.peakrss -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    print(json.dumps(measure(argv[1:])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
