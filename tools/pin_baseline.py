"""Re-pin the baseline KPIs that tests/test_regression.py guards.

Run this only when a change is *meant* to change model results, and say so in the commit.
Usage: python tools/pin_baseline.py
"""
from __future__ import annotations

import json
from pathlib import Path

from sim.scenario.runner import run_scenario
from sim.scenario.schema import Scenario

SEEDS = (0, 1)
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "baseline_kpis.json"


def current() -> dict:
    out = {}
    for seed in SEEDS:
        s = run_scenario(Scenario(), seed=seed, panel=False).summary
        out[str(seed)] = {k: v for k, v in s.items() if isinstance(v, (int, float, list, dict))
                          and k != "seed"}
    return out


if __name__ == "__main__":
    OUT.write_text(json.dumps(current(), indent=1, sort_keys=True) + "\n")
    print(f"pinned {OUT}")
