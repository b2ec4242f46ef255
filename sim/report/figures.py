"""The catalogue of salesim figures: names, what data each needs, and rendering to files.

``PLOTS`` lists every figure in report order.  ``missing(spec, data)`` says why a figure
cannot be drawn from a directory (for example a run directory has no policies to compare), or
returns None when it can.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from matplotlib.figure import Figure

from sim.report.data import KPIS, PlotData, hours_columns, tactic_columns
from sim.report.figures_money import cumulative_profit, money_waterfall, yearly_kpis
from sim.report.figures_reps import lead_time, lorenz_curves, survival
from sim.report.figures_run import manager_hours, tactics, weekly_revenue
from sim.report.figures_factors import factor_heatmap, factor_line
from sim.report.figures_sweep import kpi_difference, tradeoff
from sim.report.style import plt, save_figure

REP_COLS = ("rep_id", "hired_week", "left_week", "revenue", "perf_quintile")
SIGN_COLS = ("first_sign_week", "first_threat_week", "left_week")


@dataclass(frozen=True)
class PlotSpec:
    """One figure: its file name, heading in the report, drawing function and requirement."""

    name: str
    heading: str
    draw: Callable[[PlotData], tuple[Figure, str]]
    needs: Callable[[PlotData], str | None]


@dataclass(frozen=True)
class Rendered:
    """A figure written to disk."""

    name: str
    heading: str
    caption: str
    png: bytes


def _weekly(*cols: str) -> Callable[[PlotData], str | None]:
    def check(d: PlotData) -> str | None:
        lack = [c for c in cols if c not in d.weekly.columns]
        return f"the weekly series has no {', '.join(lack)} column" if lack else None
    return check


def _reps(cols: tuple[str, ...]) -> Callable[[PlotData], str | None]:
    def check(d: PlotData) -> str | None:
        lack = [c for c in cols if c not in d.reps.columns]
        if d.reps.empty:
            return "there is no rep table (rep_table.parquet or reptable/part-*.parquet)"
        return f"the rep table has no {', '.join(lack)} column" if lack else None
    return check


def _has(getter: Callable[[PlotData], list], what: str) -> Callable[[PlotData], str | None]:
    return lambda d: None if getter(d) else f"the weekly series has no {what} columns"


def _all(*checks) -> Callable[[PlotData], str | None]:
    def check(d: PlotData) -> str | None:
        for c in checks:
            reason = c(d)
            if reason:
                return reason
        return None
    return check


def _comparison(column: str | None = None) -> Callable[[PlotData], str | None]:
    def check(d: PlotData) -> str | None:
        if d.kind != "sweep":
            return "it compares policies, which needs a sweep directory"
        if len(d.policies) < 2:
            return "the sweep has a single policy, so there is nothing to compare"
        if column and (column not in d.runs.columns or d.runs[column].isna().all()):
            return f"the experiment did not keep the KPI it shows ({column})"
        return None
    return check


def _factors(n: int) -> Callable[[PlotData], str | None]:
    def check(d: PlotData) -> str | None:
        if d.kind != "sweep":
            return "it needs a sweep directory with factors"
        if n == 1 and not d.factors:
            return "it needs a factor that the experiment varies, and this one varies none"
        if n == 2 and len(d.factors) < 2:
            count = "none" if not d.factors else "only one"
            return f"it needs two factors that the experiment varies, and this one varies {count}"
        return None
    return check


def _money(d: PlotData) -> str | None:
    from sim.report.money import money_missing
    return _comparison()(d) or money_missing(d.weekly)


def _years(d: PlotData) -> str | None:
    from sim.report.money import money_missing
    if d.kind != "sweep":
        return "it compares policies year by year, which needs a sweep directory"
    if d.weeks < 2 * 52:
        return "the horizon is shorter than two whole years"
    return money_missing(d.weekly)


PLOTS: tuple[PlotSpec, ...] = (
    PlotSpec("money_waterfall", "Where the money goes", money_waterfall, _money),
    PlotSpec("cumulative_profit", "Cumulative gross profit against the reference",
             cumulative_profit, _money),
    PlotSpec("yearly_kpis", "Year by year", yearly_kpis, _years),
    PlotSpec("weekly_revenue", "Revenue over the year", weekly_revenue,
             _weekly("week", "revenue")),
    *(PlotSpec(f"diff_{k.key}", f"Policy effect on {k.label}", partial(kpi_difference, key=k.key),
               _comparison(k.column)) for k in KPIS),
    PlotSpec("tradeoff", "Revenue against attrition", tradeoff,
             _comparison("attrition_rate_annual")),
    PlotSpec("factor_line", "Effect of each factor", factor_line, _factors(1)),
    PlotSpec("factor_heatmap", "Two-factor sweep", factor_heatmap, _factors(2)),
    PlotSpec("tactics", "Sabotage tactics through the year", tactics,
             _all(_weekly("week"), _has(lambda d: tactic_columns(d.weekly), "tactic_*"))),
    PlotSpec("lorenz", "How revenue is spread over reps", lorenz_curves, _reps(REP_COLS)),
    PlotSpec("survival", "Who stays: survival by performance", survival, _reps(REP_COLS)),
    PlotSpec("manager_hours", "Manager time and overload", manager_hours,
             _all(_weekly("week", "overload_share"),
                  _has(lambda d: hours_columns(d.weekly), "hours_*"))),
    PlotSpec("lead_time", "Warning time before threats and resignations", lead_time,
             _reps(SIGN_COLS)),
)
PLOT_NAMES = tuple(p.name for p in PLOTS)
BY_NAME = {p.name: p for p in PLOTS}


def missing(spec: PlotSpec, data: PlotData) -> str | None:
    """Why the figure cannot be drawn from this data, or None."""
    if data.runs.empty:
        return "there are no finished runs"
    return spec.needs(data)


def with_sample_size(caption: str, data: PlotData) -> str:
    """Every caption says how many runs stand behind the figure."""
    if "replication" in caption:
        return caption
    if data.kind == "run":
        return caption + " One run: no replications, so no intervals between runs."
    n = data.n_replications
    return (caption + f" Based on {data.n_runs} runs ({n} replication{'s' if n != 1 else ''} "
            "per policy and seasonal scenario).")


def render(spec: PlotSpec, data: PlotData, out_dir: Path) -> Rendered:
    """Draw one figure and write out_dir/NAME.png and NAME.svg."""
    fig, caption = spec.draw(data)
    caption = with_sample_size(caption, data)
    png = save_figure(fig, out_dir, spec.name)
    return Rendered(spec.name, spec.heading, caption, png)


def render_all(data: PlotData, out_dir: Path) -> tuple[list[Rendered], dict[str, str]]:
    """Every figure the data allows; also the reasons for the ones left out."""
    done, skipped = [], {}
    for spec in PLOTS:
        reason = missing(spec, data)
        if reason:
            skipped[spec.name] = reason
            continue
        try:
            done.append(render(spec, data, out_dir))
        except Exception as err:  # noqa: BLE001 - one broken figure must not sink the report
            plt.close("all")
            skipped[spec.name] = f"drawing it failed ({type(err).__name__}: {err})"
    return done, skipped
