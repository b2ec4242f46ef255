"""Replications side by side (issue 19 item 4): each replication of a stacked model equals the
serial run of its seed, bit for bit, in every table a run writes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from sim.scenario.loading import load_scenario
from sim.scenario.runner import run_replications, run_scenario
from sim.world import kernels

SCENARIOS = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.toml"))
SEEDS = (11, 12, 13)


def digest(res) -> str:
    """One hash over a run's summary and every table (the one of tools/fingerprint.py)."""
    h = hashlib.sha256(json.dumps(res.summary, sort_keys=True, default=str).encode())
    for part in (res.weekly, res.reps, res.panel, res.accounts, res.events, res.handovers,
                 res.accounts_weekly):
        for name in sorted(part or {}):
            arr = np.ascontiguousarray(np.asarray(part[name]))
            h.update(name.encode())
            h.update(str(arr.dtype).encode())
            h.update(arr.tobytes() if arr.dtype != object else repr(arr.tolist()).encode())
    return h.hexdigest()


def small(path: Path, reps: int = 24, burn_in: int = 0):
    sc = load_scenario(path)
    sc.org.n_reps = reps
    sc.run.burn_in_weeks = burn_in
    return sc


def check(sc, weeks: int, seeds=SEEDS, account_panel: bool = False, path: str = "off") -> None:
    """Batched against serial on one path: numpy (``"off"``, the default, whatever this
    process has loaded), or the kernels at every size (``"on"``)."""
    with kernels.mode(path):
        batched = run_replications(sc, seeds, weeks, account_panel=account_panel)
        serial = [run_scenario(sc, seed, weeks, account_panel=account_panel) for seed in seeds]
    assert len(batched) == len(seeds)
    for seed, res, serial in zip(seeds, batched, serial):
        same = json.dumps(res.summary, sort_keys=True, default=str)  # (NaN == NaN here)
        assert same == json.dumps(serial.summary, sort_keys=True, default=str), (sc.name, seed)
        assert digest(res) == digest(serial), (sc.name, seed)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_each_replication_equals_its_serial_run(path):
    check(small(path), weeks=60, seeds=SEEDS[:2])


def test_with_a_burn_in_and_the_account_panel():
    check(small(SCENARIOS[0], reps=30, burn_in=26), weeks=40, account_panel=True)


@pytest.mark.parametrize("name", ["baseline", "team_bonus", "rotation"])
def test_one_team_per_replication(name):
    # one manager: numpy sums a single column pairwise but many columns row by row
    check(small(Path(SCENARIOS[0].parent / f"{name}.toml"), reps=7), weeks=60)


@pytest.mark.parametrize("name", ["baseline", "rotation", "capped_plan"])
def test_with_the_compiled_kernels_on(name):
    # The stacked model reaches the kernels' size threshold at 1/R of the serial size, so
    # both must agree at any size (numba is an optional extra: without it both are numpy).
    check(small(Path(SCENARIOS[0].parent / f"{name}.toml")), weeks=40, path="on")
