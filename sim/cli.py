"""The ``salesim`` command line.

Each subcommand's work lives in its own module; this file only declares arguments and turns
known errors into one readable line with exit code 2.
"""

from __future__ import annotations

import argparse
import sys

from sim.common.errors import UserError

DESCRIPTION = """\
salesim: simulate a sales organisation of independent contractor reps, week by week.
Model seasonality, top-performer leverage, sabotage tactics and management policies,
then compare policies over paired replications before trying them on people."""

EPILOG = """\
examples:
  salesim run                                 run the built-in baseline scenario
  salesim run scenarios/rotation.toml --seed 3 --set comp.commission_rate=0.1
  salesim sweep experiments/policy_comparison.toml --out results/sweeps/flagship
  salesim summarize results/sweeps/flagship
  salesim report results/sweeps/flagship     write report.html and plots
  salesim validate scenarios/playbook.toml    check a file without running it
"""


def _run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", nargs="?", help="scenario TOML file (default: built-in baseline)")
    p.add_argument("--out", help="output directory (default: results/runs/<scenario>-seed<N>/)")
    p.add_argument("--seed", type=int, help="random seed (default: the scenario's run.seed)")
    p.add_argument("--weeks", type=int, help="weeks to simulate (default: the scenario's run.weeks)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY.PATH=VALUE",
                   help="override one scenario value, e.g. --set comp.cap=2.0 (repeatable)")
    p.add_argument("--force", action="store_true", help="overwrite a non-empty output directory")
    p.add_argument("--panel", action="append", choices=("accounts",), default=[],
                   help="also write an optional panel: 'accounts' writes accounts_weekly.parquet "
                        "(week, account, owner, firm and personal tie, sales)")


def _sweep_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment", help="experiment TOML file")
    p.add_argument("--out", help="sweep directory (default: results/sweeps/<experiment name>/)")
    p.add_argument("--workers", type=int, help="local worker processes (default: all cores)")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local process pool (default) or a Dask LocalCluster")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="send runs to an existing Dask scheduler")
    p.add_argument("--dry-run", action="store_true", help="print the design size and first rows")
    p.add_argument("--replications", type=int, help="override the experiment's replications")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--force", action="store_true",
                   help="write into a directory that holds a different experiment")
    p.add_argument("--yes", action="store_true", help="accept a design above the size limit")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="salesim", description=DESCRIPTION, epilog=EPILOG,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    _run_args(sub.add_parser("run", help="run one scenario and write its results"))
    _sweep_args(sub.add_parser("sweep", help="run an experiment: many scenarios x seeds"))
    p = sub.add_parser("summarize", help="write summary.csv for a sweep directory")
    p.add_argument("dir")
    p = sub.add_parser("report", help="write report.html and plots for a run or sweep directory")
    p.add_argument("dir")
    p = sub.add_parser("plot", help="redraw plots for a run or sweep directory")
    p.add_argument("dir")
    p.add_argument("--only", metavar="NAME", help="redraw only this figure")
    p = sub.add_parser("validate", help="check a scenario or experiment file without running it")
    p.add_argument("file")
    p = sub.add_parser("demo", help="what `make demo` runs: the flagship comparison and report")
    p.add_argument("--out", default="results/demo")
    p.add_argument("--quiet", action="store_true")
    return ap


def dispatch(args: argparse.Namespace) -> int:
    cmd = args.command
    if cmd == "run":
        from sim.commands import cmd_run
        return cmd_run(args)
    if cmd == "sweep":
        from sim.sweep.runner import run_sweep
        return run_sweep(args)
    if cmd == "summarize":
        from sim.sweep.summarize import cmd_summarize
        return cmd_summarize(args)
    if cmd in ("report", "plot"):
        from sim.report.html import cmd_plot, cmd_report
        return cmd_report(args) if cmd == "report" else cmd_plot(args)
    if cmd == "validate":
        from sim.commands import cmd_validate
        return cmd_validate(args)
    if cmd == "demo":
        from sim.commands import cmd_demo
        return cmd_demo(args)
    raise AssertionError(cmd)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return dispatch(args)
    except UserError as err:
        if args.debug:
            raise
        print(f"salesim: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("salesim: interrupted; finished results are kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
