"""Figures over the weeks of the year, for a single run or a sweep: revenue, tactics, managers.

Each function takes a :class:`~sim.report.data.PlotData` and returns ``(figure, caption)``; the
title states the finding, computed from the data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from sim.report.data import WEEKS_PER_YEAR, PlotData, currency, hours_columns, peak_weeks, tactic_columns
from sim.report.stats import weekly_band
from sim.report.style import (fmt_money, fmt_signed, new_figure, policy_colours, pretty, styled, wrap_title)

MONTH_STARTS = [0, 4.4, 8.4, 12.9, 17.1, 21.6, 25.7, 30.1, 34.6, 38.9, 43.3, 47.6]
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
# Colours for categories that are not policies (tactics, activities): Paul Tol's muted set.
CATEGORY_COLOURS = ["#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77",
                    "#CC6677", "#882255", "#AA4499", "#DDDDDD"]


def _month_axis(ax, every: int = 1, label: bool = True) -> None:
    ax.set_xlim(0, WEEKS_PER_YEAR - 1)
    ax.set_xticks(MONTH_STARTS[::every], MONTHS[::every])
    if label:
        ax.set_xlabel("week of the year (month shown)")


def _shade_peak(ax, peak: np.ndarray, label: bool = True) -> str:
    """Shade contiguous peak weeks; return 'weeks a-b' text for titles."""
    idx = np.flatnonzero(peak)
    if not len(idx):
        return ""
    runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
    for i, r in enumerate(runs):
        ax.axvspan(r[0] - 0.5, r[-1] + 0.5, color="#e3e3e3", zorder=0,
                   label="peak window" if (label and i == 0) else None)
    return ", ".join(f"{r[0] + 1}\u2013{r[-1] + 1}" for r in runs)


def _kpi_mean(data: PlotData, column: str, policy: str, season: str) -> float:
    """Mean of a run KPI for one policy and season; NaN when the runs do not hold it."""
    runs = data.runs
    if column not in runs:
        return float("nan")
    sel = runs[(runs["policy"] == policy) & (runs["season"] == season)][column]
    return float(sel.mean()) if sel.notna().any() else float("nan")


def _thousands(ax, axis: str = "y") -> None:
    fmt = FuncFormatter(lambda v, _: fmt_money(v))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


class Panels:
    """A grid of small multiples; the spare cell (if any) holds the legend."""

    def __init__(self, n: int, width: float = 11.0, row_h: float = 3.6, ncols: int = 3):
        self.ncols = max(1, min(n, ncols))
        nrows = int(np.ceil(n / self.ncols))
        self.fig, axes = new_figure(width, 1.2 + row_h * nrows, nrows, self.ncols, sharey=True)
        flat = list(axes.ravel())
        self.axes, self.spare = flat[:n], flat[n:]
        for ax in self.spare:
            ax.set_visible(False)

    def month_axes(self) -> None:
        """Month ticks on every panel; one shared axis label when there are several."""
        for ax in self.axes:
            _month_axis(ax, every=2 if self.ncols >= 3 else 1, label=len(self.axes) == 1)
        if len(self.axes) > 1:
            self.fig.supxlabel("week of the year (month shown)")

    def shared_xlabel(self, text: str) -> None:
        if len(self.axes) == 1:
            self.axes[0].set_xlabel(text)
        else:
            self.fig.supxlabel(text)

    def legend(self, title: str | None = None, ncols: int = 6) -> None:
        """Legend in the spare cell, else under the panels."""
        handles, labels = self.axes[0].get_legend_handles_labels()
        if self.spare:
            ax = self.spare[0]
            ax.set_visible(True)
            ax.axis("off")
            ax.legend(handles, labels, loc="center", frameon=False, title=title)
        else:
            self.fig.legend(handles, labels, loc="outside lower center", frameon=False,
                            ncols=min(len(labels), ncols), title=title)


@styled
def weekly_revenue(data: PlotData):
    """Weekly revenue by week of the year, mean and 95% band per policy, peak shaded."""
    colours = policy_colours(data.policies)
    band = weekly_band(data.weekly, "revenue", ["season", "policy"])
    grid = Panels(len(data.seasons), row_h=4.2, ncols=2)
    fig, axes = grid.fig, grid.axes
    findings = []
    for ax, season in zip(axes, data.seasons):
        peak = peak_weeks(data, season)
        span = _shade_peak(ax, peak)
        for pol in data.policies:
            b = band[(band["season"] == season) & (band["policy"] == pol)].sort_values("woy")
            if b.empty:
                continue
            if data.kind == "run":
                _year_lines(ax, data.weekly, colours[pol])
            else:
                ax.fill_between(b["woy"], b["lo"], b["hi"], color=colours[pol], alpha=0.18,
                                lw=0)
            ax.plot(b["woy"], b["mean"], color=colours[pol], lw=2.2,
                    label=pretty(pol) + (": mean over the years" if data.kind == "run" else ""))
        ref = band[(band["season"] == season) & (band["policy"] == (data.reference
                                                                      or data.policies[0]))]
        m = ref.set_index("woy")["mean"].reindex(range(WEEKS_PER_YEAR))
        share = float(m[peak].sum() / m.sum()) if peak.any() and m.sum() > 0 else float("nan")
        kept = _kpi_mean(data, "peak_share", data.reference or data.policies[0], season)
        share = kept if kept == kept else share  # one number: the KPI the tables show
        if len(data.seasons) > 1:
            ax.set_title(pretty(season) + (f": peak weeks {span} bring {share:.0%} of the year"
                                           if span else ": no peak window"), fontsize=11)
        _thousands(ax)
        if span:
            findings.append((season, share, span))
    grid.month_axes()
    axes[0].set_ylabel(f"revenue per week ({currency(data)})")
    grid.legend()
    if findings:
        s, share, span = max(findings, key=lambda f: f[1])
        title = f"{pretty(s)}: the peak window (weeks {span}) brings {share:.0%} of a year's revenue"
    else:
        title = "Revenue is spread evenly over the year: no peak window in these calendars"
    title += _best_policy_text(band, data)
    fig.suptitle(wrap_title(title))
    if data.kind == "run":
        return fig, ("Weekly revenue by week of the year: each simulated year as a thin line, "
                     "their mean as a thick line; grey marks the calendar's peak window.")
    return fig, ("Mean weekly revenue by week of the year with its 95% interval over "
                 f"{data.n_replications} replications; grey marks the calendar's peak window.")


def _year_lines(ax, weekly: pd.DataFrame, colour: str) -> None:
    """One thin line per simulated year (a single run has no replications to band over)."""
    styles = ["--", ":", "-."]
    for i, (year, w) in enumerate(weekly.groupby("year")):
        ax.plot(w["woy"], w["revenue"], color=colour, lw=1, alpha=0.55, ls=styles[i % 3],
                label=f"year {int(year) + 1}")


def _best_policy_text(band: pd.DataFrame, data: PlotData) -> str:
    """'; Team bonus earns the most over the year (+4.1% vs Baseline)' for several policies."""
    total = band.groupby("policy")["mean"].sum()
    ref = data.reference or data.policies[0]
    if len(total) < 2 or ref not in total or total[ref] <= 0:
        return ""
    best = total.idxmax()
    if best == ref:
        return f"; {pretty(ref)} earns the most over the year"
    return (f"; {pretty(best)} earns the most over the year "
            f"({fmt_signed(100 * (total[best] / total[ref] - 1), 1)}% vs {pretty(ref)})")


TACTIC_COLOURS = {"tactic_quiet_quitting": "#332288", "tactic_peak_underperformance": "#CC3311",
                  "tactic_withholding": "#44AA99", "tactic_cherry_picking": "#117733",
                  "tactic_false_urgency": "#DDCC77"}


def _pct(x: float) -> str:
    """A small percentage with enough digits to differ from zero: 0.23%, 4.1%, 12%."""
    if x == 0:
        return "0%"
    return f"{x:.2f}%" if abs(x) < 1 else f"{x:.1f}%" if abs(x) < 10 else f"{x:.0f}%"


def _tactic_shares(weekly: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    head = weekly["headcount"].replace(0, np.nan) if "headcount" in weekly else 1.0
    shares = weekly[cols].div(head, axis=0) * 100 if "headcount" in weekly else weekly[cols]
    shares = shares.assign(woy=weekly["woy"], policy=weekly["policy"], peak=weekly.get("peak"))
    return shares


@styled
def tactics(data: PlotData):
    """Share of reps using each tactic by week of the year, stacked, one panel per policy."""
    cols = tactic_columns(data.weekly)
    pu = "tactic_peak_underperformance"
    cols = ([pu] if pu in cols else []) + [c for c in cols if c != pu]  # bottom of the stack
    season = data.seasons[0]
    w = data.weekly[data.weekly["season"] == season]
    shares = _tactic_shares(w, cols)
    peak = peak_weeks(data, season)
    grid = Panels(len(data.policies), row_h=3.8, ncols=3)
    fig, axes = grid.fig, grid.axes
    names = [pretty(c.removeprefix("tactic_")) for c in cols]
    for ax, pol in zip(axes, data.policies):
        s = shares[shares["policy"] == pol].groupby("woy")[cols].mean()
        s = s.reindex(range(WEEKS_PER_YEAR)).fillna(0.0)
        _shade_peak(ax, peak)
        ax.stackplot(s.index, *[s[c] for c in cols], labels=names,
                     colors=[TACTIC_COLOURS.get(c, CATEGORY_COLOURS[i % 10])
                             for i, c in enumerate(cols)], alpha=0.9)
        if len(data.policies) > 1:
            ax.set_title(pretty(pol), color=policy_colours(data.policies)[pol],
                         fontweight="bold")
    grid.month_axes()
    axes[0].set_ylabel("reps using the tactic (% of reps)" if "headcount" in w
                       else "reps using the tactic")
    grid.legend()
    fig.suptitle(wrap_title(_tactic_title(shares, cols, peak, season)))
    return fig, (f"Mean share of reps using each sabotage tactic in each week of the year "
                 f"({pretty(season)} calendar), stacked; grey marks the peak window.")


def _tactic_title(shares: pd.DataFrame, cols: list[str], peak: np.ndarray, season: str) -> str:
    by_week = shares.groupby("woy")[cols].mean().reindex(range(WEEKS_PER_YEAR)).fillna(0.0)
    pu = "tactic_peak_underperformance"
    if pu in cols and peak.any() and (~peak).any():
        inside = float(by_week[pu][peak].mean())
        outside = float(by_week[pu][~peak].mean())
        where = "where it hurts" if inside > outside else "outside the peak too"
        return (f"Peak underperformance happens {where}: {_pct(inside)} of reps in peak "
                f"weeks vs {_pct(outside)} outside ({pretty(season)} calendar)")
    if not cols:
        return "No tactic columns in this output"
    top = by_week.mean().idxmax()
    return (f"{pretty(top.removeprefix('tactic_'))} is the most common tactic: "
            f"{_pct(by_week[top].mean())} of reps in an average week")


@styled
def manager_hours(data: PlotData):
    """Manager hours per week by activity (per policy) and overload by week of the year."""
    colours = policy_colours(data.policies)
    cols = [c for c in hours_columns(data.weekly) if data.weekly[c].abs().sum() > 0]
    fig, axes = new_figure(12, 1.6 + max(3.2, 0.55 * len(data.policies) + 1.6), 1, 2,
                           width_ratios=[1.25, 1])
    ax, ax2 = axes[0]
    hours = data.weekly.groupby("policy")[cols].mean().reindex(data.policies).fillna(0.0)
    left = np.zeros(len(hours))
    names = [pretty(c.removeprefix("hours_")) for c in cols]
    names = [n + " (not done)" if n == "Skipped" else n for n in names]
    ypos = np.arange(len(hours))[::-1]
    for i, (c, n) in enumerate(zip(cols, names)):
        ax.barh(ypos, hours[c], left=left, color=CATEGORY_COLOURS[i % 10], label=n, height=0.6)
        left += hours[c].to_numpy()
    ax.set_yticks(ypos, [pretty(p) for p in hours.index])
    ax.set_xlabel("manager hours per week (all managers)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=4, frameon=False)
    ax.set_title("Where manager time goes", fontsize=11)
    _thousands(ax, "x")
    season = data.seasons[0]
    _shade_peak(ax2, peak_weeks(data, season))
    w = data.weekly[data.weekly["season"] == season]
    over = w.groupby(["policy", "woy"])["overload_share"].mean() * 100
    for pol in data.policies:
        if pol in over.index.get_level_values(0):
            ax2.plot(over[pol].index, over[pol].to_numpy(), color=colours[pol], lw=1.8,
                     label=pretty(pol))
    _month_axis(ax2)
    if over.max() <= 0:
        ax2.set_ylim(-0.5, 10)
        ax2.text(0.5, 0.55, "no manager went over budget in any week", ha="center",
                 transform=ax2.transAxes, fontsize=11, color="#333333")
    ax2.set_ylabel("managers over their hours budget (%)")
    ax2.yaxis.set_major_formatter(PercentFormatter())
    ax2.set_title(f"Overload by week ({pretty(season)} calendar)", fontsize=11)
    if len(data.policies) > 1:
        ax2.legend(frameon=False, loc="upper left")
    fig.suptitle(wrap_title(_hours_title(hours, over, data)))
    return fig, ("Left: mean manager hours per week by activity. Right: share of managers "
                 "whose weekly demands exceed their hours budget, by week of the year.")


def _hours_title(hours: pd.DataFrame, over: pd.Series, data: PlotData) -> str:
    ref = data.reference or data.policies[0]
    text = ""
    if ref in hours.index and hours.loc[ref].sum() > 0:
        row = hours.loc[ref]
        top = row.drop("hours_skipped", errors="ignore").idxmax()
        text = (f"{pretty(ref)}: managers spend {row[top] / row.sum():.0%} of their hours on "
                f"{top.removeprefix('hours_').replace('_', ' ')}")
        if row.get("hours_skipped", 0) / row.sum() >= 0.005:
            text += f" and leave {row['hours_skipped'] / row.sum():.0%} of demands undone"
    if ref in over.index.get_level_values(0):
        o = over[ref]
        text += ("; " if text else "") + (
            f"overload peaks at {_pct(o.max())} of managers in week {int(o.idxmax()) + 1}"
            if o.max() > 0 else "no manager was over budget in any week")
        peaks = over.groupby(level=0).max()
        calm = peaks.idxmin()
        if len(peaks) > 1 and calm != ref and peaks[calm] < o.max():
            text += f"; {pretty(calm)} keeps that peak to {_pct(peaks[calm])}"
    return text or "No manager hours recorded"
