"""The executors: the local pool finishes long sweeps and starts its workers before the clock
runs; results come back packed and equal; Dask sends short tasks in chunks and a lost chunk
fails only the task that lost it.

A pool that retired its workers after a fixed number of tasks (``max_tasks_per_child``) hung on
CPython 3.13.0 once the retired workers had to be replaced: the sweep stopped with runs pending.
Those tests run the pool in a subprocess with a timeout, so a hang fails instead of blocking.
"""

from __future__ import annotations

import functools
import pickle
import subprocess
import sys
import textwrap
from contextlib import contextmanager
from pathlib import Path

import pytest

from executor_tasks import assert_same_run, die_on, echo, real_tasks
from sim.sweep.executors import (CHUNK_TARGET_S, MAX_CHUNK_TASKS, ChunkSizer, DaskExecutor,
                                 PoolExecutor, chunked, run_chunk)
from sim.sweep.packing import run_packed, runs_in
from sim.sweep.task import execute_run, members

ROOT = Path(__file__).resolve().parent.parent
SHORT_TASKS = 400  # tasks of microseconds: Dask should send them many to a chunk
MIN_MEAN_CHUNK = 4  # ... at least this many on average (the first few go alone)
KILL_TASKS = 240
KILLER = 200  # late enough that every chunk around it holds several tasks

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


# ---------------------------------------------------------------- packed results, Dask chunks

def run_all(executor, fn, tasks) -> list[dict]:
    """Every run an executor returns, unpacked and in run order."""
    runs = [run for got in executor.results(fn, tasks, heartbeat=0.2) if got is not None
            for run in runs_in(got)]
    return sorted(runs, key=lambda r: r["run_id"])


@contextmanager
def watched(executor: DaskExecutor):
    """Record the run ids of every chunk the executor sends to Dask, in order."""
    chunks: list[list[int]] = []
    real_submit = executor.client.submit

    def submit(fn, block, **kwargs):
        assert fn is run_chunk
        chunks.append([task["run_id"] for task in pickle.loads(block)[1]])
        return real_submit(fn, block, **kwargs)

    executor.client.submit = submit
    try:
        yield chunks
    finally:
        del executor.client.submit


def test_dask_lost_chunk_fails_only_the_task_that_killed_its_worker():
    """The killer goes in a chunk of several; its chunk-mates run again one at a time and
    succeed, and only the killer is recorded as failed (worker lost)."""
    import dask
    import distributed  # noqa: F401 - its defaults must be in the config before we set one

    tasks = [{"run_id": i, "die": i == KILLER} for i in range(KILL_TASKS)]
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with DaskExecutor(2) as executor, watched(executor) as chunks:
            got = sorted((r for r in executor.results(die_on, tasks, heartbeat=0.2)
                          if r is not None), key=lambda r: r["run_id"])
    assert [r["run_id"] for r in got] == list(range(KILL_TASKS))
    gone = [r for r in got if r.get("status") == "failed"]
    assert [r["run_id"] for r in gone] == [KILLER]
    assert gone[0]["error"].startswith("worker lost")
    first = next(c for c in chunks if KILLER in c)
    assert len(first) > 1 and [KILLER] in chunks
    assert all([mate] in chunks for mate in first)  # each sent again alone


def test_dask_runs_a_lost_chunk_of_one_again_before_failing_it():
    """A chunk of one task lost with its worker may only have been queued beside the chunk
    whose task killed it: it runs again alone, as every task of a larger lost chunk does, and
    is recorded as failed only if it loses its worker again.  (Without a cluster: the
    executor's chunk runner is replaced by one whose first pass loses chunk [0].)"""
    executor = object.__new__(DaskExecutor)  # no cluster: _chunks is stood in for below
    passes = []

    def chunks(fn, source, heartbeat, on_lost, sizer, alone=False):
        source = list(source)
        passes.append(([[t["run_id"] for t in c] for c in source], alone))
        for chunk in source:
            if not alone and chunk[0]["run_id"] == 0:
                yield from on_lost(chunk, RuntimeError("worker gone")) or [None]
            else:
                yield from (fn(t) for t in chunk)

    executor._chunks = chunks
    got = [r for r in executor.results(echo, [{"run_id": i} for i in range(3)]) if r]
    assert sorted(r["run_id"] for r in got) == [0, 1, 2]
    assert all(r.get("status") != "failed" for r in got)
    assert passes[1] == ([[0]], True)  # run 0 sent again, alone


# The tests below share one cluster (started by the first, closed after the last).
@pytest.fixture(scope="module")
def dask_pair():
    with DaskExecutor(2) as executor:
        yield executor


def test_pool_and_dask_return_the_rows_of_the_unpacked_dicts(tmp_path, dask_pair):
    """Through either executor, packed and unpacked, each run equals what ``execute_run``
    returns in this process: bundles, single runs and failed runs alike."""
    tasks = real_tasks(tmp_path, fail=(1, 5))
    want = sorted((run for task in tasks for run in members(execute_run(task))),
                  key=lambda r: r["run_id"])
    assert [r["status"] for r in want].count("failed") == 2
    packed = functools.partial(run_packed, execute_run)
    with PoolExecutor(2) as pool:
        from_pool = run_all(pool, packed, tasks)
    from_dask = run_all(dask_pair, packed, tasks)
    for got in (from_pool, from_dask):
        assert [r["run_id"] for r in got] == [r["run_id"] for r in want]
        for mine, theirs in zip(got, want):
            assert_same_run(mine, theirs)


def test_dask_sends_short_tasks_in_chunks(dask_pair):
    with watched(dask_pair) as chunks:
        got = [r for r in dask_pair.results(echo, ({"run_id": i} for i in range(SHORT_TASKS)),
                                            heartbeat=0.2) if r is not None]
    assert sorted(r["run_id"] for r in got) == list(range(SHORT_TASKS))
    assert sorted(i for c in chunks for i in c) == list(range(SHORT_TASKS))  # each sent once
    assert len(chunks) <= SHORT_TASKS // MIN_MEAN_CHUNK
    assert max(map(len, chunks)) == MAX_CHUNK_TASKS


def test_chunk_sizer_aims_at_its_target():
    sizer = ChunkSizer()
    assert sizer.size() == 1  # nothing measured yet
    sizer.record(0.001, 10)
    assert sizer.size() == MAX_CHUNK_TASKS
    slow = ChunkSizer()
    slow.record(2 * CHUNK_TARGET_S, 1)
    assert slow.size() == 1
    middle = ChunkSizer()
    middle.record(CHUNK_TARGET_S, 4)
    assert middle.size() == 4
    idle = ChunkSizer()
    idle.record(0.0, 3)
    assert idle.size() == MAX_CHUNK_TASKS


def test_chunked_asks_for_the_size_of_every_chunk():
    sizes = iter([1, 3, 2, 5, 7])
    assert [len(c) for c in chunked(range(9), lambda: next(sizes))] == [1, 3, 2, 3]
    assert list(chunked([], lambda: 4)) == []
