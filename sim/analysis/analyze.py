"""``salesim analyze DIR``: sensitivity, scenario discovery and robustness of a sweep.

For a sweep with ``[uncertainties]`` and several policies, ``analyze`` writes to ``DIR/analysis/``:

* ``sensitivity.csv|parquet``: Morris or Sobol indices (SALib) of every paired difference
  *policy minus reference* of the chosen KPI, per season, with the failed-run method named;
* ``sobol_<policy>.png`` (or ``morris_<policy>.png``): the bars with their intervals;
* ``boxes.csv|parquet``: PRIM and CART boxes where each policy's advantage is gone (the paired
  difference at or below zero), with coverage, density, mass and the conditions in words;
* ``robustness.csv|parquet`` and ``regret.png``: mean and maximum regret, satisficing share,
  both ranks; ``regret_by_scenario.csv|parquet``: the regret of every policy in every scenario;
* ``scenarios.csv|parquet``: the scenario-level outcomes all of the above are computed from;
* ``analysis.html`` and ``findings.md``: the report section, findings first.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import discovery, figures, robustness, sensitivity
from sim.analysis.study import (SCENARIO, Outcome, Study, load_study, parse_outcome,
                                policy_table, scenario_values)
from sim.common.atomic import write_text_atomic
from sim.common.errors import UserError
from sim.sweep.storage import write_parquet

DEFAULT_KPI = "gross_profit"


@dataclass
class Analysis:
    """Everything ``analyze`` computed, for the page and the findings."""

    kpi: str
    reference: str
    threshold: str
    sensitivity: pd.DataFrame
    method_notes: list[str]
    boxes: pd.DataFrame
    robust: robustness.Robustness | None
    scenarios: pd.DataFrame
    figures: list[tuple[str, str]] = field(default_factory=list)  # (file name, caption)
    findings: list[str] = field(default_factory=list)


def difference_outcomes(study: Study, kpi: str) -> list[Outcome]:
    return [Outcome(kpi, p, study.reference) for p in study.policies if p != study.reference]


def sensitivity_table(study: Study, outcome: Outcome, notes: list[str]) -> pd.DataFrame:
    """Indices of one outcome for each season (the design is per season)."""
    values = scenario_values(study, outcome)
    frames = []
    for season, rows in values.groupby("season", sort=False):
        if len(rows) != study.spec.size():
            notes.append(f"{outcome.label}, {season}: {len(rows)} of {study.spec.size()} "
                         "uncertainty points have runs; no indices until the sweep finishes")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ind = sensitivity.indices(study.spec, rows.sort_values(SCENARIO[1])["y"].to_numpy())
        if ind is None:
            continue
        notes.append(f"{outcome.label}, {season}: {ind.method}; {ind.failed_note}")
        frames.append(ind.table.assign(outcome=outcome.slug, policy=outcome.policy,
                                       season=season, method=ind.method,
                                       failed_runs=ind.failed_note))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def boxes_for(study: Study, outcome: Outcome, x: pd.DataFrame, values: pd.DataFrame) -> list:
    """PRIM and CART boxes where the advantage of ``outcome.policy`` is gone (y <= 0)."""
    ok = values["y"].notna().to_numpy()
    cases = values["y"].to_numpy()[ok] <= 0
    labels = {k: figures.label(k) for k in x.columns}
    found = []
    box = discovery.prim_box(x[ok], cases, labels)
    if box is not None:
        found.append(box)
    found.extend(discovery.cart_boxes(x[ok], cases, labels)[:2])
    table = discovery.boxes_table(found)
    table.insert(0, "policy", outcome.policy)
    table.insert(1, "versus", outcome.minus)
    table.insert(1, "cases", f"{int(cases.sum())} of {int(ok.sum())} scenarios where "
                 f"{outcome.policy} does not beat {outcome.minus} on {outcome.kpi}")
    table.insert(2, "base_share", cases.mean() if len(cases) else np.nan)
    return [table]


def run_analysis(study: Study, kpi: str = DEFAULT_KPI, threshold: str = "reference",
                 out: Path | None = None, extra: list[str] | None = None) -> Analysis:
    """Compute every table (and, with ``out``, write the files and figures).

    ``extra`` adds sensitivity indices of further outcomes (``KPI``, ``KPI@policy`` or
    ``KPI@policy-other``, see :mod:`sim.analysis.study`).
    """
    if study.spec is None:
        raise UserError("analyze needs a sweep with an [uncertainties] block")
    if kpi not in study.frame:
        raise UserError(f"analyze --kpi {kpi}: not a KPI of this sweep")
    notes: list[str] = list(study.notes)
    outcomes = difference_outcomes(study, kpi)
    # A study of one policy has no paired difference to explain: its indices are the KPI's.
    levels = [] if outcomes else [Outcome(kpi, study.reference)]
    more = [parse_outcome(text, study) for text in extra or []]
    wanted = list(dict.fromkeys([*outcomes, *levels, *more]))  # (an --outcome may repeat one)
    sens = [sensitivity_table(study, o, notes) for o in wanted] \
        if study.spec.method != "lhs" else []
    x = study.uncertainty_values().drop(columns=SCENARIO[1])
    scen = study.uncertainty_values()
    box_frames = []
    for o in outcomes:
        values = scenario_values(study, o)
        scen = scen.merge(values[[*SCENARIO, "y"]].rename(columns={"y": f"diff_{o.policy}"}),
                          on=SCENARIO, how="left")
        box_frames += boxes_for(study, o, x, scen[f"diff_{o.policy}"].rename("y").to_frame())
    values = policy_table(study, kpi)
    robust = robustness.robustness(values, threshold, study.reference) if len(values.columns) > 1 \
        else None
    top2 = robust.table["policy"].tolist()[:2] if robust is not None else []
    if len(top2) == 2 and study.reference not in top2:  # where the choice between the two flips
        first, second = top2
        flip = Outcome(kpi, first, second)
        diff = scenario_values(study, flip)
        col = scen[[*SCENARIO]].merge(diff, on=SCENARIO, how="left")["y"]
        scen[f"diff_{first}_over_{second}"] = col.to_numpy()
        box_frames += boxes_for(study, flip, x, col.to_frame())
    result = Analysis(kpi, study.reference, threshold,
                      pd.concat([s for s in sens if len(s)], ignore_index=True)
                      if any(len(s) for s in sens) else pd.DataFrame(),
                      notes, pd.concat(box_frames, ignore_index=True) if box_frames
                      else pd.DataFrame(), robust, scen)
    result.findings = findings(result)
    if out is not None:
        write_outputs(result, out)
    return result


def top_parameter(sens: pd.DataFrame, slug: str) -> tuple[str, float, str] | None:
    """The most influential parameter of one outcome: (key, index, season)."""
    rows = sens[sens["outcome"] == slug]
    key = "ST" if "ST" in rows and rows["ST"].notna().any() else "mu_star"
    if key not in rows or rows[key].isna().all():
        return None
    best = rows.loc[rows[key].idxmax()]
    return str(best["parameter"]), float(best[key]), str(best["season"])


def findings(a: Analysis) -> list[str]:
    """The three planner-facing findings: robust choice, what it rests on, where it fails."""
    out = []
    if a.robust is not None:
        t = a.robust.table
        best = t.iloc[0]
        bar = (f"at least as good as {a.reference}" if a.threshold == "reference"
               else f"at least {a.threshold}")
        out.append(f"Most robust on {a.kpi}: {best.policy}. Its worst-case shortfall from the best "
                   f"policy in any scenario is {best.max_regret:,.0f} (mean {best.mean_regret:,.0f}); "
                   f"it is {bar} in {best.satisficing_share:.0%} of {a.robust.scenarios_used} "
                   "scenarios." + (f" Note: {a.robust.disagreement}." if a.robust.disagreement
                                   else " Regret and satisficing agree on the ranking."))
        choice = str(best.policy) if best.policy != a.reference else \
            (str(t.iloc[1].policy) if len(t) > 1 else None)
    else:
        choice = None
    if choice and len(a.sensitivity):
        outcome = Outcome(a.kpi, choice, a.reference)
    else:  # one policy: what its KPI depends on
        outcome = Outcome(a.kpi, a.reference) if a.robust is None else None
    top = top_parameter(a.sensitivity, outcome.slug) if outcome and len(a.sensitivity) else None
    if top:
        name, value, season = top
        out.append(sensitivity_sentence(a, outcome, name, value, season))
    prim = a.boxes[a.boxes["method"] == "PRIM"] if len(a.boxes) else a.boxes
    if choice:
        rows = prim[prim["policy"] == choice] if len(prim) else prim
        rows = rows.sort_values("versus", key=lambda v: v == a.reference) if len(rows) else rows
        if len(rows):
            out.append(box_sentence(rows.iloc[0], a))
        else:
            lost = lost_count(a, choice)
            out.append(f"{choice} fell behind {a.reference} on {a.kpi} in {lost}: too few for a "
                       "region where its advantage disappears.")
    others = prim[(prim["policy"] != choice) & (prim["versus"] == a.reference)] \
        if len(prim) else prim
    if len(others):
        lift = others["coverage"] * (others["density"] - others["base_share"])
        out.append(box_sentence(others.loc[lift.idxmax()], a))
    return out


GENERAL_LIFT = 0.1  # a box whose density is within this of the overall share explains little


def too_wide(rows: pd.DataFrame, name: str, season: str, method: str) -> bool:
    """True when the leading Sobol index is not resolved: interval half-width at least half
    the index, or an index above 1 (only sampling error puts it there)."""
    if method != "sobol":
        return False
    row = rows[(rows["parameter"] == name) & (rows["season"] == season)].iloc[0]
    return bool(row["ST_conf"] >= row["ST"] / 2 or row["ST"] > 1)


def sensitivity_sentence(a: Analysis, outcome: Outcome, name: str, value: float,
                         season: str) -> str:
    """What the choice (a paired difference) or one policy's KPI rests on; says so plainly
    when the design is too small to tell."""
    rows = a.sensitivity[(a.sensitivity["outcome"] == outcome.slug)
                         & (a.sensitivity["season"] == season)]
    key = "ST" if "ST" in rows else "mu_star"
    conf = float(rows.loc[rows["parameter"] == name, f"{key}_conf"].iloc[0])
    if outcome.minus:
        what = f"the choice of {outcome.policy} over {outcome.minus}"
        head = f"Whether {outcome.policy} pays off against {outcome.minus} ({outcome.kpi})"
        variance = "the paired difference"
    else:
        what = head = f"{outcome.kpi} under {outcome.policy}"
        variance = "that KPI"
    head = f"{head} depends most on {figures.label(name)} ({season} season)"
    if too_wide(rows, name, season, "sobol" if key == "ST" else "morris"):
        return (f"This design is too small to say which assumption {what} rests on: the "
                f"largest total-order index ({figures.label(name)}, {season} season) is "
                f"{value:.2f} +- {conf:.2f} (95%); raise [uncertainties] n.")
    if key == "ST":
        return (f"{head}: alone or in interaction it accounts for {value:.0%} "
                f"(+- {conf:.0%}) of the variance of {variance}.")
    return f"{head}: largest Morris mu*, {value:,.3g} (+- {conf:,.3g})."


def box_sentence(b, a: Analysis) -> str:
    """A PRIM box for a planner; says so when the box barely beats the overall share."""
    count, ref = b.cases.split(" scenarios")[0], b.versus
    if b.density - b.base_share < GENERAL_LIFT:
        return (f"{b.policy} does not beat {ref} on {a.kpi} in {count} scenarios "
                f"({b.base_share:.0%}); the best PRIM region ({b.conditions}) only raises that "
                f"to {b.density:.0%}, so the shortfall is general rather than tied to an "
                "assumption.")
    return (f"{b.policy} stops beating {ref} on {a.kpi} when {b.conditions}: that "
            f"region holds {b.coverage:.0%} of the scenarios where it does not beat "
            f"{ref} ({count} scenarios, {b.base_share:.0%} overall), and "
            f"{b.density:.0%} of the scenarios inside it are such cases.")


def lost_count(a: Analysis, policy: str) -> str:
    col = a.scenarios.get(f"diff_{policy}")
    if col is None:
        return "no scenario"
    return f"{int((col <= 0).sum())} of {int(col.notna().sum())} scenarios"


def _both(df: pd.DataFrame, out: Path, name: str) -> None:
    write_text_atomic(out / f"{name}.csv", df.to_csv(index=False))
    write_parquet(df.astype({c: str for c in df.columns if df[c].dtype == object}),
                  out / f"{name}.parquet")


def write_outputs(a: Analysis, out: Path) -> None:
    from sim.analysis.page import write_page
    out.mkdir(parents=True, exist_ok=True)
    _both(a.sensitivity, out, "sensitivity")
    _both(a.boxes, out, "boxes")
    _both(a.scenarios, out, "scenarios")
    if a.robust is not None:
        _both(a.robust.table, out, "robustness")
        _both(a.robust.regret.reset_index(), out, "regret_by_scenario")
        figures.regret_chart(a.robust.table, a.kpi, out / "regret.png")
        a.figures.append(("regret.png", f"Regret and satisficing share on {a.kpi}"))
    for slug, rows in (a.sensitivity.groupby("outcome", sort=False) if len(a.sensitivity)
                       else []):
        method, policy = rows["method"].iloc[0], rows["policy"].iloc[0]
        top = top_parameter(a.sensitivity, slug)
        diff = slug == Outcome(a.kpi, policy, a.reference).slug
        what = f"{policy} vs {a.reference} ({a.kpi})" if diff else slug
        rests = "the choice rests most on" if diff else "rests most on"
        title = f"{what}: {rests} {figures.label(top[0])}" if top else what
        if top and too_wide(rows, top[0], top[2], method):
            title = (f"{what}: no assumption stands out at this design size; the intervals "
                     "are wider than the indices (raise [uncertainties] n)")
        name = f"{method}_{policy}.png" if diff else \
            f"{method}_{slug.replace('@', '_at_').replace('-', '_minus_')}.png"
        figures.sensitivity_bars(rows, method, title, out / name)
        a.figures.append((name, title))
    write_text_atomic(out / "findings.md", "\n".join(f"{i}. {f}" for i, f in
                                                     enumerate(a.findings, 1)) + "\n")
    write_page(a, out / "analysis.html")


def cmd_analyze(args) -> int:
    root = Path(args.dir)
    study = load_study(root)
    out = Path(args.out) if getattr(args, "out", None) else root / "analysis"
    threshold = getattr(args, "threshold", None) or "reference"
    if threshold != "reference":
        try:
            float(threshold)
        except ValueError:
            raise UserError(f"--threshold {threshold}: expected 'reference' or a number") from None
    a = run_analysis(study, getattr(args, "kpi", None) or DEFAULT_KPI, threshold, out,
                     getattr(args, "outcome", None) or [])
    for line in a.findings:
        print(f"- {line}")
    print(f"wrote {out}/analysis.html and the CSV/Parquet tables", file=sys.stderr)
    return 0
