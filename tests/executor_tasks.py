"""Tasks for the executor and packing tests: real tasks of a tiny experiment, and functions a
worker process can import by name (a Dask or pool worker unpickles them from here)."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import sweep_helpers as h
from sim.sweep import experiment as ex
from sim.sweep.grouping import twin_groups
from sim.sweep.runner import make_tasks

DIE_EXIT_CODE = 3
BURN_IN_WEEKS = 4


def real_tasks(folder: Path, fail: tuple[int, ...] = ()) -> list[dict]:
    """The tasks of the sweep tests' tiny experiment with a short burn-in, so that each run
    under rotation shares its burn-in with the baseline run of its seed: the first half of the
    tasks are such bundles, the rest are split into their members (single runs).  The runs
    ``fail`` fail through the task's test hook."""
    text = h.TINY.format(name="tiny", seed=7, reps=1).replace(
        '"run.burn_in_weeks" = 0', f'"run.burn_in_weeks" = {BURN_IN_WEEKS}')
    exp = ex.load_experiment(h.write_experiment(folder, text=text))
    design = ex.expand(exp)
    bundles = list(make_tasks(exp, design, twin_groups(design, list(design.table["run_id"]))))
    half = len(bundles) // 2
    tasks = bundles[:half] + [run for task in bundles[half:] for run in task["bundle"]]
    for task in tasks:
        for run in task.get("bundle", [task]):
            run["fail"] = run["run_id"] in fail
    return tasks


def echo(task: dict) -> dict:
    """The task's id and the worker's pid."""
    return {"run_id": task["run_id"], "pid": os.getpid()}


def die_on(task: dict) -> dict:
    """Kill the worker process for a task marked ``die``, else as :func:`echo`."""
    if task.get("die"):
        os._exit(DIE_EXIT_CODE)
    return echo(task)


def bits(value: float) -> bytes:
    return struct.pack("<d", value)


def assert_same_run(got: dict, want: dict) -> None:
    """Strict equality of two run result dicts (NaN equal to NaN only with the same bits)."""
    assert list(got) == list(want)
    for key in ("run_id", "status", "error"):
        assert got[key] == want[key] and type(got[key]) is type(want[key])
    assert list(got["kpis"]) == list(want["kpis"])
    assert [bits(v) for v in got["kpis"].values()] == [bits(v) for v in want["kpis"].values()]
    assert all(type(v) is float for v in got["kpis"].values())
    for table in ("weekly", "reps"):
        if want[table] is None:
            assert got[table] is None
            continue
        assert list(got[table]) == list(want[table])
        for name, values in want[table].items():
            mine = got[table][name]
            assert mine.dtype == values.dtype and mine.shape == values.shape, name
            assert mine.tobytes() == values.tobytes(), name
