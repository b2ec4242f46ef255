"""Where sweep runs execute: in this process, a local process pool, or a Dask cluster.

Every executor takes an iterator of tasks and yields what the task function returns as runs
finish (in any order; a sweep's workers return packed blocks, ``sim.sweep.packing``), or
``None`` when nothing finished within ``heartbeat`` seconds so the caller can flush buffered
results on time.  Only a bounded number of tasks is in flight at once, which keeps
memory flat however long the sweep.  A task whose worker dies comes back as a failed result.

Dask sends several tasks as one Dask task (a *chunk*) when runs are short: Dask's own cost per
task (the scheduler's bookkeeping, a round trip to gather each result) is paid once a chunk,
and a chunk travels as one pickled ``bytes`` block each way, which Dask neither walks nor splits
into frames.  A chunk whose worker is lost is sent again one task at a time, so that only a task
that fails by itself is recorded as failed.
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import logging
import multiprocessing as mp
import os
import pickle
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent import futures as cf
from typing import Any

from sim.common.errors import UserError

IN_FLIGHT_PER_WORKER = 4
PRELOAD = ("sim.sweep.task", "sim.sweep.packing", "sim.scenario.schema", "sim.scenario.runner",
           "sim.sweep.experiment")  # what tasks unpickle
PARENT_POLL_S = 1.0
WARM_UP_HOLD_S = 0.2  # seconds each warm-up task keeps its worker busy (PoolExecutor.warm_up)
RESIZE_S = 5.0  # how often a Dask sweep re-reads the cluster's size
MIN_IN_FLIGHT = 8  # Dask chunks in flight at least, however small the cluster looks
CHUNK_TARGET_S = 0.5  # worker seconds a Dask chunk aims at: its fixed cost then stays small
MAX_CHUNK_TASKS = 32  # tasks per Dask chunk at most (bounds memory, results stream on)
# The LocalCluster started here has no dashboard, so it needs neither the workers' statistical
# profiler (it samples the running task every 10 ms: a few per cent of every run) nor the
# event-loop health check every 20 ms in each of its processes (it logs below what we show).
CLUSTER_CONFIG = {"distributed.worker.profile.enabled": False,
                  "distributed.admin.tick.interval": "1s"}


def lost(task: dict, err: BaseException) -> dict:
    """The failed result for a task whose worker raised outside the model (e.g. it died)."""
    from sim.sweep.task import failed, one_line
    return failed(task, f"worker lost: {one_line(err)}")


class Executor:
    """Interface: ``results(fn, tasks, heartbeat)`` and ``close()``; usable as a context."""

    kind = "base"
    workers = 1

    def results(self, fn: Callable[[dict], dict], tasks: Iterable[dict],
                heartbeat: float = 1.0) -> Iterator[dict | None]:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "workers": self.workers}

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class SerialExecutor(Executor):
    """Runs every task in this process, one after the other (``--workers 1``)."""

    kind = "local"

    def __init__(self, kernels: bool = False):
        if kernels:  # loaded before the first run, as the pools' workers load them
            warm_kernels()

    def results(self, fn, tasks, heartbeat=1.0):
        for task in tasks:
            yield fn(task)


def _drive(submit: Callable[[dict], Any], wait_any: Callable[[set, float], set],
           tasks: Iterable[dict], limit: Callable[[], int], heartbeat: float,
           lost_errors: tuple[type[BaseException], ...],
           on_lost: Callable[[dict, BaseException], dict | None] = lost
           ) -> Iterator[dict | None]:
    """Keep up to ``limit()`` tasks in flight; yield each result as it finishes, or None.

    A future that raises one of ``lost_errors`` (its worker died) is passed to ``on_lost``,
    which returns the result to yield (by default a failed one) or None to yield nothing.
    """
    pending: dict[Any, dict] = {}
    source = iter(tasks)
    exhausted = False
    while True:
        while not exhausted and len(pending) < limit():
            task = next(source, None)
            if task is None:
                exhausted = True
                break
            pending[submit(task)] = task
        if not pending:
            return
        done = wait_any(set(pending), heartbeat)
        if not done:
            yield None
        for fut in done:
            task = pending.pop(fut)
            try:
                result = fut.result()
            except lost_errors as err:
                result = on_lost(task, err)
            if hasattr(fut, "release"):
                fut.release()
            if result is not None:
                yield result


def pool_context() -> mp.context.BaseContext:
    """'forkserver' where available (safe with threads, cheap starts), else 'spawn'."""
    if sys.platform != "win32" and "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        # Import the model once in the server, not once per worker.
        ctx.set_forkserver_preload([m for m in PRELOAD if importlib.util.find_spec(m)])
        return ctx
    return mp.get_context("spawn")


def _gone(pid: int, created: float) -> bool:
    import psutil
    try:
        proc = psutil.Process(pid)
        return proc.create_time() != created or proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _exit_when_gone(pid: int, created: float) -> None:
    while not _gone(pid, created):
        time.sleep(PARENT_POLL_S)
    os._exit(1)


def self_identity() -> tuple[int, float]:
    """This process's pid and start time (a pid alone may be reused)."""
    import psutil
    return os.getpid(), psutil.Process().create_time()


