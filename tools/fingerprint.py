"""A hash of every table a set of runs writes: proof that a speed-up changes no result.

Runs each shipped scenario (at ``--reps`` reps, ``--weeks`` weeks, burn-in 0) for one seed and
prints one SHA-256 per scenario over its summary, weekly series, rep table, panel, account
table, events and handovers.  Save the output before a change and compare after:

    python tools/fingerprint.py > /tmp/before.txt
    ...edit...
    python tools/fingerprint.py | diff /tmp/before.txt -
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

from sim.scenario.loading import load_scenario
from sim.scenario.runner import run_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def _feed(h, tables: dict | None) -> None:
    for name in sorted(tables or {}):
        arr = np.ascontiguousarray(np.asarray(tables[name]))
        h.update(name.encode())
        h.update(str(arr.dtype).encode())
        h.update(arr.tobytes() if arr.dtype != object else repr(arr.tolist()).encode())


def fingerprint(path: Path, reps: int, weeks: int, seed: int) -> str:
    sc = load_scenario(path)
    sc.org.n_reps = reps
    sc.run.burn_in_weeks = 0
    res = run_scenario(sc, seed, weeks, panel=True)
    h = hashlib.sha256(json.dumps(res.summary, sort_keys=True, default=str).encode())
    for part in (res.weekly, res.reps, res.panel, res.accounts, res.events, res.handovers):
        _feed(h, part)
    return h.hexdigest()[:16]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=120)
    ap.add_argument("--weeks", type=int, default=104)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("names", nargs="*", help="scenario stems (default: all shipped)")
    args = ap.parse_args()
    paths = sorted(SCENARIOS.glob("*.toml"))
    for p in paths:
        if not args.names or p.stem in args.names:
            print(p.stem, fingerprint(p, args.reps, args.weeks, args.seed), flush=True)


if __name__ == "__main__":
    main()
