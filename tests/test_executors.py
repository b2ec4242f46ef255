"""The local process pool finishes long sweeps and starts its workers before the clock runs.

A pool that retired its workers after a fixed number of tasks (``max_tasks_per_child``) hung on
CPython 3.13.0 once the retired workers had to be replaced: the sweep stopped with runs pending.
These tests run the pool in a subprocess with a timeout, so a hang fails instead of blocking.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent("""
    import os, sys
    from sim.sweep.executors import PoolExecutor

    def task_pid(task):
        return {"run_id": task["run_id"], "pid": os.getpid()}

    if __name__ == "__main__":
        n = int(sys.argv[1])
        with PoolExecutor(2) as pool:
            warmed = len(pool.pool._processes)
            got = [r for r in pool.results(task_pid, ({"run_id": i} for i in range(n)),
                                           heartbeat=0.2) if r]
        ids = sorted(r["run_id"] for r in got)
        assert ids == list(range(n)), ids[:10]
        print(warmed, len({r["pid"] for r in got}))
""")


def run_pool(tmp_path: Path, n_tasks: int) -> list[int]:
    script = tmp_path / "pool_many.py"
    script.write_text(SCRIPT)
    done = subprocess.run([sys.executable, str(script), str(n_tasks)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    return [int(x) for x in done.stdout.split()]


def test_pool_runs_thousands_of_tasks_without_hanging(tmp_path):
    warmed, pids = run_pool(tmp_path, 2500)
    assert warmed == 2  # both workers were up before the first task was submitted
    assert 1 <= pids <= 2