def watch_parent(pid: int, created: float) -> None:
    """Worker initializer: exit once the sweep process ``pid`` has died.

    Pool workers otherwise wait for tasks forever when their sweep dies without shutting the
    pool down (SIGKILL), and the forkserver lives as long as they do.  A dead sweep nobody has
    reaped yet is a zombie, which still answers ``kill(pid, 0)``; hence psutil.
    """
    threading.Thread(target=_exit_when_gone, args=(pid, created), daemon=True).start()


def _hold(seconds: float, kernels: bool = False) -> int:
    """A warm-up task: load the compiled kernels if asked (sim.scenario.runner.warm_kernels),
    then keep this worker busy for ``seconds``; return its pid."""
    if kernels:
        warm_kernels()
    time.sleep(seconds)
    return os.getpid()


def warm_kernels() -> None:
    from sim.scenario.runner import warm_kernels as warm
    warm()


class PoolExecutor(Executor):
    """A local pool of worker processes (``--workers N``)."""

    kind = "local"

    def __init__(self, workers: int, kernels: bool = False):
        self.workers = workers
        self.kernels = kernels
        self.pool = self._new_pool()
        self.warm_up()

    def warm_up(self) -> None:
        """Start the workers now (the pool would start them on the first tasks), so that the
        forkserver's imports are not counted in the sweep's runs per second.  The pool starts
        a new worker for a task only if none is idle, and the first submit waits for the
        forkserver to boot, long enough for the first worker to finish a quick task: so each
        warm-up task holds its worker for WARM_UP_HOLD_S, and every submit finds them busy.
        A sweep on the compiled path also loads the kernels in each worker here (about a
        second a worker: numba and ~50 kernels from its cache)."""
        try:
            for fut in [self.pool.submit(_hold, WARM_UP_HOLD_S, self.kernels)
                        for _ in range(self.workers)]:
                fut.result()
        except cf.process.BrokenProcessPool:  # runs will meet the fault and record it
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = self._new_pool()

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        # No max_tasks_per_child: on CPython 3.13.0 a pool whose workers retire that way stops
        # starting new ones and the sweep hangs with tasks pending (tests/test_executors.py).
        return cf.ProcessPoolExecutor(self.workers, mp_context=pool_context(),
                                      initializer=watch_parent,
                                      initargs=self_identity())

    def _submit(self, fn, task: dict) -> cf.Future:
        try:
            return self.pool.submit(fn, task)
        except cf.process.BrokenProcessPool:  # a worker died: start a fresh pool
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = self._new_pool()
            return self.pool.submit(fn, task)

    def results(self, fn, tasks, heartbeat=1.0):
        """Yield results; when a worker dies, every task in flight with it is lost.

        Those tasks are run again at the end, one at a time, so that only a task that kills
        its worker by itself is recorded as failed.
        """
        def wait_any(fs, timeout):
            return cf.wait(fs, timeout=timeout, return_when=cf.FIRST_COMPLETED).done

        suspects: list[dict] = []
        yield from _drive(lambda t: self._submit(fn, t), wait_any, tasks,
                          lambda: self.workers * IN_FLIGHT_PER_WORKER, heartbeat,
                          (cf.process.BrokenProcessPool,),
                          lambda task, err: suspects.append(task))
        yield from _drive(lambda t: self._submit(fn, t), wait_any, suspects, lambda: 1,
                          heartbeat, (cf.process.BrokenProcessPool,))

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def preload(names: list[str], kernels: bool = False) -> None:
    """Import the modules ``names``, and load the compiled kernels if asked (run on each
    Dask worker before the sweep starts)."""
    for name in names:
        importlib.import_module(name)
    if kernels:
        warm_kernels()


def ship(fn: Callable, chunk: list) -> bytes:
    """A Dask chunk, function included, as one opaque block (cloudpickle, as Dask would)."""
    import cloudpickle
    return cloudpickle.dumps((fn, chunk), protocol=pickle.HIGHEST_PROTOCOL)


def run_chunk(block: bytes) -> bytes:
    """Dask worker side: run each task of a shipped chunk; returns the worker seconds it took
    and the function's results, pickled as one block."""
    fn, chunk = pickle.loads(block)
    start = time.perf_counter()
    outputs = [fn(task) for task in chunk]
    return pickle.dumps((time.perf_counter() - start, outputs), protocol=pickle.HIGHEST_PROTOCOL)


