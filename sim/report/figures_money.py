"""Money figures of a sweep: cumulative gross profit against the reference, the ledger as a
waterfall, and the main KPIs year by year.

Each function takes a :class:`~sim.report.data.PlotData` and returns ``(figure, caption)``.
All money comes from :mod:`sim.report.money`, so it matches the decision table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from sim.report.data import WEEKS_PER_YEAR, PlotData
from sim.report.money import LINES, PROFIT, cumulative_profit_gap, first_lasting_crossing, \
    weekly_ledger
from sim.report.stats import mean_ci, weekly_band
from sim.report.style import (fmt_cash, fmt_cash_interval, fmt_money, new_figure, policy_colours, pretty, styled,
                              wrap_title)


def _money_axis(ax, axis: str = "y") -> None:
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(lambda v, _: fmt_money(v))


def _reps_note(data: PlotData) -> str:
    n = data.n_replications
    return f"{n} replication{'s' if n != 1 else ''} per policy and season"


@styled
def cumulative_profit(data: PlotData):
    """Cumulative gross profit minus the reference's, week by week, per season and policy."""
    cur = data.meta["report"].currency
    gap = cumulative_profit_gap(data, data.meta["report"])
    gap = gap.assign(run_id=0, woy=gap["week"])  # weekly_band groups by replication below
    colours = policy_colours(data.policies)
    others = [p for p in data.policies if p != data.reference]
    ncols = min(len(data.seasons), 3)
    nrows = int(np.ceil(len(data.seasons) / ncols))
    fig, axes = new_figure(12, 1.6 + 3.9 * nrows, nrows, ncols, sharey=True)
    flat = list(axes.ravel())
    for ax in flat[len(data.seasons):]:
        ax.set_visible(False)
    notes = []
    for ax, season in zip(flat, data.seasons):
        sel = gap[gap["season"] == season]
        for pol in others:
            g = sel[sel["policy"] == pol].rename(columns={"replication": "rep"})
            if g.empty:
                continue
            g = g.assign(run_id=g["rep"])
            b = weekly_band(g, "gap", []).sort_values("woy")
            wk, lo = b["woy"].to_numpy(), b["lo"].to_numpy()
            ax.fill_between(wk, b["lo"], b["hi"], color=colours[pol], alpha=0.16, lw=0)
            ax.plot(wk, b["mean"], color=colours[pol], lw=2, label=pretty(pol))
            pay = first_lasting_crossing(wk, lo)
            if pay is not None and pay > wk[0]:
                y = float(b.set_index("woy").loc[pay, "mean"])
                ax.plot([pay], [y], marker="v", ms=9, color=colours[pol], mec="black")
                notes.append((season, pol, pay))
        ax.axhline(0, color="#555555", lw=1)
        years = int(np.ceil((gap["week"].max() + 1) / WEEKS_PER_YEAR))
        ax.set_xticks([y * WEEKS_PER_YEAR for y in range(years + 1)],
                      [f"{y}" for y in range(years + 1)])
        ax.set_xlabel("years from the start")
        ax.set_title(pretty(season), fontsize=11)
        _money_axis(ax)
    flat[0].set_ylabel(f"cumulative gross profit minus {pretty(data.reference)}'s\n"
                       f"({cur}, since the start)")
    handles = [Line2D([], [], color=colours[p], lw=2, label=pretty(p)) for p in others]
    handles.append(Line2D([], [], marker="v", ls="", color="#777777", mec="black", ms=9,
                          label="pays back: band above zero from here on"))
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 5),
               frameon=False)
    end = gap[gap["week"] == gap["week"].max()]
    means = end.groupby(["season", "policy"])["gap"].mean()
    season, pol = means.idxmax()
    title = (f"Over the whole horizon {pretty(pol)} earns the most against "
             f"{pretty(data.reference)}: {fmt_cash(means.max(), cur, signed=True)} cumulative "
             f"gross profit ({pretty(season).lower()} season)")
    late = [n for n in notes if n[2] >= WEEKS_PER_YEAR // 4]
    if late:
        s, p, w = max(late, key=lambda n: n[2])
        title += f"; {pretty(p)} needs until week {w} to pay back ({pretty(s).lower()})"
    fig.suptitle(wrap_title(title, 100))
    return fig, (f"Cumulative gross profit of each policy minus that of {pretty(data.reference)} "
                 "in the same replication (same seed), week by week, with its 95% band over "
                 f"replications ({_reps_note(data)}). A triangle marks payback: the week from "
                 "which the whole band stays above zero. Money in "
                 f"{cur}.")


def ledger_deltas(data: PlotData) -> pd.DataFrame:
    """Per policy (pooled over seasons): paired mean difference of each ledger line per year,
    its sign in profit applied, plus gross profit with its 95% interval."""
    cols = [f"{name}_per_year" for name, _, _ in LINES] + [f"{PROFIT}_per_year"]
    key = ["season", "replication"] + list(data.factors)
    runs = data.runs
    ref = runs.loc[runs["policy"] == data.reference, key + cols]
    other = runs.loc[runs["policy"] != data.reference, key + ["policy"] + cols]
    both = other.merge(ref, on=key, suffixes=("", "_ref"))
    rows = []
    for pol in [p for p in data.policies if p != data.reference]:
        df = both[both["policy"] == pol]
        if df.empty:
            continue
        row = {"policy": pol, "n": len(df)}
        for (name, _, sign), col in zip(LINES, cols):
            row[name] = sign * float((df[col] - df[col + "_ref"]).mean())
        m, lo, hi, _ = mean_ci(df[cols[-1]] - df[cols[-1] + "_ref"])
        row.update({PROFIT: m, "lo": lo, "hi": hi})
        rows.append(row)
    return pd.DataFrame(rows)


@styled
def money_waterfall(data: PlotData):
    """Waterfall per policy: from the change in revenue to the change in gross profit."""
    cur = data.meta["report"].currency
    deltas = ledger_deltas(data)
    colours = policy_colours(data.policies)
    n = len(deltas)
    ncols = min(n, 2)
    nrows = int(np.ceil(n / ncols))
    fig, axes = new_figure(12, 1.4 + 3.8 * nrows, nrows, ncols, sharey=True)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    words = [w for _, w, _ in LINES] + ["gross profit"]
    for ax, (_, r) in zip(flat, deltas.iterrows()):
        level = 0.0
        for i, (name, _, _) in enumerate(LINES):
            step = r[name]
            colour = "#009E73" if step >= 0 else "#D55E00"
            ax.bar(i, step, bottom=level, color=colour, width=0.7)
            if i:
                ax.plot([i - 1.35, i - 0.35], [level, level], color="#888888", lw=0.8)
            level += step
        k = len(LINES)
        ax.plot([k - 1.35, k - 0.35], [level, level], color="#888888", lw=0.8)
        ax.bar(k, r[PROFIT], color=colours[r["policy"]], width=0.7)
        ax.errorbar(k, r[PROFIT], yerr=[[r[PROFIT] - r["lo"]], [r["hi"] - r[PROFIT]]],
                    color="black", capsize=4, lw=1.4)
        ax.axhline(0, color="#555555", lw=1)
        ax.set_xticks(range(k + 1), words, rotation=30, ha="right")
        ax.set_xlabel("line of the ledger")
        ax.set_title(f"{pretty(r['policy'])}: {fmt_cash(r[PROFIT], cur, signed=True)} a year "
                     f"(95% CI {fmt_cash_interval(r['lo'], r['hi'], cur)})", fontsize=11)
        ax.grid(axis="x", visible=False)
        _money_axis(ax)
    for row in range(nrows):
        axes[row, 0].set_ylabel(f"difference from {pretty(data.reference)}\n({cur} per year)")
    best = deltas.loc[deltas[PROFIT].idxmax()]
    big = max(((w, best[name]) for name, w, _ in LINES), key=lambda t: abs(t[1]))
    fig.suptitle(wrap_title(
        f"Where the money goes: {pretty(best['policy'])} gains most, "
        f"{fmt_cash(best[PROFIT], cur, signed=True)} gross profit a year; its largest line is "
        f"{big[0]} ({fmt_cash(big[1], cur, signed=True)} a year)", 100))
    return fig, (f"Each bar is the change in one line of the ledger against "
                 f"{pretty(data.reference)} (paired runs, averaged over seasonal scenarios, "
                 f"{_reps_note(data)}), signed by its effect on profit: green adds, orange "
                 f"takes away. The last bar is the change in gross profit with its 95% "
                 f"interval. Money in {cur} per year.")


def yearly_table(data: PlotData) -> pd.DataFrame:
    """Per run and year: revenue, gross profit (currency per year) and attrition (share)."""
    led = weekly_ledger(data.weekly, data.meta["report"])
    w = data.weekly.loc[led.index]
    led["year"] = ((w["week"] - w["week"].min()) // WEEKS_PER_YEAR).astype(int) + 1
    led["quits"] = w["quits"].astype(float) if "quits" in w else np.nan
    led["headcount"] = w["headcount"].astype(float) if "headcount" in w else np.nan
    g = led.groupby(["run_id", "year"])
    out = g[["revenue", PROFIT, "quits"]].sum()
    out["weeks"] = g["week"].count()
    out["attrition"] = out["quits"] / g["headcount"].mean() * WEEKS_PER_YEAR / out["weeks"]
    out = out[out["weeks"] == WEEKS_PER_YEAR].reset_index()  # whole years only
    return out.merge(data.runs[["run_id", "policy", "season"]], on="run_id")


@styled
def yearly_kpis(data: PlotData):
    """Revenue, gross profit and attrition in each year of the horizon, per policy."""
    cur = data.meta["report"].currency
    tab = yearly_table(data)
    colours = policy_colours(data.policies)
    panels = [("revenue", f"revenue ({cur} per year)"),
              (PROFIT, f"gross profit ({cur} per year)"),
              ("attrition", "attrition (% of reps per year)")]
    fig, axes = new_figure(12.5, 4.8, 1, 3)
    years = sorted(tab["year"].unique())
    width = 0.7 / max(len(data.policies), 1)
    for ax, (col, label) in zip(axes[0], panels):
        scale = 100.0 if col == "attrition" else 1.0
        for i, pol in enumerate(data.policies):
            sel = tab[tab["policy"] == pol]
            stats = [mean_ci(sel.loc[sel["year"] == y, col]) for y in years]
            x = np.array(years) + (i - (len(data.policies) - 1) / 2) * width
            m = np.array([s[0] for s in stats]) * scale
            err = np.array([[s[0] - s[1], s[2] - s[0]] for s in stats]).T * scale
            ax.errorbar(x, m, yerr=err, fmt="o-", color=colours[pol], ms=6, capsize=3,
                        lw=1.4, label=pretty(pol))
        ax.set_xticks(years, [f"year {y}" for y in years])
        ax.set_xlabel("year of the horizon")
        ax.set_ylabel(label)
        if col != "attrition":
            _money_axis(ax)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 6),
               frameon=False)
    ref = tab[tab["policy"] == data.reference].groupby("year")["revenue"].mean()
    title = (f"{pretty(data.reference)}'s revenue goes from {fmt_cash(ref.iloc[0], cur)} in "
             f"year {years[0]} to {fmt_cash(ref.iloc[-1], cur)} in year {years[-1]}")
    lead = tab.groupby(["policy", "year"])["revenue"].mean().unstack()
    others = [p for p in data.policies if p != data.reference and p in lead.index]
    if others:
        rel = lead.loc[others].div(lead.loc[data.reference]) - 1
        best = rel.iloc[:, -1].idxmax()
        title += (f"; {pretty(best)}'s lead goes from {rel.loc[best].iloc[0]:+.0%} to "
                  f"{rel.loc[best].iloc[-1]:+.0%}")
    fig.suptitle(wrap_title(title, 100))
    return fig, (f"Mean of each year of the horizon with its 95% interval over runs (pooled "
                 f"over seasonal scenarios; {_reps_note(data)}). Whole years only.")
