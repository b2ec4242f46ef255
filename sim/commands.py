"""`salesim run`, `salesim validate` and `salesim demo`."""

from __future__ import annotations

import math
import time
from pathlib import Path

from sim.common.atomic import ensure_writable_dir
from sim.common.errors import UserError
from sim.scenario.loading import load_scenario, read_toml
from sim.scenario.schema import Scenario

KPI_ROWS = (
    ("revenue_total", "Revenue, whole horizon", "{:,.0f}"),
    ("peak_share", "Revenue share in the peak window", "{:.1%}"),
    ("nov_dec_share", "Revenue share in Nov-Dec", "{:.1%}"),
    ("gross_margin", "Gross margin after comp", "{:.1%}"),
    ("attrition_rate_annual", "Rep attrition per year", "{:.1%}"),
    ("top_quintile_attrition_rate", "Top-quintile attrition per year", "{:.1%}"),
    ("top20_revenue_share", "Revenue share of the top 20% of reps", "{:.1%}"),
    ("leverage_events", "Threats and demands", "{:.0f}"),
    ("concessions_granted", "Concessions granted", "{:.0f}"),
    ("revenue_lost_to_departures", "Yearly revenue of accounts lost with leavers, summed",
     "{:,.0f}"),
    ("manager_overload_share", "Manager-weeks overloaded", "{:.1%}"),
)


def kpi_table(summary: dict) -> str:
    rows = list(KPI_ROWS)
    if summary.get("peak_share") == summary.get("nov_dec_share"):
        # the calendar's peak window is November-December: one number, said once
        rows = [(k, "Revenue share in the peak window (= Nov-Dec here)" if k == "peak_share"
                 else label, fmt) for k, label, fmt in rows if k != "nov_dec_share"]
    width = max(len(label) for _, label, _ in rows)
    lines = [f"  {label:<{width}}  {fmt.format(summary[key])}" for key, label, fmt in rows]
    tac = ", ".join(f"{k} {v:.0f}" for k, v in summary["tactic_rep_weeks"].items())
    lines.append(f"  {'Tactic rep-weeks':<{width}}  {tac}")
    return "\n".join(lines)


RUN_FILES = ("weekly.parquet", "rep_table.parquet", "reps.parquet", "accounts.parquet",
             "events.parquet", "scenario.resolved.toml", "summary.json", "report.html")


def default_run_dir(sc: Scenario, seed: int, weeks: int, sets) -> Path:
    """results/runs/NAME-seedS, with a tag when --set or --weeks changed the scenario, so a
    variant never lands in (and overwrites) the plain scenario's folder."""
    import hashlib
    tag = ""
    sets = [item for item in (sets or []) if item.partition("=")[0].strip() != "run.seed"]
    if sets or weeks != sc.run.weeks:
        key = "\n".join([*sorted(sets), f"weeks={weeks}"])
        tag = "-" + hashlib.sha256(key.encode()).hexdigest()[:8]
    return Path(f"results/runs/{sc.name}-seed{seed}{tag}")


def _same_run(out: Path, sc: Scenario, seed: int, weeks: int) -> bool:
    import json

    from sim.scenario.loading import dump_toml
    from sim.scenario.schema import scenario_to_dict
    try:
        old = json.loads((out / "summary.json").read_text())
        text = (out / "scenario.resolved.toml").read_text()
    except (OSError, ValueError):
        return False
    return (old.get("seed") == seed and old.get("weeks") == weeks
            and text == dump_toml(scenario_to_dict(sc)))


def check_run_dir(out: Path, sc: Scenario, seed: int, weeks: int, force: bool) -> None:
    """Refuse a folder that holds anything but this same run, unless --force; with --force,
    clear the old run's files, report and plots so nothing stale is left beside the new run."""
    from sim.scenario.rundir import is_run_dir
    if not out.is_dir() or not any(out.iterdir()):
        return
    finished = (out / "summary.json").exists()
    if not force:
        if is_run_dir(out) and not finished:
            return  # a run of ours killed before it finished: rerun into it
        if finished and _same_run(out, sc, seed, weeks):
            return
        what = "a different run (another scenario, seed or horizon)" if finished else "other files"
        raise UserError(f"{out}: the folder holds {what}; choose another --out, or add "
                        "--force to replace it (its report and plots are removed too)")
    if not is_run_dir(out):
        return  # not provably ours: write beside the user's files, delete none of them
    import shutil
    for name in RUN_FILES:
        (out / name).unlink(missing_ok=True)
    shutil.rmtree(out / "plots", ignore_errors=True)


