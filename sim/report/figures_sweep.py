"""Figures that need a sweep: paired KPI differences, the trade-off and factor effects.

Each function takes a :class:`~sim.report.data.PlotData` and returns ``(figure, caption)``.
"""

from __future__ import annotations

import dataclasses
import textwrap

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from sim.report.data import KPI_BY_KEY, Kpi, PlotData
from sim.report.stats import levels, mean_ci, paired_differences
from sim.report.style import (fmt_interval, fmt_money, fmt_signed, new_figure, policy_colours,
                        pretty, season_markers, styled, wrap_title)


def effect_text(row: pd.Series, kpi: Kpi) -> str:
    """'revenue lost to departures −38% (95% CI −45…−30%)'."""
    u = row["unit"]
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
        return (f"{pretty(row['policy'])} does worse than {ref}: {effect_text(row, kpi)}"
                f"{side_txt}")
    if not better:
        return (f"No policy improves {kpi.label} on {ref}; the least bad is "
                f"{pretty(row['policy'])}: {effect_text(row, kpi)}{side_txt}")
    clear = row["d_lo"] > 0 or row["d_hi"] < 0
    tail = "" if clear else f" (not distinguishable from {ref})"
    return f"{pretty(row['policy'])}: {effect_text(row, kpi)}{side_txt} vs {ref}{tail}"


def _diff_axis_label(data: PlotData, unit: str) -> str:
    ref = pretty(data.reference)
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
    ax.set_xlabel(_diff_axis_label(data, unit))
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
    ax.set_ylabel("total revenue per run (currency)")
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
    title = (f"{pretty(best)} earns the most ({fmt_money(pooled_rev[best])} per run) at "
             f"{pooled_att[best]:.0%} attrition a year")
    if calm != best:
        title += f"; {pretty(calm)} loses the fewest reps ({pooled_att[calm]:.0%})"
    else:
        title += " and loses the fewest reps"
    ax.set_title(wrap_title(title, 80))
    return fig, ("Each marker is a policy in one seasonal scenario (colour: policy, shape: "
                 "season): mean revenue per run against mean attrition; larger markers mean "
                 "revenue depends more on the top 20% of reps. The paired-difference charts give "
                 "the intervals.")


def factor_label(column: str, unit: bool = True) -> str:
    """'policies.team_bonus.pool_share' -> 'Team bonus pool share (share of variable pay)'.

    The unit comes from the parameter schema; it is left out when the name already says it.
    """
    from sim.policies.params import POLICY_CLASSES
    from sim.scenario.schema import SECTIONS
    parts = column.split(".")
    try:
        if parts[0] == "policies":
            cls, name, head = POLICY_CLASSES[parts[1]], parts[2], parts[1]
        else:
            cls, name, head = SECTIONS[parts[0]], parts[1], parts[0]
        found = {f.name: f.metadata.get("unit", "-") for f in dataclasses.fields(cls)}[name]
    except (KeyError, IndexError):
        return pretty(column.replace(".", " "))
    text = pretty(f"{head} {name}").replace("_", " ")
    if not unit or found in ("-", "") or found in name.replace("_", " "):
        return text
    return f"{text} ({found})"


def _factor_values(s: pd.Series, max_levels: int = 12) -> pd.Series:
    """Grid values as they are; sampled numeric values binned into at most 10 bins."""
    if pd.api.types.is_numeric_dtype(s) and s.nunique() > max_levels:
        bins = pd.qcut(s, 10, duplicates="drop")
        return bins.apply(lambda iv: float(f"{iv.mid:.3g}")).astype(float)  # bin midpoints
    return s


def _fmt_level(v) -> str:
    return f"{v:g}" if isinstance(v, (int, float, np.number)) else str(v)


FACTOR_KPIS = ("revenue", "attrition", "top_attrition", "revenue_lost")


def _fmt_kpi(kpi: Kpi, value: float) -> str:
    """A KPI level for a title: money, a percentage for rates, else a number."""
    if kpi.unit == "currency":
        return fmt_money(value)
    if kpi.diff == "pp":
        return f"{value:.0%}"
    return f"{value:,.1f}"


def factor_kpis(runs: pd.DataFrame, keys=FACTOR_KPIS, limit: int = 3) -> list[Kpi]:
    """The first KPIs of `keys` that the sweep kept (experiments may keep a subset)."""
    out = [KPI_BY_KEY[k] for k in keys
           if KPI_BY_KEY[k].column in runs and runs[KPI_BY_KEY[k].column].notna().any()]
    return out[:limit]


