"""Robustness of each policy across scenarios: regret and satisficing.

``values`` is a scenario x policy table of one KPI (mean over replications; larger is better
unless ``larger_is_better`` is False).  In each scenario the best policy scores zero regret;
every other policy's regret is how far it falls short of that best (Savage's minimax-regret
criterion, used for robust decisions by Lempert et al. 2006).  Satisficing counts the share of
scenarios in which a policy meets a threshold the user sets: a number, or ``"reference"``
(at least as good as the reference policy in the same scenario).  Scenarios with a failed run
for any policy are left out of both, and counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Robustness:
    table: pd.DataFrame      # one row per policy
    regret: pd.DataFrame     # scenario x policy regret
    scenarios_used: int
    scenarios_dropped: int
    disagreement: str        # empty when both rankings agree


def regret_matrix(values: pd.DataFrame, larger_is_better: bool = True) -> pd.DataFrame:
    """Regret of every policy in every scenario against the best policy there."""
    v = values if larger_is_better else -values
    return v.max(axis=1).to_numpy()[:, None] - v


def satisficing(values: pd.DataFrame, threshold, reference: str | None,
                larger_is_better: bool = True) -> pd.Series:
    """Share of scenarios where each policy meets the threshold."""
    if threshold == "reference":
        bar = values[reference].to_numpy()[:, None]
    else:
        bar = float(threshold)
    ok = values.to_numpy() >= bar if larger_is_better else values.to_numpy() <= bar
    return pd.Series(ok.mean(axis=0), index=values.columns)


def robustness(values: pd.DataFrame, threshold="reference", reference: str | None = None,
               larger_is_better: bool = True) -> Robustness:
    """Mean and maximum regret, satisficing share, both ranks and their disagreement."""
    complete = values.dropna()
    regret = regret_matrix(complete, larger_is_better)
    sat = satisficing(complete, threshold, reference, larger_is_better)
    table = pd.DataFrame({"policy": complete.columns,
                          "mean_regret": regret.mean().to_numpy(),
                          "max_regret": regret.max().to_numpy(),
                          "satisficing_share": sat.to_numpy(),
                          "best_in_share": (regret == 0).mean().to_numpy()})
    keys = list(zip(table["max_regret"].round(12), table["mean_regret"].round(12)))
    table["rank_regret"] = [1 + sum(k < own for k in keys) for own in keys]  # minimax, then mean
    share = table["satisficing_share"].copy()
    if threshold == "reference":  # the reference meets its own bar trivially: not ranked
        share[table["policy"] == reference] = np.nan
    table["rank_satisficing"] = (-share).rank(method="min").astype("Int64")
    table = table.sort_values(["rank_regret", "rank_satisficing"]).reset_index(drop=True)
    return Robustness(table, regret, len(complete), len(values) - len(complete),
                      disagreement_text(table))


def disagreement_text(table: pd.DataFrame) -> str:
    """The pairs of policies the two rankings order the opposite way (ties are no
    disagreement), in words; empty when there are none."""
    rows = list(table.itertuples())
    flipped = [(a.policy, b.policy) for a in rows for b in rows
               if not (pd.isna(a.rank_satisficing) or pd.isna(b.rank_satisficing))
               and a.rank_regret < b.rank_regret and a.rank_satisficing > b.rank_satisficing]
    if not flipped:
        return ""
    ranked = table[table["rank_satisficing"].notna()]
    best_regret = ranked.loc[ranked["rank_regret"] == ranked["rank_regret"].min(),
                             "policy"].tolist()
    best_sat = table.loc[table["rank_satisficing"] == 1, "policy"].tolist()
    head = ("the rankings disagree on the best policy: " + "/".join(best_regret)
            + " by regret, " + "/".join(best_sat) + " by satisficing"
            if not set(best_regret) & set(best_sat) else "the rankings disagree below the top")
    pairs = ", ".join(f"{a} ahead of {b} by regret but behind it by satisficing"
                      for a, b in flipped)
    return f"{head}; {pairs}"
