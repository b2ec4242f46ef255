"""The public Python API: the model as a function, for notebooks, EMA Workbench or SALib."""

from __future__ import annotations

import os
from argparse import Namespace
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sim.scenario.loading import load_scenario
from sim.scenario.runner import RunResult, run_scenario
from sim.scenario.schema import Scenario


def run(scenario: Scenario | str | os.PathLike | None = None, seed: int = 0,
        weeks: int | None = None, sets: Sequence[str] = (), panel: bool = True,
        account_panel: bool = False) -> RunResult:
    """Simulate one scenario (an object, a TOML path, or None for the baseline).

    Returns a :class:`RunResult`: ``summary`` (the KPIs), ``weekly`` and ``reps`` (tables as
    dicts of arrays) and, with ``panel``, the rep-week panel, the final account book and the
    event log and the handover log; with ``account_panel`` also the account-by-week panel.
    ``sets`` are ``--set`` style overrides such as ``"org.n_reps=20"``.
    """
    if scenario is None or isinstance(scenario, (str, os.PathLike)) or sets:
        if isinstance(scenario, Scenario):
            raise TypeError("sets= applies to a scenario file or the baseline, not an object")
        scenario = load_scenario(scenario, sets)
    result = run_scenario(scenario, seed=seed, weeks=weeks, panel=panel,
                          account_panel=account_panel)
    result.summary["seed"] = seed
    return result


def run_sweep(experiment: str | os.PathLike, out: str | os.PathLike | None = None,
              workers: int | None = None, replications: int | None = None,
              executor: str = "local", scheduler: str | None = None, force: bool = False,
              quiet: bool = True, batch: int | None = None) -> pd.DataFrame:
    """Run (or resume) the sweep an experiment file declares; return its runs table.

    The folder ``out`` (default ``results/sweeps/<experiment name>``) streams every finished
    run to disk, so calling again after a crash resumes.  Failed runs are rows with
    ``status = "failed"``; bad input raises :class:`sim.common.errors.UserError`.
    """
    from sim.common.sweepdir import read_runs
    from sim.sweep.experiment import load_experiment
    from sim.sweep.runner import run_sweep as sweep

    if out is None:
        out = Path("results") / "sweeps" / load_experiment(experiment).name
    args = Namespace(experiment=str(experiment), out=str(out), workers=workers,
                     executor=executor, scheduler=scheduler, dry_run=False,
                     replications=replications, quiet=quiet, force=force, yes=True,
                     batch=batch)
    sweep(args)
    return read_runs(out)