class ChunkSizer:
    """How many tasks the next Dask chunk takes: enough for about ``CHUNK_TARGET_S`` of worker
    time at the mean time per task measured so far (one task until a chunk has come back)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.tasks = 0

    def record(self, seconds: float, tasks: int) -> None:
        self.seconds += seconds
        self.tasks += tasks

    def size(self) -> int:
        if not self.tasks:
            return 1
        per_task = self.seconds / self.tasks
        if per_task <= 0:
            return MAX_CHUNK_TASKS
        return max(1, min(MAX_CHUNK_TASKS, int(CHUNK_TARGET_S / per_task)))


def chunked(tasks: Iterable[dict], size: Callable[[], int]) -> Iterator[list[dict]]:
    """``tasks`` in consecutive lists of ``size()`` (asked afresh for every list)."""
    source = iter(tasks)
    while chunk := list(itertools.islice(source, size())):
        yield chunk


class DaskExecutor(Executor):
    """Runs on Dask: a LocalCluster started here, or an existing scheduler's cluster."""

    def __init__(self, workers: int | None = None, scheduler: str | None = None,
                 kernels: bool = False):
        self.kernels = kernels
        import dask
        from distributed import Client, LocalCluster
        logging.getLogger("distributed").setLevel(logging.ERROR)
        self.cluster = None
        if scheduler:
            self.kind = "dask-scheduler"
            try:
                self.client = Client(scheduler, timeout="15s")
            except (OSError, TimeoutError) as err:
                raise UserError(f"--scheduler {scheduler}: cannot reach the Dask scheduler "
                                f"({err})") from None
        else:
            self.kind = "dask-local"
            with dask.config.set(CLUSTER_CONFIG):  # read as they start; nannies pass it on
                self.cluster = LocalCluster(n_workers=workers or (os.process_cpu_count() or 1),
                                            threads_per_worker=1, processes=True,
                                            dashboard_address=None, silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        self.scheduler = scheduler
        self.workers = self.threads()
        self.warm_up()

    def warm_up(self) -> None:
        """Import the model on every worker now, as the pool's forkserver does, so that seconds
        of imports per worker are not counted in the sweep's runs per second.  A worker that
        cannot import it is left for the runs to find (they come back failed)."""
        try:
            self.client.run(preload, [m for m in PRELOAD if importlib.util.find_spec(m)],
                            self.kernels)
        except Exception:  # noqa: BLE001 - e.g. a worker without salesim; see above
            pass

    def threads(self) -> int:
        info = self.client.scheduler_info(n_workers=-1)
        return max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "workers": self.threads(), "scheduler": self.scheduler}

    def results(self, fn, tasks, heartbeat=1.0):
        """Yield results, sending tasks in chunks sized by :class:`ChunkSizer`.  The tasks of
        every lost chunk are sent again at the end, one at a time (as the pool does), so that
        only a task that loses its worker by itself is recorded as failed.  A chunk of one
        task is no exception: it may have been queued on the worker that another chunk's task
        killed (a sweep's first chunks hold one task each)."""
        sizer, suspects = ChunkSizer(), []

        def regroup(chunk, err):
            suspects.extend(chunk)
            return None

        yield from self._chunks(fn, chunked(tasks, sizer.size), heartbeat, regroup, sizer)
        if suspects:
            yield from self._chunks(fn, chunked(suspects, lambda: 1), heartbeat,
                                    lambda chunk, err: [lost(chunk[0], err)], sizer, alone=True)

    def _chunks(self, fn, chunks: Iterable[list[dict]], heartbeat: float,
                on_lost: Callable[[list[dict], BaseException], list | None],
                sizer: ChunkSizer, alone: bool = False) -> Iterator[Any]:
        """Run ``chunks`` (one in flight with ``alone``) and yield their results or None."""
        from distributed import wait

        def wait_any(fs, timeout):
            try:
                return wait(list(fs), timeout=timeout, return_when="FIRST_COMPLETED").done
            except TimeoutError:
                return set()

        def submit(chunk):
            return self.client.submit(run_chunk, ship(fn, chunk), pure=False)

        # The cluster may grow (dask-jobqueue, Kubernetes): re-read its size as we go, but at
        # most every RESIZE_S (each read is a round trip to the scheduler, which asked on every
        # task cost more than a tiny run).
        # Any error outside the model (KilledWorker, a worker without salesim) loses the chunk.
        size = {"threads": self.threads(), "read": time.monotonic()}

        def limit():
            if alone:
                return 1
            if time.monotonic() - size["read"] > RESIZE_S:
                size["threads"], size["read"] = self.threads(), time.monotonic()
            return max(MIN_IN_FLIGHT, size["threads"] * IN_FLIGHT_PER_WORKER)

        for got in _drive(submit, wait_any, chunks, limit, heartbeat, (Exception,), on_lost):
            if isinstance(got, bytes):  # a chunk that ran: its worker seconds and results
                seconds, got = pickle.loads(got)
                sizer.record(seconds, len(got))
            yield from [None] if got is None else got

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(kind: str = "local", workers: int | None = None,
                  scheduler: str | None = None, kernels: bool = False) -> Executor:
    """The executor the command line asks for; ``kernels``: its workers load the compiled
    kernels while they start (the sweep will run the compiled path)."""
    if workers is not None and workers < 1:
        raise UserError(f"--workers {workers}: expected a whole number of at least 1")
    if scheduler or kind == "dask":
        return DaskExecutor(workers, scheduler, kernels)
    n = workers or (os.process_cpu_count() or 1)
    return SerialExecutor(kernels) if n == 1 else PoolExecutor(n, kernels)
