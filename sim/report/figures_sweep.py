"""Figures that need a sweep: paired KPI differences, the trade-off and factor effects.

Each function takes a :class:`~sim.report.data.PlotData` and returns ``(figure, caption)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from sim.report.data import KPI_BY_KEY, Kpi, PlotData, currency, is_money, unit_text
from sim.report.stats import levels, paired_differences, shared_ranks
from sim.report.style import (fmt_cash, fmt_cash_interval, fmt_interval, fmt_money, fmt_signed, new_figure, policy_colours,
                        pretty, season_markers, styled, wrap_title)


def effect_text(row: pd.Series, kpi: Kpi, cur: str = "USD") -> str:
    """'revenue lost to departures −38% (95% CI −45…−30%)'; money as '+1.2 M USD a year'."""
    u = row["unit"]
    if u == "" and is_money(kpi):
        return (f"{kpi.label} {fmt_cash(row['d'], cur, signed=True)} a year "
                f"(95% CI {fmt_cash_interval(row['d_lo'], row['d_hi'], cur)})")
    digits = 1 if u == "pp" or abs(row["d"]) < 10 else 0
    return (f"{kpi.label} {fmt_signed(row['d'], digits)}{u} "
            f"(95% CI {fmt_interval(row['d_lo'], row['d_hi'], digits)}{u})")


def best_effect(pooled: pd.DataFrame, kpi: Kpi) -> pd.Series | None:
    """The pooled row with the most favourable mean difference."""
    if pooled.empty:
        return None
    sign = 1 if kpi.higher_better else -1
    return pooled.loc[(sign * pooled["d"]).idxmax()]


def diff_title(data: PlotData, kpi: Kpi, pooled: pd.DataFrame) -> str:
    """The finding for one KPI: the best policy, its effect, and its side effect."""
    row = best_effect(pooled, kpi)
    if row is None:
        return f"No paired runs to compare {kpi.label}"
    ref = pretty(data.reference)
    cur = currency(data)
    better = (row["d"] > 0) == kpi.higher_better and row["d"] != 0
    side_key = "attrition" if kpi.key == "revenue" else "revenue"
    side = paired_differences(data, KPI_BY_KEY[side_key], by_season=False)
    side_row = side[side["policy"] == row["policy"]] if len(side) else side
    side_txt = ""
    if not side_row.empty:
        s = side_row.iloc[0]
        digits = 1 if s["unit"] == "pp" or abs(s["d"]) < 10 else 0
        side_txt = f", {KPI_BY_KEY[side_key].label} {fmt_signed(s['d'], digits)}{s['unit']}"
    if not better and len(pooled) == 1:
        return (f"{pretty(row['policy'])} does worse than {ref}: {effect_text(row, kpi, cur)}"
                f"{side_txt}")
    if not better:
        return (f"No policy improves {kpi.label} on {ref}; the least bad is "
                f"{pretty(row['policy'])}: {effect_text(row, kpi, cur)}{side_txt}")
    clear = row["d_lo"] > 0 or row["d_hi"] < 0
    tail = "" if clear else f" (not distinguishable from {ref})"
    tied = tied_with(data, kpi, row["policy"])
    if tied:
        tail += f"; tied with {', '.join(pretty(p) for p in tied)} (paired interval spans zero)"
    return f"{pretty(row['policy'])}: {effect_text(row, kpi, cur)}{side_txt} vs {ref}{tail}"


def tied_with(data: PlotData, kpi: Kpi, policy: str) -> list[str]:
    """Policies that share ``policy``'s rank on the KPI (as in the ranking table)."""
    means = data.runs.groupby("policy")[kpi.column].mean().dropna()
    order = list(means.sort_values(ascending=not kpi.higher_better).index)
    ranks = shared_ranks(data, kpi.column, order)
    return [p for p in order if p != policy and ranks.get(p) == ranks.get(policy)]


def _diff_axis_label(data: PlotData, unit: str, kpi: Kpi | None = None) -> str:
    ref = pretty(data.reference)
    if unit == "" and kpi is not None:
        return f"difference from {ref} ({unit_text(kpi.unit, currency(data))}), 95% interval"
    if unit == "%":
        return f"difference from {ref} (% of {ref}'s mean), 95% interval"
    if unit == "pp":
        return f"difference from {ref} (percentage points), 95% interval"
    return f"difference from {ref}, 95% interval"


