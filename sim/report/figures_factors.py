"""Figures of factor sweeps: a KPI against each factor, and two-factor heatmaps.

Each function takes a :class:`~sim.report.data.PlotData` and returns ``(figure, caption)``.
"""

from __future__ import annotations

import dataclasses
import textwrap

import numpy as np
import pandas as pd

from sim.report.data import KPI_BY_KEY, Kpi, PlotData, currency, is_money, unit_text
from sim.report.stats import mean_ci
from sim.report.style import (fmt_money, new_figure, policy_colours, pretty, season_markers,
                              styled, wrap_title)


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


def _fmt_kpi(kpi: Kpi, value: float, cur: str = "USD") -> str:
    """A KPI level for a title: money, a percentage for rates, else a number."""
    if is_money(kpi):
        return f"{fmt_money(value)}\u00a0{cur}"
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


def _best_level(runs: pd.DataFrame, kpi: Kpi, cur: str) -> str:
    means = runs.groupby("_x")[kpi.column].mean()
    pick = means.idxmax() if kpi.higher_better else means.idxmin()
    return (f"{kpi.label} {'highest' if kpi.higher_better else 'lowest'} at "
            f"{_fmt_level(pick)} ({_fmt_kpi(kpi, means[pick], cur)})")


def _factor_panel(ax, runs: pd.DataFrame, kpi: Kpi, data: PlotData) -> None:
    """Mean and 95% interval of one KPI against one factor, per policy and season.

    A numeric factor gets a line and a band (values between levels make sense); a categorical
    one gets dots with whiskers side by side, since nothing lies between 'team' and 'company'.
    """
    colours = policy_colours(data.policies)
    styles = dict(zip(data.seasons, ["-", "--", ":", "-."] * 3))
    markers = season_markers(data.seasons)
    numeric = pd.api.types.is_numeric_dtype(runs["_x"])
    scale = 100.0 if kpi.diff == "pp" else 1.0
    groups = list(runs.groupby(["policy", "season"], sort=False))
    cats = sorted({str(v) for v in runs["_x"].dropna()})
    width = 0.6 / max(len(groups), 1)
    for i, ((pol, season), df) in enumerate(groups):
        rows = [(x, *mean_ci(g[kpi.column])[:3]) for x, g in df.groupby("_x")]
        m, lo, hi = (np.array([r[i] for r in rows]) * scale for i in (1, 2, 3))
        label = f"{pretty(pol)}, {pretty(season)}"
        if numeric:
            x = [r[0] for r in rows]
            ax.fill_between(x, lo, hi, color=colours[pol], alpha=0.18, lw=0)
            ax.plot(x, m, color=colours[pol], ls=styles[season], marker="o", ms=4, lw=1.8,
                    label=label)
            continue
        x = np.array([cats.index(str(r[0])) for r in rows]) + (i - (len(groups) - 1) / 2) * width
        ax.errorbar(x, m, yerr=[m - lo, hi - m], fmt=markers[season], ls="none",
                    color=colours[pol], ms=7, capsize=3, lw=1.6, label=label)
    if not numeric:
        ax.set_xticks(range(len(cats)), cats)
        ax.set_xlim(-0.6, len(cats) - 0.4)
    unit = unit_text(kpi.unit, currency(data))
    ax.set_ylabel("\n".join(textwrap.wrap(unit, 26)))  # the column title names the KPI
    if is_money(kpi):
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
            notes += [_best_level(mine, k, currency(data)) for k in kpis]
        else:
            other = data.factors[1 - i] if i < 2 else data.factors[0]
            means = mine.groupby("_x")[kpis[0].column].mean()
            pick = means.idxmax() if kpis[0].higher_better else means.idxmin()
            notes.append(f"{_short(factor, other)} {_fmt_level(pick)} "
                         f"({_fmt_kpi(kpis[0], means[pick], currency(data))})")
    if len(data.factors) > 1:
        word = "highest" if kpis[0].higher_better else "lowest"
        notes = [f"{kpis[0].label} is {word} at " + " and at ".join(notes)]
    ref = data.reference
    if ref and ref != focus and ref in set(data.runs["policy"]):
        level = data.runs.loc[data.runs["policy"] == ref, kpis[0].column].mean()
        notes.append(f"{pretty(ref)}: {_fmt_kpi(kpis[0], level, currency(data))}")
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
                 f"runs ({data.n_replications} replications per design point); the title "
                 f"reads {pretty(focus)}'s best levels. Categorical factors are shown as dots: "
                 "there is nothing between their levels.")


def _cell_runs(runs: pd.DataFrame, y, x) -> pd.DataFrame:
    return runs[(runs["_y"] == y) & (runs["_x"] == x)]


