"""Write a single run's results to a directory: Parquet tables, JSON summary, resolved TOML.

Every file is written to a temporary name and renamed into place, so an interrupted run
leaves only complete files.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from sim.common.atomic import atomic_path, ensure_writable_dir, write_text_atomic
from sim.scenario.loading import dump_toml
from sim.scenario.runner import RunResult
from sim.scenario.schema import Scenario, scenario_to_dict


def json_safe(value):
    """Replace NaN/inf with None so the file is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    return value


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)


RUN_MARK = ".salesim-run"


def mark_run_dir(out: Path) -> None:
    """Mark ``out`` as a run folder before anything else is written there."""
    write_text_atomic(Path(out) / RUN_MARK, "written by salesim run\n")


def is_run_dir(out: Path) -> bool:
    """A folder that salesim run wrote, even if that run was killed before summary.json."""
    return (Path(out) / RUN_MARK).is_file() or (Path(out) / "summary.json").is_file()


def write_run_dir(result: RunResult, scenario: Scenario, out: str | Path) -> Path:
    out = ensure_writable_dir(out)
    mark_run_dir(out)
    tables = {"weekly": result.weekly, "rep_table": result.reps, "reps": result.panel,
              "accounts": result.accounts, "events": result.events,
              "handovers": result.handovers, "accounts_weekly": result.accounts_weekly}
    for name, data in tables.items():
        if data is not None:
            write_parquet(pd.DataFrame(data), out / f"{name}.parquet")
    write_text_atomic(out / "scenario.resolved.toml", dump_toml(scenario_to_dict(scenario)))
    text = json.dumps(json_safe(result.summary), indent=2, sort_keys=False) + "\n"
    write_text_atomic(out / "summary.json", text)
    return out
