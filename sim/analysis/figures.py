"""Figures of ``salesim analyze``: sensitivity bars with intervals and the regret chart."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

COLOURS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000"]
DPI = 110
SHOWN = 12  # parameters shown in a sensitivity chart, most influential first


def label(key: str) -> str:
    """A scenario key in words: ``behaviour.learning_rate`` -> ``learning rate (behaviour)``."""
    section, _, name = key.rpartition(".")
    return f"{name.replace('_', ' ')} ({section.replace('.', ' ')})" if section else key


def _figure(width: float, height: float):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt.subplots(figsize=(width, height))


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def sensitivity_bars(table: pd.DataFrame, method: str, title: str, path: Path) -> Path:
    """Total-order (or mu*) bars per season with their 95% intervals, largest first."""
    key, conf = ("ST", "ST_conf") if method == "sobol" else ("mu_star", "mu_star_conf")
    order = (table.groupby("parameter")[key].max().sort_values(ascending=False)
             .index[:SHOWN].tolist())
    seasons = list(dict.fromkeys(table["season"]))
    fig, ax = _figure(9.5, 1.2 + 0.42 * len(order) * max(1, len(seasons)) ** 0.5)
    height = 0.8 / len(seasons)
    y = np.arange(len(order))
    for i, season in enumerate(seasons):
        rows = table[table["season"] == season].set_index("parameter").reindex(order)
        ax.barh(y + i * height, rows[key], height=height, xerr=rows[conf], capsize=3,
                color=COLOURS[i % len(COLOURS)], label=season, error_kw={"lw": 1})
    ax.set_yticks(y + height * (len(seasons) - 1) / 2, [label(p) for p in order])
    ax.invert_yaxis()
    ax.set_xlabel("total-order Sobol index (share of variance, 95% bootstrap interval, cut at "
                  "the axis)"
                  if method == "sobol" else "Morris mu* (mean absolute elementary effect, "
                  "unit-scaled inputs, with 95% bootstrap interval)")
    ax.axvline(0, color="#666666", lw=0.8)
    top = float(np.nanmax(table[key])) if table[key].notna().any() else 1.0
    if method == "sobol":  # indices live in [0, 1]; a wider interval is cut at the axis
        ax.set_xlim(min(-0.1, float(np.nanmin(table[key])) - 0.05), max(1.1, top + 0.1))
    ax.set_title("\n".join(textwrap.wrap(title, 80)), fontsize=11, loc="left")
    if len(seasons) > 1:
        ax.legend(title="season", fontsize=8)
    return _save(fig, path)


def regret_chart(table: pd.DataFrame, kpi: str, path: Path) -> Path:
    """Mean and maximum regret per policy (bars) and satisficing share (dots, right axis)."""
    fig, ax = _figure(8.5, 1.5 + 0.45 * len(table))
    y = np.arange(len(table))
    ax.barh(y - 0.2, table["mean_regret"], 0.4, color=COLOURS[0], label="mean regret")
    ax.barh(y + 0.2, table["max_regret"], 0.4, color=COLOURS[1], label="maximum regret")
    ax.set_yticks(y, table["policy"])
    ax.invert_yaxis()
    ax.set_xlabel(f"regret in {kpi} (shortfall from the best policy in each scenario)")
    ax2 = ax.twiny()
    ax2.plot(table["satisficing_share"], y, "o", color=COLOURS[2], label="satisficing share")
    ax2.set_xlim(0, 1)
    ax2.set_xlabel("share of scenarios meeting the threshold")
    ax.legend(loc="lower right", fontsize=8)
    ax2.legend(loc="upper right", fontsize=8)
    return _save(fig, path)
