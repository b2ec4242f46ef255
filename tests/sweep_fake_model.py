"""A tiny stand-in for ``sim.scenario.runner.run_scenario`` used by the sweep tests.

Deterministic in (scenario, seed).  Raises when ``comp.cap`` is above 50, and kills its own
process when ``comp.cap`` is exactly 99, so that tests can make runs fail on purpose.  Each run
sleeps ``SWEEP_FAKE_SLEEP`` seconds (default 0.002) to stand in for real work.
"""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

import numpy as np


def run(scenario, seed: int, weeks: int | None = None, panel: bool = False):
    weeks = weeks or scenario.run.weeks
    if scenario.comp.cap == 99:
        os._exit(3)
    if scenario.comp.cap > 50:
        raise ValueError(f"cap {scenario.comp.cap} is too high for the fake model")
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    n = scenario.org.n_reps
    lift = 1.0 + scenario.comp.commission_rate + 0.1 * scenario.policies.rotation.enabled
    revenue = rng.lognormal(10, 0.3, weeks) * n * lift
    headcount = np.full(weeks, n) - rng.integers(0, 2, weeks)
    time.sleep(float(os.environ.get("SWEEP_FAKE_SLEEP", "0.002")))
    return SimpleNamespace(
        summary={"revenue_total": float(revenue.sum()), "rep_turnover": float(rng.random()),
                 "revenue_by_year": [float(revenue[:10].sum()), float(revenue[10:].sum())],
                 "tactic_rep_weeks": {"quiet_quitting": float(rng.integers(0, 9))}},
        weekly={"week": np.arange(weeks), "revenue": revenue, "headcount": headcount,
                "tactic_quiet_quitting": rng.integers(0, 3, weeks), "unused": np.zeros(weeks)},
        reps={"rep_id": np.arange(n), "revenue": rng.random(n)})
