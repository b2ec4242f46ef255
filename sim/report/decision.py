"""The decision table: per seasonal scenario, each policy against the reference, in money.

For every (season, policy) it gives the paired difference in gross profit per year, in
attrition and in top performers lost, each with its 95% interval, and a verdict read from the
gross-profit interval:

* **adopt**: the whole interval is above zero (the policy earns more);
* **reject**: the whole interval is below zero;
* **uncertain**: the interval straddles zero.  With the spread of the paired differences seen
  so far, about ``n_needed = (t * sd / |mean|)^2`` replications would make the interval's
  half-width smaller than the mean difference, so ``n_needed - n`` more would likely settle
  it (a planning estimate: the mean and spread of new replications will differ).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as st

from sim.report.data import KPI_BY_KEY, PlotData
from sim.report.stats import mean_ci, paired_values

LEVEL = 0.95
ADOPT, REJECT, UNCERTAIN = "adopt", "reject", "uncertain"
ALL_SEASONS = "all seasons"


@dataclass(frozen=True)
class Verdict:
    word: str               # adopt / reject / uncertain
    more: int | None        # extra replications that would likely settle an uncertain one
    too_small: bool = False  # the effect is too small to settle within the cap


def verdict(mean: float, lo: float, hi: float, sd: float, n: int, cap: int) -> Verdict:
    """Adopt, reject or uncertain from a 95% interval of a difference (higher is better)."""
    if n >= 2 and lo > 0:
        return Verdict(ADOPT, None)
    if n >= 2 and hi < 0:
        return Verdict(REJECT, None)
    if n < 2 or not np.isfinite(sd):
        return Verdict(UNCERTAIN, None)
    if mean == 0 or sd == 0:
        return Verdict(UNCERTAIN, None, too_small=sd > 0)
    t = float(st.t.ppf(0.5 + LEVEL / 2, n - 1))
    needed = math.ceil((t * sd / abs(mean)) ** 2)
    more = max(needed - n, 1)
    if needed > cap:
        return Verdict(UNCERTAIN, None, too_small=True)
    return Verdict(UNCERTAIN, more)


def _diff_stats(d: np.ndarray) -> dict:
    m, lo, hi, n = mean_ci(d)
    sd = float(np.std(d, ddof=1)) if n > 1 else float("nan")
    return {"mean": m, "lo": lo, "hi": hi, "n": n, "sd": sd}


def _rows_for(pairs: pd.DataFrame, by: list[str]) -> dict[tuple, dict]:
    out = {}
    if pairs.empty:
        return out
    for keys, df in pairs.groupby(by, sort=False):
        keys = keys if isinstance(keys, tuple) else (keys,)
        out[keys] = _diff_stats((df["x"] - df["ref"]).to_numpy(dtype=float))
    return out


def decision_table(data: PlotData, pooled: bool = False) -> pd.DataFrame:
    """One row per (season, policy): gross profit, attrition and top performers lost vs the
    reference (paired), and the verdict.  ``pooled`` adds rows over all seasons together.

    Columns: season, policy, n, gp, gp_lo, gp_hi, gp_sd (currency per year), att, att_lo,
    att_hi (share of reps per year), lost, lost_lo, lost_hi (reps per year), ref_gp (the
    reference's gross profit per year), verdict, more, too_small.
    """
    params = data.meta["report"]
    gp = paired_values(data, KPI_BY_KEY["gross_profit"])
    if gp.empty:
        return pd.DataFrame()
    parts = {"gp": gp, "att": paired_values(data, KPI_BY_KEY["attrition"]),
             "lost": paired_values(data, KPI_BY_KEY["top_lost"])}
    groupings = [(["season", "policy"], None)]
    if pooled and len(data.seasons) > 1:
        groupings.append((["policy"], ALL_SEASONS))
    rows = []
    for by, label in groupings:
        found = {k: _rows_for(v, by) for k, v in parts.items()}
        refs = gp.groupby(by, sort=False)["ref"].mean()
        for keys, g in found["gp"].items():
            season, policy = (keys if label is None else (label, keys[0]))
            v = verdict(g["mean"], g["lo"], g["hi"], g["sd"], g["n"], params.max_replications)
            row = {"season": season, "policy": policy, "n": g["n"], "gp": g["mean"],
                   "gp_lo": g["lo"], "gp_hi": g["hi"], "gp_sd": g["sd"],
                   "ref_gp": float(refs.loc[keys if len(keys) > 1 else keys[0]]),
                   "verdict": v.word, "more": v.more, "too_small": v.too_small}
            for name in ("att", "lost"):
                r = found[name].get(keys)
                row.update({name: r["mean"] if r else np.nan,
                            f"{name}_lo": r["lo"] if r else np.nan,
                            f"{name}_hi": r["hi"] if r else np.nan})
            rows.append(row)
    out = pd.DataFrame(rows)
    s_order = {s: i for i, s in enumerate(list(data.seasons) + [ALL_SEASONS])}
    p_order = {p: i for i, p in enumerate(data.policies)}
    out["_s"], out["_p"] = out["season"].map(s_order), out["policy"].map(p_order)
    return out.sort_values(["_s", "_p"], kind="stable").drop(columns=["_s", "_p"]) \
        .reset_index(drop=True)


def season_reversals(table: pd.DataFrame) -> list[tuple[str, dict[str, str]]]:
    """Policies whose verdict differs between seasons: (policy, {season: verdict})."""
    out = []
    per = table[table["season"] != ALL_SEASONS]
    for pol, df in per.groupby("policy", sort=False):
        words = dict(zip(df["season"], df["verdict"]))
        if len(set(words.values())) > 1:
            out.append((pol, words))
    return out


def best_in_season(table: pd.DataFrame, season: str) -> list[str]:
    """The adopted policies with the highest gross profit gain in a season, ties included.

    Another adopted policy ties with the leader when its interval reaches the leader's mean
    difference and the leader's reaches its (the two intervals overlap heavily).
    """
    df = table[(table["season"] == season) & (table["verdict"] == ADOPT)]
    if df.empty:
        return []
    df = df.sort_values("gp", ascending=False)
    lead = df.iloc[0]
    return [r["policy"] for _, r in df.iterrows()
            if r["policy"] == lead["policy"] or (r["gp_hi"] >= lead["gp"]
                                                 and lead["gp_lo"] <= r["gp"])]