def clearly_better(a: pd.DataFrame, b: pd.DataFrame, kpi: Kpi) -> bool:
    """True when runs ``a`` beat runs ``b`` on the KPI with a 95% interval that excludes zero.

    Runs are paired by seasonal scenario and replication (the same seed) where both have them;
    otherwise the difference of the two means is judged with Welch's interval.
    """
    from scipy import stats as st
    key = ["season", "replication"]
    sign = 1.0 if kpi.higher_better else -1.0
    both = a[key + [kpi.column]].merge(b[key + [kpi.column]], on=key).dropna()
    if len(both) >= 2:
        d = sign * (both[kpi.column + "_x"] - both[kpi.column + "_y"])
        return bool(mean_ci(d)[1] > 0)
    x, y = a[kpi.column].dropna(), b[kpi.column].dropna()
    if len(x) < 2 or len(y) < 2:
        return False
    res = st.ttest_ind(x, y, equal_var=False)
    lo = res.confidence_interval(0.95).low if sign > 0 else -res.confidence_interval(0.95).high
    return bool(lo > 0)


@styled
def factor_heatmap(data: PlotData):
    """Two-factor sweep: heatmaps of two KPIs with the reference alongside; a cell is framed
    only when it is clearly better than every other cell and than the reference."""
    fx, fy = data.factors[:2]
    pol = focus_policy(data)
    ref = data.reference if data.reference in set(data.runs["policy"]) and \
        data.reference != pol else None
    runs = data.runs[data.runs["policy"] == pol]
    runs = runs.assign(_x=_factor_values(runs[fx]), _y=_factor_values(runs[fy]))
    ref_runs = data.runs[data.runs["policy"] == ref] if ref else runs.iloc[:0]
    kpis = factor_kpis(runs, limit=2)
    fig, axes = new_figure(12, 5.9, 1, len(kpis))
    notes = []
    cur = currency(data)
    for ax, kpi in zip(axes[0], kpis):
        grid = runs.pivot_table(index="_y", columns="_x", values=kpi.column, aggfunc="mean")
        scale = 100.0 if kpi.diff == "pp" else 1.0
        z = grid.to_numpy(dtype=float) * scale
        labels_y = [_fmt_level(v) for v in grid.index]
        if ref:
            row = np.full((1, z.shape[1]), np.nan)
            row[0, 0] = float(ref_runs[kpi.column].mean()) * scale
            z = np.vstack([row, z])
            labels_y = [f"{pretty(ref)}\n(reference)"] + labels_y
        off = 1 if ref else 0
        cmap = "viridis" if kpi.higher_better else "viridis_r"
        im = ax.imshow(z, cmap=cmap, aspect="auto", origin="lower")
        ax.set_xticks(range(grid.shape[1]), [_fmt_level(v) for v in grid.columns])
        ax.set_yticks(range(z.shape[0]), labels_y)
        ax.set_xlabel(factor_label(fx))
        ax.set_ylabel(factor_label(fy))
        ax.grid(False)
        inner = z[off:]
        best = np.nanargmax(inner) if kpi.higher_better else np.nanargmin(inner)
        by, bx = np.unravel_index(best, inner.shape)
        best_runs = _cell_runs(runs, grid.index[by], grid.columns[bx])
        rivals = [_cell_runs(runs, y, x) for y in grid.index for x in grid.columns
                  if (y, x) != (grid.index[by], grid.columns[bx])]
        if ref:
            rivals.append(ref_runs)
        framed = all(clearly_better(best_runs, r, kpi) for r in rivals if len(r))
        cell = (lambda v: fmt_money(v)) if is_money(kpi) else (lambda v: f"{v:.1f}%") \
            if kpi.diff == "pp" else (lambda v: f"{v:,.1f}")
        if framed:
            ax.add_patch(_box(bx, by + off))
        _label_cells(ax, im, z, cell, (by + off, bx) if framed else (-1, -1))
        text = cell(z[by + off, bx])
        unit = unit_text(kpi.unit, cur)
        cb = fig.colorbar(im, ax=ax, shrink=0.9)
        cb.set_label(f"{kpi.label} ({unit})")
        if is_money(kpi):
            cb.formatter = lambda v, _: fmt_money(v)
            cb.update_ticks()
        who = f" ({pretty(pol)})" if len(data.policies) > 1 else ""
        ax.set_title(f"{pretty(kpi.label)}{who}", fontsize=11)
        where = (f"{_short(fx, fy)} {_fmt_level(grid.columns[bx])}, {_short(fy, fx)} "
                 f"{_fmt_level(grid.index[by])} ({text})")
        word = "highest" if kpi.higher_better else "lowest"
        if framed:
            notes.append(f"{kpi.label} is clearly {word} at {where}")
        else:
            notes.append(f"no setting is clearly best on {kpi.label} (the top cell, {where}, "
                         "is within noise of another" + (" or of the reference" if ref else "")
                         + ")")
    head = _common_head(fx, fy)
    text = "; ".join(notes)
    fig.suptitle(wrap_title(f"{head}: {text}" if head else text[0].upper() + text[1:]))
    rest = " and the other factors" if len(data.factors) > 2 else ""
    refnote = (f" The bottom row is {pretty(ref)}, the reference, which has no factor values."
               if ref else "")
    return fig, (f"Mean KPI of {pretty(pol)} for each combination of the two factors (averaged "
                 f"over {data.n_replications} replications, seasonal scenarios{rest})."
                 f"{refnote} A cell is framed (bold) only when its paired 95% interval against "
                 "every other cell and the reference excludes zero.")


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