def focus_policy(data: PlotData) -> str:
    """The policy a factor sweep is about: the first that is not the reference."""
    others = [p for p in data.policies if p != data.reference]
    return others[0] if others else data.policies[0]


def _best_level(runs: pd.DataFrame, kpi: Kpi) -> str:
    means = runs.groupby("_x")[kpi.column].mean()
    pick = means.idxmax() if kpi.higher_better else means.idxmin()
    return (f"{kpi.label} {'highest' if kpi.higher_better else 'lowest'} at "
            f"{_fmt_level(pick)} ({_fmt_kpi(kpi, means[pick])})")


def _factor_panel(ax, runs: pd.DataFrame, kpi: Kpi, data: PlotData) -> None:
    """Mean and 95% band of one KPI against one factor, a line per policy and season."""
    colours = policy_colours(data.policies)
    styles = dict(zip(data.seasons, ["-", "--", ":", "-."] * 3))
    numeric = pd.api.types.is_numeric_dtype(runs["_x"])
    scale = 100.0 if kpi.diff == "pp" else 1.0
    for (pol, season), df in runs.groupby(["policy", "season"], sort=False):
        rows = [(x, *mean_ci(g[kpi.column])[:3]) for x, g in df.groupby("_x")]
        x = [r[0] for r in rows] if numeric else [str(r[0]) for r in rows]
        m, lo, hi = (np.array([r[i] for r in rows]) * scale for i in (1, 2, 3))
        ax.fill_between(x, lo, hi, color=colours[pol], alpha=0.18, lw=0)
        ax.plot(x, m, color=colours[pol], ls=styles[season], marker="o", ms=4, lw=1.8,
                label=f"{pretty(pol)}, {pretty(season)}")
    ax.set_ylabel("\n".join(textwrap.wrap(kpi.unit, 26)))  # the column title names the KPI
    if kpi.unit == "currency":
        ax.yaxis.set_major_formatter(lambda v, _: fmt_money(v))


@styled
def factor_line(data: PlotData):
    """KPI mean and 95% band against each factor (one row per factor, averaged over the
    others), one line per policy and seasonal scenario."""
    kpis = factor_kpis(data.runs)
    focus = focus_policy(data)
    fig, axes = new_figure(12.5, 1.5 + 3.7 * len(data.factors), len(data.factors), len(kpis))
    notes = []
    for i, factor in enumerate(data.factors):
        runs = data.runs.assign(_x=_factor_values(data.runs[factor]))
        for j, kpi in enumerate(kpis):
            ax = axes[i, j]
            _factor_panel(ax, runs, kpi, data)
            ax.set_xlabel("\n".join(textwrap.wrap(factor_label(factor), 34)))
            if i == 0:
                ax.set_title(pretty(kpi.label), fontsize=11)
        mine = runs[runs["policy"] == focus]
        if len(data.factors) == 1:
            notes += [_best_level(mine, k) for k in kpis]
        else:
            other = data.factors[1 - i] if i < 2 else data.factors[0]
            means = mine.groupby("_x")[kpis[0].column].mean()
            pick = means.idxmax() if kpis[0].higher_better else means.idxmin()
            notes.append(f"{_short(factor, other)} {_fmt_level(pick)} "
                         f"({_fmt_kpi(kpis[0], means[pick])})")
    if len(data.factors) > 1:
        word = "highest" if kpis[0].higher_better else "lowest"
        notes = [f"{kpis[0].label} is {word} at " + " and at ".join(notes)]
    ref = data.reference
    if ref and ref != focus and ref in set(data.runs["policy"]):
        level = data.runs.loc[data.runs["policy"] == ref, kpis[0].column].mean()
        notes.append(f"{pretty(ref)}: {_fmt_kpi(kpis[0], level)}")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    if len(labels) > 1:
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4),
                   frameon=False)
    if len(data.factors) == 1:
        head = factor_label(data.factors[0], unit=False)
    elif len(data.policies) > 1:
        head = pretty(focus)
    else:
        head = _common_head(*data.factors[:2]) or pretty(str(data.meta.get("name", focus)))
    fig.suptitle(wrap_title(f"{head}: " + "; ".join(notes)))
    others = " (averaged over the other factors)" if len(data.factors) > 1 else ""
    return fig, (f"Mean of each KPI at each factor level{others}, with its 95% interval over "
                 f"runs; the title reads {pretty(focus)}'s best levels.")