@styled
def kpi_difference(data: PlotData, key: str):
    """Dot-and-whisker: paired difference vs the reference per policy and seasonal scenario."""
    kpi = KPI_BY_KEY[key]
    per = paired_differences(data, kpi, by_season=True)
    pooled = paired_differences(data, kpi, by_season=False)
    colours = policy_colours(data.policies)
    markers = season_markers(data.seasons)
    others = [p for p in data.policies if p != data.reference and p in set(per["policy"])]
    fig, axes = new_figure(10, max(3.6, 2.2 + 0.75 * len(others) * len(data.seasons) ** 0.5))
    ax = axes[0, 0]
    step = 0.7 / max(len(data.seasons), 1)
    for i, pol in enumerate(others):
        for j, season in enumerate(data.seasons):
            r = per[(per["policy"] == pol) & (per["season"] == season)]
            if r.empty:
                continue
            r = r.iloc[0]
            y = len(others) - 1 - i - (j - (len(data.seasons) - 1) / 2) * step
            ax.errorbar(r["d"], y, xerr=[[max(r["d"] - r["d_lo"], 0.0)], [max(r["d_hi"] - r["d"], 0.0)]],
                        fmt=markers[season], color=colours[pol], ms=8, capsize=3, lw=1.8,
                        mfc=colours[pol] if j == 0 else "white", mew=1.8)
    ax.axvline(0, color="#555555", lw=1)
    ax.set_yticks(range(len(others))[::-1], [pretty(p) for p in others])
    ax.set_ylim(-0.6, len(others) - 0.4)
    unit = per["unit"].iloc[0] if len(per) else ""
    ax.set_xlabel(_diff_axis_label(data, unit, kpi))
    if unit == "" and is_money(kpi):
        ax.xaxis.set_major_formatter(lambda v, _: fmt_money(v))
    ax.text(1.0 if kpi.higher_better else 0.0, 1.01,
            "better \u2192" if kpi.higher_better else "\u2190 better",
            transform=ax.transAxes, ha="right" if kpi.higher_better else "left", va="bottom",
            fontsize=10, color="#555555")
    if len(data.seasons) > 1:
        handles = [Line2D([], [], marker=markers[s], ls="", color="#444444", ms=8,
                          mfc="#444444" if j == 0 else "white", label=pretty(s))
                   for j, s in enumerate(data.seasons)]
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles),
                   frameon=False, title="seasonal scenario")
    fig.suptitle(wrap_title(diff_title(data, kpi, pooled), 90))
    return fig, (f"Paired difference in {kpi.label} against {pretty(data.reference)} "
                 f"(same seeds), per policy and seasonal scenario, with 95% intervals over "
                 f"{data.n_replications} replications.")


@styled
def tradeoff(data: PlotData):
    """Revenue against attrition per policy and season; marker size = top-20% revenue share."""
    colours = policy_colours(data.policies)
    markers = season_markers(data.seasons)
    cols = {k: KPI_BY_KEY[k].column for k in ("revenue", "attrition", "concentration")}
    groups = ["policy", "season"]
    runs = data.runs
    if cols["concentration"] not in runs or runs[cols["concentration"]].isna().all():
        cols.pop("concentration")  # the experiment did not keep it: one marker size
    lv = {k: levels(data, c, groups).set_index(groups) for k, c in cols.items()}
    fig, axes = new_figure(10.5, 6.4)
    ax = axes[0, 0]
    conc = lv["concentration"]["mean"] if "concentration" in lv \
        else pd.Series(0.5, index=lv["revenue"].index)
    cmin, cmax = float(conc.min()), float(conc.max())

    def size(c: float) -> float:
        return 60 + 440 * ((c - cmin) / (cmax - cmin) if cmax > cmin else 0.5)

    for (pol, season), r in lv["revenue"].iterrows():
        a = lv["attrition"].loc[(pol, season)]
        ax.scatter(a["mean"] * 100, r["mean"], s=size(conc.loc[(pol, season)]),
                   marker=markers[season], color=colours[pol], alpha=0.85,
                   edgecolor="white", lw=0.8, zorder=3)
    ax.margins(0.08)  # keep the largest markers inside the axes
    ax.set_xlabel("attrition (% of reps leaving per year)")
    cur = currency(data)
    ax.set_ylabel(f"revenue ({cur} per year)")
    ax.yaxis.set_major_formatter(lambda v, _: fmt_money(v))
    handles = [Line2D([], [], marker="o", ls="", color=colours[p], ms=9, label=pretty(p))
               for p in data.policies]
    if len(data.seasons) > 1:
        handles += [Line2D([], [], marker=markers[s], ls="", color="#555555", ms=9,
                           label=pretty(s)) for s in data.seasons]
    if "concentration" in lv:
        handles += [Line2D([], [], marker="o", ls="", color="#bbbbbb",
                           ms=np.sqrt(size(c)) * 0.9,
                           label=f"top 20% of reps earn\n{c:.0%} of revenue")
                    for c in np.unique([cmin, cmax])]
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False,
              labelspacing=1.1)
    pooled_rev = levels(data, cols["revenue"], ["policy"]).set_index("policy")["mean"]
    pooled_att = levels(data, cols["attrition"], ["policy"]).set_index("policy")["mean"]
    best, calm = pooled_rev.idxmax(), pooled_att.idxmin()
    title = (f"{pretty(best)} earns the most revenue ({fmt_money(pooled_rev[best])} {cur} a "
             f"year) at "
             f"{pooled_att[best]:.0%} attrition a year")
    if calm != best:
        title += f"; {pretty(calm)} loses the fewest reps ({pooled_att[calm]:.0%})"
    else:
        title += " and loses the fewest reps"
    ax.set_title(wrap_title(title, 80))
    return fig, ("Each marker is a policy in one seasonal scenario (colour: policy, shape: "
                 "season): mean revenue per year against mean attrition; larger markers mean "
                 "revenue depends more on the top 20% of reps. The paired-difference charts give "
                 f"the intervals. {data.n_replications} replications per marker.")

