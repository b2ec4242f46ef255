"""Headline policy directions over paired seeds (issue 4), with 95% intervals printed.

Each comparison runs the baseline and the policy scenario with the same seeds (common random
numbers) and tests the mean paired difference with a t-interval.  Seeds are fixed, and the
number of pairs was chosen so that each interval excludes zero by a wide margin.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.scenario.loading import load_scenario
from sim.scenario.runner import run_replications

ROOT = Path(__file__).resolve().parent.parent
SEEDS = range(1000, 1016)
# One year of warm-up and two measured years keep the file to a few minutes; the directions
# tested here do not depend on the warm-up length.
SHORT = ["run.burn_in_weeks=52", "run.weeks=104"]


@lru_cache(maxsize=None)
def summaries(name: str) -> tuple[dict, ...]:
    sc = load_scenario(ROOT / "scenarios" / f"{name}.toml", SHORT)
    # Side by side (sim.world.replicas): each equals its serial run (tests/test_replicas.py).
    return tuple(r.summary for r in run_replications(sc, SEEDS, panel=False))


def paired(name: str, key: str) -> tuple[float, float, float]:
    d = np.array([p[key] - b[key] for p, b in zip(summaries(name), summaries("baseline"))])
    half = stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
    m = float(d.mean())
    print(f"{name} - baseline, {key}: {m:+.4g} (95% CI {m - half:+.4g} .. {m + half:+.4g}),"
          f" n={d.size} paired seeds")
    return m, m - half, m + half


@pytest.mark.slow
def test_rotation_lowers_revenue_lost_to_departures():
    _, lo, hi = paired("rotation", "revenue_lost_to_departures")
    assert hi < 0


@pytest.mark.slow
def test_pushover_raises_later_leverage_events():
    _, lo, hi = paired("pushover", "leverage_events")
    assert lo > 0


@pytest.mark.slow
def test_micromanagement_raises_stress_and_attrition():
    assert paired("micromanager", "mean_stress")[1] > 0
    assert paired("micromanager", "attrition_rate_annual")[1] > 0


@pytest.mark.slow
def test_independence_lowers_manager_overload():
    _, lo, hi = paired("independence", "manager_overload_share")
    assert hi < 0
    assert paired("independence", "mean_dependency")[2] < 0
