"""Small statistics behind the figures: intervals, paired differences, Lorenz, Kaplan-Meier.

Paired differences follow the experiment's common random numbers: replication r of a policy is
compared with replication r of the reference policy in the same seasonal scenario (and at the
same factor values), so the noise both share cancels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sim.report.data import Kpi, PlotData, diff_mode


def mean_ci(values) -> tuple[float, float, float, int]:
    """Mean and its 95% t-interval; with one value the interval collapses to the value."""
    x = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce").dropna(), dtype=float)
    n = len(x)
    if n == 0:
        return float("nan"), float("nan"), float("nan"), 0
    m = float(x.mean())
    if n == 1:
        return m, m, m, 1
    half = float(stats.t.ppf(0.975, n - 1) * x.std(ddof=1) / np.sqrt(n))
    return m, m - half, m + half, n


def paired_values(data: PlotData, kpi: Kpi) -> pd.DataFrame:
    """Rows of (season, factors, replication, policy, x = value, ref = reference value)."""
    return _pairs(data, kpi)


def _pairs(data: PlotData, kpi: Kpi) -> pd.DataFrame:
    """Rows of (season, policy, pair key, value, reference value)."""
    runs = data.runs
    if kpi.column not in runs.columns or data.reference is None:
        return pd.DataFrame()
    key = ["season", "replication"] + list(data.factors)
    cols = key + ["policy", kpi.column]
    ref = runs.loc[runs["policy"] == data.reference, key + [kpi.column]]
    ref = ref.rename(columns={kpi.column: "ref"})
    other = runs.loc[runs["policy"] != data.reference, cols].rename(columns={kpi.column: "x"})
    return other.merge(ref, on=key, how="inner").dropna(subset=["x", "ref"])


def _summarise_pairs(df: pd.DataFrame, mode: str) -> dict:
    d = (df["x"] - df["ref"]).to_numpy(dtype=float)
    m, lo, hi, n = mean_ci(d)
    ref_mean = float(df["ref"].mean())
    x_mean = float(df["x"].mean())
    if mode == "pct" and abs(ref_mean) > 1e-9:
        scale, unit = 100.0 / abs(ref_mean), "%"
    elif mode == "pp":
        scale, unit = 100.0, "pp"
    else:
        scale, unit = 1.0, ""
    d_lo = lo * scale
    if unit == "%" and (df["x"] >= 0).all() and (df["ref"] >= 0).all():
        d_lo = max(d_lo, -100.0)  # a quantity that cannot go negative falls at most 100%
    return {"n": n, "diff": m, "lo": lo, "hi": hi, "ref_mean": ref_mean, "mean": x_mean,
            "d": m * scale, "d_lo": d_lo, "d_hi": hi * scale, "unit": unit}


def paired_differences(data: PlotData, kpi: Kpi, by_season: bool = True) -> pd.DataFrame:
    """Paired difference against the reference, per (season, policy) or per policy.

    Columns: season (when by_season), policy, n, diff, lo, hi (KPI units), ref_mean, mean,
    d, d_lo, d_hi (display units: % of the reference mean, or percentage points) and unit.
    """
    pairs = _pairs(data, kpi)
    if pairs.empty:
        return pd.DataFrame()
    mode = diff_mode(kpi, data.runs[kpi.column])
    groups = ["season", "policy"] if by_season else ["policy"]
    rows = []
    for keys, df in pairs.groupby(groups, sort=False):
        keys = keys if isinstance(keys, tuple) else (keys,)
        rows.append({**dict(zip(groups, keys)), **_summarise_pairs(df, mode)})
    out = pd.DataFrame(rows)
    order = {p: i for i, p in enumerate(data.policies)}
    return out.sort_values("policy", key=lambda s: s.map(order), kind="stable")


def levels(data: PlotData, column: str, groups: list[str]) -> pd.DataFrame:
    """Mean and 95% interval of one runs column per group."""
    rows = []
    for keys, df in data.runs.groupby(groups, sort=False):
        keys = keys if isinstance(keys, tuple) else (keys,)
        m, lo, hi, n = mean_ci(df[column])
        rows.append({**dict(zip(groups, keys)), "mean": m, "lo": lo, "hi": hi, "n": n})
    return pd.DataFrame(rows)


def lorenz(values) -> tuple[np.ndarray, np.ndarray]:
    """Lorenz curve: cumulative share of reps (x) against cumulative share of revenue (y)."""
    v = np.sort(np.clip(np.asarray(values, dtype=float), 0, None))
    if len(v) == 0 or v.sum() <= 0:
        return np.array([0.0, 1.0]), np.array([0.0, 1.0])
    y = np.concatenate([[0.0], np.cumsum(v) / v.sum()])
    x = np.linspace(0.0, 1.0, len(v) + 1)
    return x, y


def top_share(values, top: float = 0.2) -> float:
    """Share of the total held by the top `top` fraction (interpolated on the Lorenz curve)."""
    x, y = lorenz(values)
    return float(1.0 - np.interp(1.0 - top, x, y))


def kaplan_meier(duration, event) -> tuple[np.ndarray, np.ndarray]:
    """Survival function S(t) as a step series; event=False means censored at `duration`."""
    d = np.asarray(duration, dtype=float)
    e = np.asarray(event, dtype=bool)
    times = np.unique(d[e])
    surv, s = [1.0], 1.0
    for t in times:
        at_risk = np.sum(d >= t)
        if at_risk:
            s *= 1.0 - np.sum((d == t) & e) / at_risk
        surv.append(s)
    return np.concatenate([[0.0], times]), np.array(surv)


def survival_at(t_grid: np.ndarray, s_grid: np.ndarray, t: float) -> float:
    """S(t) read from a step series."""
    idx = np.searchsorted(t_grid, t, side="right") - 1
    return float(s_grid[max(idx, 0)])


def weekly_band(weekly: pd.DataFrame, column: str, groups: list[str]) -> pd.DataFrame:
    """Mean and 95% band by week of the year per group.

    The unit of replication is a run (its value averaged over the years it covers); with a
    single run each year counts as one replication.
    """
    unit = "run_id" if weekly["run_id"].nunique() > 1 else "year"
    per = weekly.groupby(groups + [unit, "woy"], sort=False)[column].mean().reset_index()
    g = per.groupby(groups + ["woy"], sort=False)[column]
    n = g.count()
    mean = g.mean()
    sd = g.std(ddof=1).fillna(0.0)
    tq = pd.Series(stats.t.ppf(0.975, np.maximum(n - 1, 1)), index=n.index)
    half = (tq * sd / np.sqrt(n)).where(n > 1, 0.0)
    out = pd.DataFrame({"mean": mean, "lo": mean - half, "hi": mean + half, "n": n})
    return out.reset_index()


def paired_between(data: PlotData, column: str, a: str, b: str) -> tuple[float, float, int]:
    """95% interval of the paired difference a - b in one runs column (same seeds)."""
    key = ["season", "replication"] + list(data.factors)
    runs = data.runs
    left = runs.loc[runs["policy"] == a, key + [column]]
    right = runs.loc[runs["policy"] == b, key + [column]]
    both = left.merge(right, on=key, suffixes=("_a", "_b")).dropna()
    _, lo, hi, n = mean_ci(both[f"{column}_a"] - both[f"{column}_b"])
    return lo, hi, n


def shared_ranks(data: PlotData, column: str, order: list[str]) -> dict[str, int]:
    """Competition ranks (1, 1, 3, ...) for policies listed from best to worst.

    A policy shares the rank of the best policy of the current group when the 95% interval of
    their paired difference contains zero (they are tied); otherwise it starts a new rank.
    """
    ranks: dict[str, int] = {}
    leader = None
    for i, pol in enumerate(order, start=1):
        if leader is not None:
            lo, hi, n = paired_between(data, column, leader, pol)
            if n >= 2 and not (lo <= 0 <= hi):
                leader = None
            elif n < 2:
                leader = None
        if leader is None:
            leader, ranks[pol] = pol, i
        else:
            ranks[pol] = ranks[leader]
    return ranks
