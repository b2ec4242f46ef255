"""``salesim summarize DIR``: per design point and KPI statistics, and paired policy differences.

``summary.csv`` is a long table with one row per (design point, KPI) of ``kind = "point"``:
mean, sd, n and the 95% t-interval of the mean over replications; and one row per (policy,
season, factor point, KPI) of ``kind = "diff"``: the same statistics for the paired difference
*policy minus reference*, where replication ``r`` of the policy is paired with replication ``r``
of the reference policy in the same season at the same factor values (they share a seed).
Failed runs are left out; a pair is used only when both runs finished.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.common.atomic import write_text_atomic
from sim.common.errors import UserError
from sim.scenario.kpi_meta import kpi_better, kpi_unit
from sim.sweep.storage import read_manifest, read_runs
from sim.sweep.tidy import currency_of, write_tidy

CELL = ["point_id", "factor_point", "season", "policy"]
PAIR = ["factor_point", "season", "replication"]
LEVEL = 0.95


def t_interval(mean: pd.Series, sd: pd.Series, n: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided 95% Student-t interval of a mean; NaN where n < 2."""
    from scipy import stats  # (~30 MB: imported when a summary is written)
    n_arr = n.to_numpy(dtype=float)
    df = np.where(n_arr >= 2, n_arr - 1, np.nan)
    half = stats.t.ppf(0.5 + LEVEL / 2, df) * sd.to_numpy(dtype=float) / np.sqrt(n_arr)
    return mean.to_numpy() - half, mean.to_numpy() + half


def describe(long: pd.DataFrame, keys: list[str], column: str) -> pd.DataFrame:
    """n, mean, sd and the interval of ``column`` per group of ``keys`` (and KPI)."""
    groups = long.groupby([*keys, "kpi"], sort=True, observed=True)[column]
    out = groups.agg(n="count", mean="mean", sd="std").reset_index()
    out["ci_low"], out["ci_high"] = t_interval(out["mean"], out["sd"], out["n"])
    return out


def kpi_columns(runs: pd.DataFrame, design_cols: list[str]) -> list[str]:
    skip = set(design_cols) | {"status", "error"}
    return [c for c in runs.columns if c not in skip and pd.api.types.is_numeric_dtype(runs[c])]


def summarize(runs: pd.DataFrame, design: pd.DataFrame, reference: str) -> pd.DataFrame:
    """The summary table (see the module docstring) from finished runs."""
    design_cols = list(design.columns)
    factor_cols = design_cols[design_cols.index("policy") + 1:]
    kpis = kpi_columns(runs, design_cols)
    ok = runs[runs["status"] == "ok"]
    long = ok.melt(id_vars=[*CELL, "replication"], value_vars=kpis, var_name="kpi",
                   value_name="value").dropna(subset=["value"])
    cells = design.drop_duplicates("point_id")[[*CELL, *factor_cols]]
    points = describe(long, ["point_id"], "value").merge(cells, on="point_id")
    points["kind"] = "point"
    points["reference"] = ""
    ref = long[long["policy"] == reference].drop(columns=["policy", "point_id"])
    other = long[long["policy"] != reference]
    paired = other.merge(ref, on=[*PAIR, "kpi"], suffixes=("", "_ref"))
    paired["diff"] = paired["value"] - paired["value_ref"]
    diffs = describe(paired, ["point_id"], "diff").merge(cells, on="point_id")
    diffs["kind"] = "diff"
    diffs["reference"] = reference
    table = pd.concat([points, diffs], ignore_index=True)
    table["unit"] = table["kpi"].map(kpi_unit)
    table["better"] = table["kpi"].map(kpi_better)
    cols = ["kind", *CELL, *factor_cols, "reference", "kpi", "unit", "better", "n", "mean",
            "sd", "ci_low", "ci_high"]
    table = table[cols]
    order = {k: i for i, k in enumerate(kpis)}
    table["_k"] = table["kpi"].map(order)
    table = table.sort_values(["kind", "point_id", "_k"], ascending=[False, True, True],
                              kind="stable")
    return table.drop(columns="_k").reset_index(drop=True)


def cmd_summarize(args) -> int:
    out = Path(args.dir)
    manifest = read_manifest(out) if out.is_dir() else None
    if manifest is None:
        raise UserError(f"{out}: not a sweep folder (no manifest.json); run `salesim sweep "
                        "EXPERIMENT --out DIR` first")
    try:
        design = pd.read_parquet(out / "design.parquet")
    except Exception:  # noqa: BLE001 - missing or damaged: it can be derived again
        raise UserError(f"{out / 'design.parquet'}: missing or damaged; run `salesim repair "
                        f"{out}` to rebuild it from the experiment file") from None
    runs = read_runs(out)
    if not (runs["status"] == "ok").any():
        raise UserError(f"{out}: no finished runs to summarize yet")
    table = summarize(runs, design, manifest["reference"])
    table["unit"] = table["unit"].str.replace("currency", currency_of(out), regex=False)
    write_text_atomic(out / "summary.csv", table.to_csv(index=False))
    tidy = write_tidy(out, manifest)
    n_points = int((table["kind"] == "point").sum())
    n_diffs = int((table["kind"] == "diff").sum())
    print(f"wrote {out / 'summary.csv'}: {n_points} point rows and {n_diffs} paired "
          f"differences against '{manifest['reference']}' "
          f"({int((runs['status'] == 'ok').sum())} of {len(design)} runs finished); "
          f"consolidated {', '.join(p.name for p in tidy)}", file=sys.stderr)
    return 0
