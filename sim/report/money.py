"""The money ledger: what each run earns and spends, in currency per year.

Gross profit is built from the weekly series, line by line, so that every figure that shows
money (decision table, waterfall, cumulative chart) uses one definition::

    gross profit = revenue - cost of goods - commission - concessions - programme costs
                   - value of manager hours

*revenue* is what accounts paid (net of discounts); *cost of goods* is the model's ``cogs``
column; *commission* is the pay of reps other than the part that rate concessions added
(``comp_cost - concession_cost``), so that *concessions* are counted once; *programme costs*
are what policies spend (training, reviews, ...); *manager hours* are the hours managers
served (skipped hours excluded) valued at ``report.manager_hour_cost``.

A run's totals are divided by the years its weekly rows cover (weeks / 52).  When the weekly
series flags a measured window (a boolean ``measured`` column), only those weeks count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.report.params import ReportParams

WEEKS_PER_YEAR = 52
# (line, words, sign in gross profit)
LINES: tuple[tuple[str, str, int], ...] = (
    ("revenue", "revenue", +1),
    ("cogs", "cost of goods", -1),
    ("commission", "commission", -1),
    ("concessions", "concessions to reps", -1),
    ("programmes", "programme costs", -1),
    ("manager_hours", "manager hours", -1),
)
NEEDED = ("revenue", "cogs", "comp_cost", "concession_cost", "program_cost")
PROFIT = "gross_profit"


def money_missing(weekly: pd.DataFrame) -> str | None:
    """Why the ledger cannot be built from this weekly series, or None."""
    lack = [c for c in NEEDED if c not in weekly.columns]
    if weekly.empty or "run_id" not in weekly.columns:
        return "there is no weekly series"
    if lack:
        return ("the weekly series has no " + ", ".join(lack) + " column (written by an "
                "older salesim; run the sweep again to get the money view)")
    return None


def served_hours(weekly: pd.DataFrame) -> pd.Series:
    """Manager hours served per row: every hours_* column except the skipped hours."""
    cols = [c for c in weekly.columns if c.startswith("hours_") and c != "hours_skipped"]
    if not cols:
        return pd.Series(0.0, index=weekly.index)
    return weekly[cols].astype(float).sum(axis=1)


def weekly_ledger(weekly: pd.DataFrame, params: ReportParams) -> pd.DataFrame:
    """One row per run and week: each ledger line and gross profit, in currency per week."""
    w = weekly
    if "measured" in w.columns:
        w = w[w["measured"].astype(bool)]
    out = w[["run_id", "week"]].copy()
    out["revenue"] = w["revenue"].astype(float)
    out["cogs"] = w["cogs"].astype(float)
    out["commission"] = (w["comp_cost"] - w["concession_cost"]).astype(float)
    out["concessions"] = w["concession_cost"].astype(float)
    out["programmes"] = w["program_cost"].astype(float)
    out["manager_hours"] = served_hours(w) * params.manager_hour_cost
    out[PROFIT] = sum(sign * out[name] for name, _, sign in LINES)
    return out


def run_ledger(weekly: pd.DataFrame, params: ReportParams) -> pd.DataFrame:
    """One row per run: each line and gross profit in currency per year, and ``years``."""
    led = weekly_ledger(weekly, params)
    cols = [name for name, _, _ in LINES] + [PROFIT]
    g = led.groupby("run_id", sort=True)
    totals = g[cols].sum()
    years = g["week"].count() / WEEKS_PER_YEAR
    per_year = totals.div(years, axis=0)
    per_year.columns = [f"{c}_per_year" for c in cols]
    per_year["years"] = years
    return per_year.reset_index()


def top_lost_per_year(reps: pd.DataFrame, years: pd.Series) -> pd.Series:
    """Top-quintile reps who left, per run and year (``years`` indexed by run_id)."""
    if reps.empty or not {"perf_quintile", "left_week", "run_id"} <= set(reps.columns):
        return pd.Series(dtype=float)
    top = reps["perf_quintile"].astype(float) == float(reps["perf_quintile"].max())
    left = reps["left_week"].astype(float) >= 0
    count = (top & left).groupby(reps["run_id"]).sum().astype(float)
    return (count / years.reindex(count.index)).rename("top_lost_per_year")


def add_money(runs: pd.DataFrame, weekly: pd.DataFrame, reps: pd.DataFrame,
              params: ReportParams) -> pd.DataFrame:
    """``runs`` with the ledger columns (per year) and top performers lost per year."""
    if money_missing(weekly):
        return runs
    led = run_ledger(weekly, params)
    drop = [c for c in led.columns if c != "run_id" and c in runs.columns]
    out = runs.drop(columns=drop).merge(led, on="run_id", how="left")
    lost = top_lost_per_year(reps, led.set_index("run_id")["years"])
    if len(lost):
        out = out.drop(columns=[c for c in ("top_lost_per_year",) if c in out.columns])
        out = out.merge(lost.reset_index(), on="run_id", how="left")
    out.attrs.update(runs.attrs)
    return out


def cumulative_profit_gap(data, params: ReportParams) -> pd.DataFrame:
    """Week by week: cumulative gross profit of each policy minus its paired reference run.

    Rows per (season, policy, replication [, factors], week) with ``gap`` in currency.
    """
    led = weekly_ledger(data.weekly, params)
    key = ["season", "replication"] + list(data.factors)
    design = data.runs[["run_id", "policy"] + key]
    led = led.merge(design, on="run_id")
    led = led.sort_values(["run_id", "week"], kind="stable")
    led["cum"] = led.groupby("run_id")[PROFIT].cumsum()
    ref = led.loc[led["policy"] == data.reference, key + ["week", "cum"]]
    other = led.loc[led["policy"] != data.reference, key + ["policy", "week", "cum"]]
    both = other.merge(ref, on=key + ["week"], suffixes=("", "_ref"))
    both["gap"] = both["cum"] - both["cum_ref"]
    return both[key + ["policy", "week", "gap"]]


def first_lasting_crossing(weeks: np.ndarray, lo: np.ndarray) -> int | None:
    """First week from which the lower band stays above zero to the end (payback), or None."""
    above = lo > 0
    if not above.any() or not above[-1]:
        return None
    below = np.flatnonzero(~above)
    start = 0 if below.size == 0 else below[-1] + 1
    return int(weeks[start])
