"""Paired comparison of scenarios against the baseline over common seeds.

Usage: python tools/compare.py N_SEEDS scenarios/a.toml [scenarios/b.toml ...]

Seeds 0..N-1 of each scenario are paired with the same seeds of scenarios/baseline.toml.  Each
line gives the mean paired difference, its 95% t-interval, the difference as a percentage of
the baseline mean, and the baseline mean; `*` marks an interval that excludes zero.
"""
from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from scipy import stats

from sim.scenario.loading import load_scenario
from sim.scenario.runner import run_scenario

KEYS = ("revenue_total", "gross_margin", "attrition_rate_annual", "top_quintile_attrition_rate",
        "revenue_lost_to_departures", "top20_revenue_share", "leverage_events",
        "concessions_granted", "manager_overload_share", "mean_stress", "mean_dependency",
        "mean_effort", "mean_engagement")


def one(args):
    path, seed = args
    s = run_scenario(load_scenario(path), seed=seed, panel=False).summary
    return {k: s[k] for k in KEYS}


def main():
    n = int(sys.argv[1])
    files = sys.argv[2:]
    t = stats.t.ppf(0.975, n - 1)
    with ProcessPoolExecutor() as ex:
        base = list(ex.map(one, [("scenarios/baseline.toml", s) for s in range(n)]))
        for f in files:
            rows = list(ex.map(one, [(f, s) for s in range(n)]))
            print(f"== {f} vs baseline ({n} paired seeds): mean diff [95% CI] (baseline mean)")
            for k in KEYS:
                d = np.array([r[k] - b[k] for r, b in zip(rows, base)])
                h = t * d.std(ddof=1) / np.sqrt(n)
                bm = np.mean([b[k] for b in base])
                star = "*" if abs(d.mean()) > h else " "
                pct = f"{100 * d.mean() / bm:+7.1f}%" if bm else "        "
                print(f"  {star} {k:30s} {d.mean():+14.4f} [{d.mean()-h:+.4f}, "
                      f"{d.mean()+h:+.4f}] {pct}  ({bm:.4f})")


if __name__ == "__main__":
    main()
