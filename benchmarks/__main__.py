"""``python -m benchmarks [--quick] [--out FILE]``: run the suite, print a table, write RESULTS.md."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.common.atomic import write_text_atomic

from . import machine, report
from .suite import FULL, QUICK, Plan, run_suite

DEFAULT_OUT = Path(__file__).resolve().parent / "RESULTS.md"


def parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m benchmarks",
                                 description="salesim performance benchmarks (issue 7)")
    ap.add_argument("--quick", action="store_true",
                    help="fewer repeats and smaller sweeps (about a minute)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT,
                    help=f"where to write the results (default: {DEFAULT_OUT})")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None, plan: Plan | None = None) -> int:
    """Run the suite (``plan`` overrides the choice of --quick; tests pass a tiny one)."""
    args = parse(argv)
    plan = plan or (QUICK if args.quick else FULL)
    command = "python -m benchmarks" + (" --quick" if args.quick else "")
    probe = machine.speed_probe()  # the machine's speed as the suite starts (and as it ends)
    res = run_suite(plan, say=lambda line: print(f"bench: {line}", file=sys.stderr, flush=True))
    print(report.console_table(res))
    write_text_atomic(args.out, report.markdown(res, machine.describe(probe), command))
    print(f"\nwrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
