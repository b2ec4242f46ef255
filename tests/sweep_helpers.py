"""Shared helpers for the sweep tests: tiny experiment files and reading results back."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd

from sim import cli
from sim.sweep.storage import read_reptable, read_runs, read_weekly

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
# The model the sweep tests run: "module:function", or None for the real sim.scenario.runner model.
RUN_FUNCTION: str | None = None

TINY = """\
[experiment]
name = "{name}"
seed = {seed}
replications = {reps}
weeks = 20
seasons = ["holiday_peak", "flat"]
reference = "baseline"

[set]
"org.n_reps" = 16
"run.burn_in_weeks" = 0  # sweep mechanics, not the warm-up

[policies]
baseline = {{}}
rotation = {{ "policies.rotation.enabled" = true }}

[factors]
"comp.commission_rate" = [0.06, 0.1]
"""


def write_experiment(folder: Path, name: str = "tiny", seed: int = 7, reps: int = 3,
                     extra: str = "", text: str | None = None) -> Path:
    path = folder / f"{name}.toml"
    path.write_text((text if text is not None else TINY.format(name=name, seed=seed, reps=reps))
                    + extra, encoding="utf-8")
    return path


def sweep(*args: str) -> int:
    """Run ``salesim sweep`` in this process."""
    return cli.main(["sweep", *map(str, args), "--quiet"])


def results(out: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return read_runs(out), read_weekly(out), read_reptable(out)


def assert_same_results(a: Path, b: Path) -> None:
    """Two sweep folders hold identical rows in runs, weekly and reptable."""
    for left, right in zip(results(a), results(b)):
        pd.testing.assert_frame_equal(left, right, check_exact=True)


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for ``python -m sim`` subprocesses that use the test model."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), str(ROOT), env.get("PYTHONPATH", "")])
    if RUN_FUNCTION:
        env["SALESIM_RUN_FUNCTION"] = RUN_FUNCTION
    env.update(extra)
    return env


def python() -> str:
    return sys.executable


FAKE_MODEL = "sweep_fake_model:run"


def use_fake_model(monkeypatch, flush_runs: int = 4) -> None:
    """Sweep tests that need no real model: the fast stand-in, small parts, no hooks set."""
    import sim.sweep.runner as sweep_mod
    monkeypatch.setattr(sweep_mod, "RUN_FUNCTION", FAKE_MODEL)
    for hook in ("SALESIM_FAIL_RUN_IDS", "SALESIM_CRASH_AT"):
        monkeypatch.delenv(hook, raising=False)
    monkeypatch.setenv("SALESIM_FLUSH_RUNS", str(flush_runs))