@styled
def factor_heatmap(data: PlotData):
    """Two-factor sweep: heatmaps of revenue and attrition with the best cell marked."""
    fx, fy = data.factors[:2]
    pol = focus_policy(data)
    runs = data.runs[data.runs["policy"] == pol]
    runs = runs.assign(_x=_factor_values(runs[fx]), _y=_factor_values(runs[fy]))
    kpis = factor_kpis(runs, limit=2)
    fig, axes = new_figure(12, 5.6, 1, len(kpis))
    notes = []
    for ax, kpi in zip(axes[0], kpis):
        grid = runs.pivot_table(index="_y", columns="_x", values=kpi.column, aggfunc="mean")
        scale = 100.0 if kpi.diff == "pp" else 1.0
        z = grid.to_numpy(dtype=float) * scale
        cmap = "viridis" if kpi.higher_better else "viridis_r"
        im = ax.imshow(z, cmap=cmap, aspect="auto", origin="lower")
        ax.set_xticks(range(grid.shape[1]), [_fmt_level(v) for v in grid.columns])
        ax.set_yticks(range(grid.shape[0]), [_fmt_level(v) for v in grid.index])
        ax.set_xlabel(factor_label(fx))
        ax.set_ylabel(factor_label(fy))
        ax.grid(False)
        best = np.nanargmax(z) if kpi.higher_better else np.nanargmin(z)
        by, bx = np.unravel_index(best, z.shape)
        ax.add_patch(_box(bx, by))
        cell = (lambda v: fmt_money(v)) if kpi.unit == "currency" else (lambda v: f"{v:.1f}%")
        _label_cells(ax, im, z, cell, (by, bx))
        text = cell(z[by, bx])
        unit = "currency" if kpi.unit == "currency" else "%"
        cb = fig.colorbar(im, ax=ax, shrink=0.9)
        cb.set_label(f"{kpi.label} ({unit})")
        if kpi.unit == "currency":
            cb.formatter = lambda v, _: fmt_money(v)
            cb.update_ticks()
        who = f" ({pretty(pol)})" if len(data.policies) > 1 else ""
        ax.set_title(f"{pretty(kpi.label)}{who}", fontsize=11)
        notes.append(f"{kpi.label} is {'highest' if kpi.higher_better else 'lowest'} at "
                     f"{_short(fx, fy)} {_fmt_level(grid.columns[bx])}, {_short(fy, fx)} "
                     f"{_fmt_level(grid.index[by])} ({text})")
    head = _common_head(fx, fy)
    text = "; ".join(notes)
    fig.suptitle(wrap_title(f"{head}: {text}" if head else text[0].upper() + text[1:]))
    rest = " and the other factors" if len(data.factors) > 2 else ""
    return fig, (f"Mean KPI of {pretty(pol)} for each combination of the two factors (averaged "
                 f"over replications, seasonal scenarios{rest}); the framed cell is the best "
                 "(bold).")


def _head(column: str) -> str:
    parts = column.split(".")
    return parts[1] if parts[0] == "policies" and len(parts) > 2 else parts[0]


def _common_head(a: str, b: str) -> str:
    """'Team bonus' when both factors belong to the same policy or section, else ''."""
    return pretty(_head(a)) if _head(a) == _head(b) and "." in a else ""


def _short(column: str, other: str) -> str:
    """A factor's name without its policy when the title already names it."""
    name = column.split(".")[-1].replace("_", " ")
    return name if _common_head(column, other) else factor_label(column, unit=False).lower()


def _label_cells(ax, im, z: np.ndarray, fmt, best: tuple[int, int]) -> None:
    """Write each cell's value in it, dark on light cells and light on dark ones."""
    for (y, x), v in np.ndenumerate(z):
        if not np.isfinite(v):
            continue
        r, g, b, _ = im.cmap(im.norm(v))
        colour = "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"
        label = fmt(v)
        ax.text(x, y, label, ha="center", va="center", color=colour, fontsize=10,
                fontweight="bold" if (y, x) == best else "normal")


def _box(x: int, y: int):
    from matplotlib.patches import Rectangle
    return Rectangle((x - 0.45, y - 0.45), 0.9, 0.9, fill=False, ec="#D55E00", lw=3)