def cmd_run(args) -> int:
    from sim.scenario.rundir import mark_run_dir, write_run_dir
    from sim.scenario.runner import run_scenario

    if args.seed is not None and args.seed < 0:
        raise UserError(f"--seed = {args.seed}: run.seed = {args.seed}: out of range; allowed: "
                        "a whole number of at least 0")
    if args.weeks is not None and args.weeks < 1:
        raise UserError(f"--weeks = {args.weeks}: run.weeks = {args.weeks}: out of range; "
                        "allowed: a whole number of at least 1 (the horizon)")
    sets = list(args.sets)
    for flag, key, value in (("--seed", "run.seed", args.seed), ("--weeks", "run.weeks",
                                                                args.weeks)):
        if value is None:
            continue
        if any(item.partition("=")[0].strip() == key for item in sets):
            raise UserError(f"{flag} {value}: {key} is also given with --set; give it once")
        sets.append(f"{key}={value}")  # checked like any setting: range and run size
    sc = load_scenario(args.scenario, sets)
    seed, weeks = sc.run.seed, sc.run.weeks
    out = Path(args.out or default_run_dir(sc, seed, weeks, sets))
    check_run_dir(out, sc, seed, weeks, args.force)
    ensure_writable_dir(out)  # fail before the run, not after it
    mark_run_dir(out)  # a run killed before summary.json can be rerun into the same folder
    t0 = time.perf_counter()
    result = run_scenario(sc, seed=seed, weeks=weeks, panel=True,
                          account_panel="accounts" in (getattr(args, "panel", None) or ()))
    dt = time.perf_counter() - t0
    result.summary["seed"] = seed
    write_run_dir(result, sc, out)
    print(f"salesim run: scenario '{sc.name}', seed {seed}, {weeks} weeks, "
          f"{sc.org.n_reps} reps ({dt:.2f} s)")
    print(kpi_table(result.summary))
    print(f"results in {out}/")
    return 0


def cmd_demo(args) -> int:
    """The flagship policy comparison, then its report."""
    from argparse import Namespace

    from sim.sweep.runner import run_sweep as cmd_sweep

    root = Path(__file__).resolve().parent.parent
    exp = root / "experiments" / "policy_comparison.toml"
    out = Path(args.out)
    rc = cmd_sweep(Namespace(experiment=str(exp), out=str(out), workers=None, executor="local",
                             scheduler=None, dry_run=False, replications=None,
                             quiet=args.quiet, force=False, yes=True))
    if rc not in (0, 1):
        return rc
    from sim.sweep.summarize import cmd_summarize
    cmd_summarize(Namespace(dir=str(out)))
    from sim.report.html import cmd_report
    cmd_report(Namespace(dir=str(out), only=None))
    print(f"open {out}/report.html")
    return rc


def _describe(sc: Scenario) -> str:
    on = [name for name, block in vars(sc.policies).items() if block.enabled]
    return (f"scenario '{sc.name}', {sc.run.weeks} weeks, {sc.org.n_reps} reps, "
            f"policies on: {', '.join(on) or 'none'}")


def cmd_validate(args) -> int:
    """``salesim validate FILE``: check a scenario or experiment file without running it."""
    path = args.file
    data = read_toml(path)
    if isinstance(data.get("experiment"), dict):
        from sim.sweep.experiment import check_size, design_size, load_experiment, size_text
        from sim.sweep.runner import checked_design
        exp = load_experiment(path)
        check_size(exp, yes=True)  # the hard limit; max_runs is reported below
        checked_design(exp)  # what the sweep checks at start, validate checks too
        over = math.prod(design_size(exp)) > exp.max_runs
        note = f"; above max_runs = {exp.max_runs}, sweep needs --yes" if over else ""
        print(f"{path}: OK (experiment '{exp.name}', {size_text(exp)}{note})")
        return 0
    print(f"{path}: OK ({_describe(load_scenario(path))})")
    return 0
