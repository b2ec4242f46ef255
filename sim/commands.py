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
    ("revenue_lost_to_departures", "Revenue lost to departures (annual)", "{:,.0f}"),
    ("manager_overload_share", "Manager-weeks overloaded", "{:.1%}"),
)


def kpi_table(summary: dict) -> str:
    width = max(len(label) for _, label, _ in KPI_ROWS)
    lines = [f"  {label:<{width}}  {fmt.format(summary[key])}" for key, label, fmt in KPI_ROWS]
    tac = ", ".join(f"{k} {v:.0f}" for k, v in summary["tactic_rep_weeks"].items())
    lines.append(f"  {'Tactic rep-weeks':<{width}}  {tac}")
    return "\n".join(lines)


def cmd_run(args) -> int:
    from sim.scenario.rundir import write_run_dir
    from sim.scenario.runner import run_scenario

    sc = load_scenario(args.scenario, args.sets)
    seed = sc.run.seed if args.seed is None else args.seed
    if seed < 0:
        raise UserError(f"--seed = {seed}: a seed must be a whole number >= 0")
    weeks = args.weeks or sc.run.weeks
    if weeks < 1:
        raise UserError(f"--weeks = {weeks}: the horizon must be at least 1 week")
    out = Path(args.out or f"results/runs/{sc.name}-seed{seed}")
    if out.is_dir() and any(out.iterdir()) and not (out / "summary.json").exists() \
            and not args.force:
        raise UserError(f"{out}: output directory holds other files; choose another --out "
                        "or add --force")
    ensure_writable_dir(out)  # fail before the run, not after it
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
        from sim.sweep.experiment import design_size, load_experiment, size_text
        exp = load_experiment(path)
        over = math.prod(design_size(exp)) > exp.max_runs
        note = f"; above max_runs = {exp.max_runs}, sweep needs --yes" if over else ""
        print(f"{path}: OK (experiment '{exp.name}', {size_text(exp)}{note})")
        return 0
    print(f"{path}: OK ({_describe(load_scenario(path))})")
    return 0
