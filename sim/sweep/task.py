"""One run of a sweep, as executed in a worker process.

A *task* is a plain dict (picklable, sent to local processes or Dask workers):

``run_id``, ``seed``, ``weeks``, ``scenario`` (a validated scenario dict), ``kpis`` (names to
keep; empty = all), ``run_function`` (``"module:function"``; default the real model) and
``fail`` (test hook: raise instead of running, see ``SALESIM_FAIL_RUN_IDS``).

The result is a plain dict too: ``run_id``, ``status`` (``"ok"`` or ``"failed"``), ``error``
(one line or None), ``kpis`` (flat dict of floats), ``weekly`` and ``reps`` (dicts of arrays, or
None for a failed run).  A run that raises never escapes as an exception: it comes back as a
failed result, so the sweep goes on.

A *bundle* task, ``{"run_id": ..., "bundle": [task, ...]}``, holds runs whose scenarios differ
only in their policies and share a seed: they share one burn-in
(``sim.scenario.runner.run_policies``), and the result is ``{"run_id": ..., "bundle":
[result, ...]}``, one result per member, each identical to what the member alone returns.
With ``"replicas": "policies"`` the members are bundles of the same scenarios under different
seeds: their burn-ins are stepped side by side once and forked per scenario.
With ``"replicas": True`` the members are one scenario under different seeds, stepped side by
side as one model (``sim.scenario.runner.run_replications``); the result has the same form.
"""

from __future__ import annotations

import importlib
import math
import signal
import threading
from contextlib import contextmanager
from typing import Any, Callable

import numpy as np

from sim.world import kernels

DEFAULT_RUN_FUNCTION = "sim.scenario.runner:run_scenario"
WEEKLY_KEEP = ("week", "revenue", "headcount", "overload_share", "leverage_events",
               # the money ledger of the report (sim/report/money.py), week by week
               "discounts", "cogs", "comp_cost", "concession_cost", "program_cost", "quits")
WEEKLY_PREFIXES = ("tactic_", "hours_")
INJECTED = "failure injected by the SALESIM_FAIL_RUN_IDS test hook"


def resolve_function(spec: str | None) -> Callable:
    """``"package.module:function"`` to the function itself."""
    module, _, name = (spec or DEFAULT_RUN_FUNCTION).partition(":")
    return getattr(importlib.import_module(module), name)


def flatten(data: dict, prefix: str = "", lists: bool = False) -> dict[str, Any]:
    """Nested dicts to dotted keys (``a.b``); with ``lists`` also lists (``a.0``, ``a.1``)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if lists and isinstance(value, (list, tuple, np.ndarray)):
            value = {str(i): v for i, v in enumerate(value)}
        if isinstance(value, dict):
            out.update(flatten(value, name + ".", lists))
        else:
            out[name] = value
    return out


def flatten_kpis(summary: dict) -> dict[str, float]:
    """KPI dict to flat float columns, e.g. ``tactic_rep_weeks.quiet_quitting``."""
    return {k: float(v) for k, v in flatten(summary, lists=True).items()
            if isinstance(v, (int, float, np.integer, np.floating, np.bool_))}


def select_kpis(flat: dict[str, float], names: list[str]) -> dict[str, float]:
    """Keep the named KPIs; a name also keeps its flattened parts (``tactic_rep_weeks.*``).

    A name the model does not produce is kept as NaN, so every run has the same columns.
    """
    if not names:
        return flat
    out = {}
    for name in names:
        parts = {k: v for k, v in flat.items() if k == name or k.startswith(name + ".")}
        out.update(parts or {name: math.nan})
    return out


def compact_weekly(weekly: dict[str, Any]) -> dict[str, np.ndarray]:
    """The weekly columns a sweep keeps: enough for time-series plots."""
    out = {}
    for key, values in weekly.items():
        if key in WEEKLY_KEEP or key.startswith(WEEKLY_PREFIXES):
            out[key] = np.asarray(values)
    if "week" not in out and out:
        out["week"] = np.arange(len(next(iter(out.values()))))
    return out


def one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def run_model(task: dict) -> Any:
    """Build the scenario and call the model (module level so tests can replace it)."""
    from sim.scenario.schema import scenario_from_dict
    fn = resolve_function(task.get("run_function"))
    return fn(scenario_from_dict(task["scenario"]), task["seed"], weeks=task["weeks"],
              panel=False)


def run_replicas(tasks: list[dict]) -> list:
    """Runs of one scenario under their seeds, side by side as one model (module level, as
    :func:`run_model`, so tests can replace it)."""
    from sim.scenario.runner import run_replications
    from sim.scenario.schema import scenario_from_dict
    return run_replications(scenario_from_dict(tasks[0]["scenario"]),
                            [t["seed"] for t in tasks], weeks=tasks[0]["weeks"], panel=False)


def run_bundles_replicated(tasks: list[dict]) -> list:
    """Runs of a few scenarios (sharing a world) under a few seeds: the seeds' burn-ins side
    by side once, forked per scenario (sim.scenario.runner.run_policies_replicated); the
    results in the order of ``tasks``."""
    import json
    from sim.scenario.runner import run_policies_replicated
    from sim.scenario.schema import scenario_from_dict
    keys = [json.dumps(t["scenario"], sort_keys=True, default=str) for t in tasks]
    cells = list(dict.fromkeys(keys))
    seeds = list(dict.fromkeys(t["seed"] for t in tasks))
    scenarios = [scenario_from_dict(tasks[keys.index(k)]["scenario"]) for k in cells]
    out = run_policies_replicated(scenarios, seeds, weeks=tasks[0]["weeks"], panel=False)
    return [out[cells.index(k)][seeds.index(t["seed"])] for k, t in zip(keys, tasks)]


def failed(task: dict, error: str) -> dict:
    if "bundle" in task:
        return {"run_id": task["run_id"], "bundle": [failed(t, error) for t in task["bundle"]]}
    return {"run_id": task["run_id"], "status": "failed", "error": error, "kpis": {},
            "weekly": None, "reps": None}


def members(result: dict) -> list[dict]:
    """The run results a (bundle or single) result carries."""
    return result["bundle"] if "bundle" in result else [result]


class RunTimeout(Exception):
    """A run went on longer than the sweep's per-run timeout."""


