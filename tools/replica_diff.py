"""Where a stacked model first departs from the serial runs of its seeds (a debugging aid).

Steps one model of R replications and the R serial models side by side, week by week, and
after each week compares every rep and account column (in local numbers) and the week's
figures; prints the first week and the columns that differ, then stops.

    python tools/replica_diff.py scenarios/rotation.toml --reps 24 --weeks 60 --seeds 11 12
"""
from __future__ import annotations

import argparse

import numpy as np

from sim.policies.registry import build_policies
from sim.scenario.loading import load_scenario
from sim.world.collect import WEEKLY_COLUMNS
from sim.world.model import SalesModel
from sim.world.unstack import _NUMBERS


def differences(stacked, serial: list) -> list[str]:
    R, out = stacked.R, []
    for r, one in enumerate(serial):
        for name in ("reps", "book"):
            big, small = getattr(stacked, name), getattr(one, name)
            n = int(getattr(big, "made", np.zeros(R, dtype=int))[r])
            if n != small.n:
                out.append(f"r{r} {name}: {n} rows, serial {small.n}")
                continue
            for col in small.COLUMNS:
                a = getattr(big, col)[r::R][:n]
                if col in _NUMBERS.get(type(small), ()):
                    a = a // R
                b = getattr(small, col)[:n]
                same = (a == b) | ((a != a) & (b != b))
                if not same.all():
                    i = int(np.flatnonzero(~same)[0])
                    out.append(f"r{r} {name}.{col}[{i}]: {a[i]!r} vs serial {b[i]!r}")
        row = stacked.collector.row[:, r]
        ok = (row == one.collector.row) | ((row != row) & (one.collector.row != one.collector.row))
        for i in np.flatnonzero(~ok):
            out.append(f"r{r} week figure {WEEKLY_COLUMNS[i]}: {row[i]!r} vs serial "
                       f"{one.collector.row[i]!r}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario")
    ap.add_argument("--reps", type=int, default=24)
    ap.add_argument("--weeks", type=int, default=60)
    ap.add_argument("--burn-in", type=int, default=0)
    ap.add_argument("--seeds", type=int, nargs="+", default=[11, 12])
    args = ap.parse_args()
    sc = load_scenario(args.scenario)
    sc.org.n_reps, sc.run.burn_in_weeks = args.reps, args.burn_in
    stacked = SalesModel(sc, rng=list(args.seeds), weeks=args.weeks,
                         policies=build_policies(sc))
    serial = [SalesModel(sc, rng=s, weeks=args.weeks, policies=build_policies(sc))
              for s in args.seeds]
    diff = differences(stacked, serial)
    if diff:
        print("after construction:", *diff[:20], sep="\n  ")
        return
    for week in range(args.burn_in + args.weeks):
        stacked.step()
        for m in serial:
            m.step()
        diff = differences(stacked, serial)
        if diff:
            print(f"week {week}:", *diff[:20], sep="\n  ")
            return
    print("identical over", args.burn_in + args.weeks, "weeks")


if __name__ == "__main__":
    main()
