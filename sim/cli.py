"""The ``salesim`` command line.

Each subcommand's work lives in its own module; this file only declares arguments and turns
known errors into one readable line with exit code 2.
"""

from __future__ import annotations

import argparse
import os
import sys

from sim.common.errors import UserError

MAX_MESSAGE = 400  # longest error line printed

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
  salesim repair results/sweeps/flagship     check a sweep folder and rebuild what it can
  salesim report results/sweeps/flagship     write report.html and plots
  salesim analyze results/sweeps/robustness   sensitivity, PRIM boxes, regret (analysis.html)
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
    p.add_argument("--batch", type=int, metavar="R",
                   help="replications of a design point stepped side by side in one model, "
                        "each identical to its own run (default: by size, 10 at 80 reps, 1 "
                        "from 800 reps)")
    p.add_argument("--compiled", choices=("auto", "on", "off"),
                   help="numba kernels: on large arrays only (auto, the default), at every "
                        "size (on: faster, ~100 MB more per worker), or never (off); results "
                        "are identical either way")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--force", action="store_true",
                   help="write into a directory that holds a different experiment")
    p.add_argument("--yes", action="store_true", help="accept a design above the size limit")
    p.add_argument("--run-timeout", type=float, metavar="SECONDS",
                   help="record a run that takes longer as failed with 'timeout' (default: "
                        "from the size of the design's largest run)")
    p.add_argument("--retry-failed", action="store_true",
                   help="on resume, run again the runs that failed before")
    p.add_argument("--rerun-all", action="store_true",
                   help="the folder's runs were made by other model code: run the whole "
                        "design again here")


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (no usage dump) that points to --help."""

    def error(self, message: str):
        hint = f"see `{self.prog} --help`"
        self.exit(2, f"salesim: error: {sanitize(message)}; {hint}\n")


def sanitize(text: str, limit: int = MAX_MESSAGE) -> str:
    """One line: control characters escaped, cut to ``limit`` characters."""
    out = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(text))
    return out if len(out) <= limit else out[:limit - 4] + " ..."


def build_parser() -> argparse.ArgumentParser:
    ap = Parser(prog="salesim", description=DESCRIPTION, epilog=EPILOG,
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
    p = sub.add_parser("repair", help="check a sweep folder, rebuild what can be derived, and "
                       "say what was fixed")
    p.add_argument("dir")
    p.add_argument("--experiment", metavar="FILE",
                   help="the experiment file, when the folder's copy and manifest are both lost")
    p = sub.add_parser("analyze", help="sensitivity, scenario discovery and robustness of a "
                       "sweep with [uncertainties]")
    p.add_argument("dir")
    p.add_argument("--kpi", help="KPI to compare policies on (default gross_profit)")
    p.add_argument("--threshold", help="satisficing threshold: 'reference' (default) or a number")
    p.add_argument("--out", help="output folder (default DIR/analysis)")
    p.add_argument("--outcome", action="append", metavar="KPI[@POLICY[-OTHER]]",
                   help="also give sensitivity indices of this outcome (repeatable)")
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
    if cmd == "repair":
        from sim.sweep.repair import cmd_repair
        return cmd_repair(args)
    if cmd == "analyze":
        from sim.analysis.analyze import cmd_analyze
        return cmd_analyze(args)
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
        print(f"salesim: error: {sanitize(err)}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`salesim ... | head`): stop quietly, and keep Python from
        # complaining when it flushes stdout on exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as err:  # disk full (BrokenPipeError, an OSError, is caught above), read-only media, a folder removed under us ...
        if args.debug:
            raise
        where = f"{err.filename}: " if err.filename else ""
        why = (err.strerror or str(err) or type(err).__name__).lower()
        print(f"salesim: error: {sanitize(where + why)} (files written before this are "
              "complete; free space or fix the folder and run the same command again)",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("salesim: interrupted; finished results are kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