def _alarm(signum, frame):
    raise RunTimeout


@contextmanager
def deadline(seconds: float | None):
    """Raise :class:`RunTimeout` in this thread after ``seconds`` (a worker's main thread only;
    elsewhere, e.g. in a Dask worker thread, the run is not timed)."""
    if not seconds or threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "setitimer"):
        yield
        return
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def ok(task: dict, result) -> dict:
    return {"run_id": task["run_id"], "status": "ok", "error": None,
            "kpis": select_kpis(flatten_kpis(result.summary), task.get("kpis") or []),
            "weekly": compact_weekly(result.weekly),
            "reps": {k: np.asarray(v) for k, v in (result.reps or {}).items()}}


def execute_run(task: dict) -> dict:
    """Run one task (or bundle) and return its result dict; errors become a failed result.
    The task's ``compiled`` (sim.world.kernels.MODES) picks the path for its duration."""
    first = task["bundle"][0] if "bundle" in task else task
    with kernels.mode(first.get("compiled", "auto")):
        return execute_bundle(task) if "bundle" in task else _execute(task)


def _execute(task: dict) -> dict:
    try:
        if task.get("fail"):
            raise RuntimeError(INJECTED)
        with deadline(task.get("timeout")):
            result = run_model(task)
        return ok(task, result)
    except RunTimeout:
        return failed(task, f"timeout: the run took longer than {task['timeout']:g} s "
                      "(--run-timeout)")
    except Exception as err:  # noqa: BLE001 - any model error is recorded, not raised
        return failed(task, one_line(err))


def execute_bundle(task: dict) -> dict:
    """Run a bundle's members with one shared burn-in.  If anything goes wrong (a model error,
    the bundle's deadline: the per-run timeout times its runs), each member runs again on its
    own, so that only a run that fails by itself is recorded as failed."""
    from sim.scenario.runner import run_policies
    from sim.scenario.schema import scenario_from_dict
    runs = [t for t in task["bundle"] if not t.get("fail")]
    done = {t["run_id"]: failed(t, INJECTED) for t in task["bundle"] if t.get("fail")}
    if runs:
        timeout = runs[0].get("timeout")
        try:
            with deadline(timeout * len(runs) if timeout else None):
                if task.get("replicas") == "policies":  # bundles of several seeds
                    results = run_bundles_replicated(runs)
                elif task.get("replicas"):  # one design point, several seeds, side by side
                    results = run_replicas(runs)
                else:
                    results = run_policies([scenario_from_dict(t["scenario"]) for t in runs],
                                           runs[0]["seed"], weeks=runs[0]["weeks"],
                                           panel=False)
            done.update({t["run_id"]: ok(t, r) for t, r in zip(runs, results)})
        except Exception:  # noqa: BLE001 - RunTimeout too: each member alone says what failed
            done.update({t["run_id"]: execute_run(t) for t in runs})
    return {"run_id": task["run_id"], "bundle": [done[t["run_id"]] for t in task["bundle"]]}
