"""Common random numbers: how closely paired runs track each other.

Runs the baseline and the baseline with one setting changed, on the same seeds, and prints the
Pearson correlation of a KPI across seeds (issue 13 asks for commission +10%).

    python tools/crn.py [--seeds 20] [--set comp.commission_rate=0.088] [--kpi revenue_total]
"""

from __future__ import annotations

import argparse

import numpy as np

from sim.scenario.loading import load_scenario
from sim.scenario.runner import run_scenario


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--set", dest="sets", action="append")
    ap.add_argument("--kpi", default="revenue_total")
    ap.add_argument("--weeks", type=int)
    args = ap.parse_args()
    base = load_scenario(None)
    sets = args.sets or [f"comp.commission_rate={base.comp.commission_rate * 1.1!r}"]
    changed = load_scenario(None, sets)
    a, b = [], []
    for seed in range(args.seeds):
        a.append(run_scenario(base, seed, args.weeks, panel=False).summary[args.kpi])
        b.append(run_scenario(changed, seed, args.weeks, panel=False).summary[args.kpi])
    a, b = np.array(a), np.array(b)
    r = float(np.corrcoef(a, b)[0, 1])
    print(f"{args.kpi}: paired correlation {r:.3f} over {args.seeds} seeds ({', '.join(sets)}); "
          f"mean change {100 * (b.mean() / a.mean() - 1):+.2f}%")


if __name__ == "__main__":
    main()
