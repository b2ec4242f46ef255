"""Figures about reps, for a single run or a sweep: concentration, survival, warning time.

Each function takes a :class:`~sim.report.data.PlotData` and returns ``(figure, caption)``; the
title states the finding, computed from the data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator, PercentFormatter

from sim.report.data import KPI_BY_KEY, WEEKS_PER_YEAR, PlotData
from sim.report.figures_run import Panels
from sim.report.stats import kaplan_meier, lorenz, survival_at, top_share
from sim.report.style import new_figure, policy_colours, pretty, styled, wrap_title

QUINTILE_COLOURS = ["#b5de2b", "#35b779", "#26828e", "#3e4989", "#440154"]  # viridis
QUINTILE_NAMES = ["bottom 20%", "2nd", "middle", "4th", "top 20%"]


MIN_WEEKS = 13  # reps with shorter stays are left out of the concentration measures


def rep_rates(reps: pd.DataFrame) -> pd.Series:
    """Revenue per week employed, for reps who stayed at least MIN_WEEKS weeks.

    Without a weeks_employed column, total revenue per rep is used.
    """
    if "weeks_employed" not in reps:
        return reps["revenue"]
    ok = reps["weeks_employed"] >= MIN_WEEKS
    return reps.loc[ok, "revenue"] / reps.loc[ok, "weeks_employed"]


def _mean_lorenz(reps: pd.DataFrame, grid: np.ndarray) -> tuple[np.ndarray, float]:
    curves, tops = [], []
    for _, r in reps.groupby("run_id"):
        rates = rep_rates(r)
        x, y = lorenz(rates)
        curves.append(np.interp(grid, x, y))
        tops.append(top_share(rates))
    return np.mean(curves, axis=0), float(np.mean(tops))


@styled
def lorenz_curves(data: PlotData):
    """Lorenz curve of rep revenue per policy (average over runs)."""
    colours = policy_colours(data.policies)
    grid = np.linspace(0, 1, 101)
    fig, axes = new_figure(7.6, 6.4)
    ax = axes[0, 0]
    ax.plot([0, 100], [0, 100], color="#888888", ls="--", lw=1, label="every rep equal")
    tops = {}
    col = KPI_BY_KEY["concentration"].column
    kpi = (data.runs.groupby("policy")[col].mean()
           if col in data.runs and data.runs[col].notna().any() else None)
    for pol in data.policies:
        r = data.reps[data.reps["policy"] == pol]
        if r.empty:
            continue
        y, tops[pol] = _mean_lorenz(r, grid)
        if kpi is not None and pol in kpi.index:
            tops[pol] = float(kpi[pol])  # one number: the KPI the tables show
        ax.plot(grid * 100, y * 100, color=colours[pol], lw=2,
                label=f"{pretty(pol)}: top 20% earn {tops[pol]:.1%}")
    ax.axvline(80, color="#bbbbbb", lw=0.8)
    ax.set_xlabel("reps, ranked from lowest to highest revenue per week (cumulative %)")
    ax.set_ylabel("revenue (cumulative %)")
    ax.xaxis.set_major_formatter(PercentFormatter())
    ax.yaxis.set_major_formatter(PercentFormatter())
    ax.set_xlim(0, 100), ax.set_ylim(0, 100)
    ax.legend(loc="upper left", frameon=False)
    ref = data.reference or data.policies[0]
    title = (f"The 20% of reps who sell most per week bring "
             f"{tops.get(ref, float('nan')):.1%} of revenue")
    title += f" under {pretty(ref)}" if len(tops) > 1 else ""
    if len(tops) > 1:
        low = min(tops, key=tops.get)
        if low != ref:
            title += f"; {pretty(low)} spreads it most ({tops[low]:.1%})"
    ax.set_title(wrap_title(title, 70))
    source = ("the shares in the title and legend are the top-20% revenue share KPI (annualised "
              "revenue of the final 52 weeks), the number the tables show"
              if kpi is not None else "the shares are read from these curves")
    return fig, ("Lorenz curves of revenue per week employed (reps who stayed at least "
                 f"{MIN_WEEKS} weeks), averaged over runs; the further below the diagonal, the "
                 f"more revenue depends on a few reps; {source}.")


def _durations(reps: pd.DataFrame, weeks: int) -> tuple[np.ndarray, np.ndarray]:
    start = np.maximum(reps["hired_week"].to_numpy(dtype=float), 0)
    left = reps["left_week"].to_numpy(dtype=float)
    event = left >= 0
    end = np.where(event, left, weeks)
    return np.maximum(end - start, 0), event


@styled
def survival(data: PlotData):
    """Kaplan-Meier survival of reps by performance quintile, one panel per policy."""
    grid = Panels(len(data.policies), row_h=4.0, ncols=3)
    fig, axes = grid.fig, grid.axes
    one_year = {}
    for ax, pol in zip(axes, data.policies):
        r = data.reps[data.reps["policy"] == pol]
        for q in range(5):
            rq = r[r["perf_quintile"] == q]
            if rq.empty:
                continue
            dur, event = _durations(rq, data.weeks)
            t, s = kaplan_meier(dur, event)
            t, s = np.append(t, dur.max()), np.append(s, s[-1])  # carry on to the last rep seen
            ax.step(t, s * 100, where="post", color=QUINTILE_COLOURS[q], lw=2,
                    label=QUINTILE_NAMES[q])
            one_year[(pol, q)] = survival_at(t, s, min(WEEKS_PER_YEAR, data.weeks))
        if len(data.policies) > 1:
            ax.set_title(pretty(pol), color=policy_colours(data.policies)[pol],
                         fontweight="bold")
        ax.set_xlim(0, data.weeks)
        ax.set_ylim(0, 102)
        ax.yaxis.set_major_formatter(PercentFormatter())
    axes[0].set_ylabel("reps still with the company (%)")
    grid.shared_xlabel("weeks since hire (since the start for reps already there)")
    grid.legend(title="performance quintile\n(revenue per week employed)", ncols=5)
    ref = data.reference or data.policies[0]
    top, bottom = one_year.get((ref, 4), np.nan), one_year.get((ref, 0), np.nan)
    horizon = "a full year" if data.weeks >= WEEKS_PER_YEAR else f"{data.weeks} weeks"
    title = (f"{pretty(ref)}: {top:.0%} of top-quintile reps stay {horizon}, "
             f"vs {bottom:.0%} of the bottom quintile")
    others = [p for p in data.policies if p != ref and (p, 4) in one_year]
    if others:
        best = max(others, key=lambda p: one_year[(p, 4)])
        title += f"; {pretty(best)} keeps {one_year[(best, 4)]:.0%} of top reps"
    fig.suptitle(wrap_title(title))
    return fig, ("Kaplan-Meier curves: share of reps still employed by time since hire, by "
                 "performance quintile; reps still there at the end are censored at the horizon.")


def lead_times(reps: pd.DataFrame) -> tuple[pd.Series, int, int]:
    """Weeks from first noticed sign to the first threat or resignation after it.

    Returns lead times (indexed like reps), the number of reps with a threat or resignation
    and how many of those had no sign noticed before it.
    """
    sign = reps["first_sign_week"].astype(float).where(reps["first_sign_week"] >= 0)
    threat = reps["first_threat_week"].astype(float).where(reps["first_threat_week"] >= 0)
    left = reps["left_week"].astype(float).where(reps["left_week"] >= 0)
    outcome = pd.concat([threat, left], axis=1).min(axis=1)
    has_outcome = outcome.notna()
    lead = (outcome - sign).where(outcome >= sign)
    missed = int((has_outcome & lead.isna()).sum())
    return lead.dropna(), int(has_outcome.sum()), missed


def _lead_hist(ax, lead: pd.Series, colour: str) -> None:
    """Histogram of lead times; the last bin collects the longest 2%."""
    top = max(8.0, float(lead.quantile(0.98)))
    width = 1 if top <= 40 else int(np.ceil(top / 30))
    bins = np.arange(0, top + width + 1, width) - 0.5
    ax.hist(lead.clip(upper=bins[-1] - 0.5), bins=bins, color=colour, alpha=0.45,
            edgecolor="white", lw=0.5)
    ax.axvline(lead.median(), color="#333333", ls="--", lw=1.2)
    ax.text(lead.median(), 0.97, f" median {lead.median():.0f} weeks", va="top",
            transform=ax.get_xaxis_transform(), fontsize=10)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


@styled
def lead_time(data: PlotData):
    """Histogram of weeks from first noticed warning sign to a threat or resignation.

    With several policies, a second panel compares them as cumulative shares.
    """
    colours = policy_colours(data.policies)
    ref = data.reference or data.policies[0]
    leads = {p: lead_times(data.reps[data.reps["policy"] == p]) for p in data.policies}
    several = sum(1 for v in leads.values() if len(v[0])) > 1
    fig, axes = new_figure(12 if several else 10, 5.4, 1, 2 if several else 1)
    ax = axes[0, 0]
    lead, n_out, missed = leads[ref]
    xlabel = "weeks from first noticed warning sign to threat or resignation"
    if len(lead):
        _lead_hist(ax, lead, colours[ref])
    else:
        ax.text(0.5, 0.5, "no threat or resignation followed a noticed sign",
                ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"reps ({pretty(ref)}, all runs)" if data.kind == "sweep" else "reps")
    if several:
        ax2 = axes[0, 1]
        for pol, (lp, _, _) in leads.items():
            if len(lp):
                x = np.sort(lp.to_numpy())
                ax2.step(x, np.arange(1, len(x) + 1) / len(x) * 100, where="post", lw=2,
                         color=colours[pol], label=f"{pretty(pol)} (median {lp.median():.0f})")
        ax2.set_xlabel(xlabel.replace("first noticed warning sign", "sign"))
        ax2.set_ylabel("cumulative share of those reps (%)")
        ax2.yaxis.set_major_formatter(PercentFormatter())
        ax2.legend(frameon=False, loc="lower right")
        ax.set_title(f"{pretty(ref)}", fontsize=11)
        ax2.set_title("All policies: share warned at most this long before", fontsize=11)
    if n_out and len(lead):
        title = (f"{pretty(ref)}: managers noticed a first warning sign a median "
                 f"{lead.median():.0f} weeks before a threat or resignation; "
                 f"{missed / n_out:.0%} came with no sign noticed first")
    elif n_out:
        title = (f"{pretty(ref)}: none of {n_out} threats or resignations was preceded by a "
                 "noticed sign")
    else:
        title = "No threats or resignations in these runs"
    fig.suptitle(wrap_title(title, 95))
    return fig, ("Lead time: weeks between the first warning sign a manager noticed and the "
                 "rep's first threat or resignation (whichever came first); the last bar "
                 "collects the longest 2%.")
