"""Synthetic run and sweep directories in the layout of docs/architecture.md.

They let the report tests exercise edge cases (one factor, two factors, a single policy)
quickly, independent of the model's calibration.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim.world.params import SeasonParams
from sim.report.data import TACTICS
from sim.world.seasons import build_calendar

ACTIVITIES = ("coaching", "requests", "reviews", "monitoring", "retention", "urgency", "admin",
              "skipped")


def _one_run(rng: np.random.Generator, weeks: int, season: str, effect: float, n0: int = 40):
    cal = build_calendar(SeasonParams(calendar=season))
    woy = np.arange(weeks) % 52
    demand = cal.multiplier[woy]
    peak = cal.peak[woy]
    head = n0 + rng.integers(-3, 4, weeks)
    revenue = 50_000 * head * demand * (1 + effect) * rng.lognormal(0, 0.05, weeks)
    weekly = {"week": np.arange(weeks), "revenue": revenue, "headcount": head,
              "hires": rng.poisson(0.3, weeks), "quits": rng.poisson(0.3, weeks),
              "overload_share": np.clip(0.1 + 0.3 * peak + rng.normal(0, 0.05, weeks), 0, 1),
              "peak": peak, "demand": demand}
    # money columns: cost of goods, pay (with a concession part) and programme spending
    weekly["discounts"] = 0.01 * revenue
    weekly["cogs"] = 0.5 * (revenue + weekly["discounts"])
    weekly["comp_cost"] = 0.1 * revenue
    weekly["concession_cost"] = 0.01 * revenue
    weekly["program_cost"] = np.full(weeks, 1000.0 * effect)
    for i, t in enumerate(TACTICS):
        base = rng.poisson(1 + i, weeks).astype(float)
        weekly[f"tactic_{t}"] = base * (3 * peak if t == "peak_underperformance" else 1)
    for i, a in enumerate(ACTIVITIES):
        weekly[f"hours_{a}"] = rng.gamma(4, 2 + i, weeks)
    n = n0 + 20
    hired = np.where(np.arange(n) < n0, 0, rng.integers(1, weeks, n))
    leaves = rng.random(n) < 0.4 * (1 - effect)
    left = np.where(leaves, np.minimum(hired + rng.integers(4, 100, n), weeks - 1), -1)
    rev = rng.lognormal(12, 0.9, n)
    per_week = rev / np.maximum(np.where(left >= 0, left, weeks) - hired, 1)
    quint = np.clip((pd.Series(per_week).rank(pct=True).to_numpy() * 5).astype(int), 0, 4)
    sign = np.where(rng.random(n) < 0.5, np.minimum(hired + rng.integers(1, 60, n), weeks - 1), -1)
    threat = np.where((sign >= 0) & (rng.random(n) < 0.5),
                      np.minimum(sign + rng.integers(1, 15, n), weeks - 1), -1)
    reps = {"rep_id": np.arange(n), "team": np.arange(n) % 5, "hired_week": hired,
            "left_week": left, "revenue": rev, "perf_quintile": quint,
            "first_sign_week": sign, "first_threat_week": threat}
    kinds = np.array(["hire", "quit", "threat", "sign_emitted", "sign_noticed", "tactic_start"])
    ne = 200
    events = {"week": rng.integers(0, weeks, ne), "kind": kinds[rng.integers(0, len(kinds), ne)],
              "rep_id": rng.integers(0, n, ne), "account_id": rng.integers(-1, 300, ne),
              "value": rng.random(ne)}
    s_rev = float(revenue.sum())
    kpi = {"revenue_total": s_rev, "gross_margin": 0.4 * (1 + effect),
           "attrition_rate_annual": float(leaves.mean() * 52 / weeks * 2),
           "top_quintile_attrition_rate": float(leaves[quint == 4].mean()),
           "revenue_lost_to_departures": float(rev[leaves].sum() * 0.1),
           "top20_revenue_share": float(np.sort(rev)[-n // 5:].sum() / rev.sum()),
           "leverage_events": float(rng.poisson(10 * (1 - effect))),
           "manager_overload_share": float(weekly["overload_share"].mean()),
           "revenue_gini": 0.5, "peak_share": float(revenue[peak].sum() / s_rev)}
    return pd.DataFrame(weekly), pd.DataFrame(reps), pd.DataFrame(events), kpi


def make_run_dir(path: Path, weeks: int = 104, season: str = "holiday_peak", seed: int = 1) -> Path:
    """A run directory as `salesim run` writes it."""
    path.mkdir(parents=True, exist_ok=True)
    weekly, reps, events, kpi = _one_run(np.random.default_rng(seed), weeks, season, 0.0)
    weekly.to_parquet(path / "weekly.parquet")
    reps.to_parquet(path / "rep_table.parquet")
    events.to_parquet(path / "events.parquet")
    summary = {**kpi, "revenue_by_year": [1.0, 2.0], "tactic_rep_weeks": {t: 3 for t in TACTICS},
               "scenario": "baseline", "seed": seed, "weeks": weeks}
    (path / "summary.json").write_text(json.dumps(summary))
    (path / "scenario.resolved.toml").write_text(
        f'name = "baseline"\n[season]\ncalendar = "{season}"\n')
    return path


def make_sweep_dir(path: Path, policies=("baseline", "rotation", "team_bonus"),
                   seasons=("holiday_peak", "flat"), factors: dict | None = None,
                   reps: int = 3, weeks: int = 52, seed: int = 2, failed: int = 0) -> Path:
    """A sweep directory as `salesim sweep` writes it (one part file per folder).

    The last `failed` runs are recorded as failed: no KPIs, no weekly or rep rows.
    """
    rng = np.random.default_rng(seed)
    factors = factors or {}
    grid = pd.MultiIndex.from_product([list(v) for v in factors.values()],
                                      names=list(factors)).to_frame(index=False) \
        if factors else pd.DataFrame([{}])
    rows = []
    for pi, (_, frow) in enumerate(grid.iterrows()):
        for s in seasons:
            for p in policies:
                for r in range(reps):
                    rows.append({"run_id": len(rows), "point_id": pi, "replication": r,
                                 "seed": 100 + r, "season": s, "policy": p, **frow.to_dict()})
    design = pd.DataFrame(rows)
    runs, weekly, table = [], [], []
    for i, row in enumerate(rows):
        if i >= len(rows) - failed:
            runs.append({**row, "status": "failed", "error": "ValueError: synthetic"})
            continue
        eff = 0.05 * policies.index(row["policy"]) + 0.01 * sum(
            float(row[f]) if isinstance(row[f], (int, float)) else len(str(row[f]))
            for f in factors)
        w, rp, _, kpi = _one_run(rng, weeks, row["season"], eff)
        runs.append({**row, **kpi, "status": "ok", "error": ""})
        w["run_id"] = row["run_id"]
        rp["run_id"] = row["run_id"]
        weekly.append(w)
        table.append(rp)
    for name, frames in (("runs", [pd.DataFrame(runs)]), ("weekly", weekly),
                         ("reptable", table)):
        (path / name).mkdir(parents=True, exist_ok=True)
        pd.concat(frames, ignore_index=True).to_parquet(path / name / "part-00000.parquet")
    design.to_parquet(path / "design.parquet")
    pol = "\n".join(f"[policies.{p}]" for p in policies)
    (path / "experiment.toml").write_text(
        f'[experiment]\nname = "synthetic"\nreference = "{policies[0]}"\n'
        f"seasons = {list(seasons)!r}\nreplications = {reps}\n{pol}\n".replace("'", '"'))
    manifest = {"experiment": "synthetic", "hash": "x", "reference": policies[0],
                "policies": list(policies), "seasons": list(seasons), "factors": list(factors),
                "replications": reps, "started": "2026-01-01T00:00:00",
                "finished": "2026-01-01T00:01:00",
                "counts": {"total": len(rows), "done": len(rows), "failed": 0}}
    (path / "manifest.json").write_text(json.dumps(manifest))
    return path
