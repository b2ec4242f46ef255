"""Rates of warning signs, tactics and leverage plays in the baseline (ODD section 9).

Complements tools/calibrate.py, which reports the calibration bands and summary KPIs.

Usage: python tools/sign_rates.py [N_SEEDS] [--workers W] [key=value ...]  (scenario overrides)

Runs the baseline (``holiday_peak``, 156 weeks) for seeds 0..N-1 with the rep-by-week panel
and prints, for each figure, the mean over seeds and the 95% half-width of that mean
(1.96 sd / sqrt(N)):

- each warning sign's share of rep-weeks in which it was emitted (panel flags ``s_*``) and in
  which a manager noticed it (``sign_noticed`` events, one per sign and week);
- each tactic's share of rep-weeks (panel flags ``t_*``);
- leverage plays, concessions and false-urgency claims per rep-year (event log), and the share
  of reps under contract who made at least one leverage play in a year;
- peak underperformance as a share of peak-window rep-weeks, and the trailing revenue of
  accounts that followed leavers as a share of revenue.
"""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from sim.world.agents import SIGNALS, TACTICS
from sim.scenario.loading import load_scenario
from sim.scenario.runner import run_scenario

COUNTED = ("threat", "demand", "concession", "refusal", "urgency_claim", "urgency_detected")


def _event_rates(ev: dict, rep_years: float) -> dict[str, float]:
    """Per rep-year counts of the events in COUNTED, and yearly share of reps who made a play."""
    out = {f"{k}_per_rep_year": float(np.sum(ev["kind"] == k)) / rep_years for k in COUNTED}
    plays = np.isin(ev["kind"], ("threat", "demand"))
    year = ev["week"][plays] // 52
    distinct = {(int(y), int(rep)) for y, rep in zip(year, ev["rep_id"][plays])}
    out["reps_with_play_per_rep_year"] = len(distinct) / rep_years
    return out


def one(args: tuple[int, tuple[str, ...]]) -> dict[str, float]:
    """All figures of one seed."""
    seed, sets = args
    sc = load_scenario(None, list(sets))
    res = run_scenario(sc, seed=seed, panel=True)
    p, ev = res.panel, res.events
    rep_weeks = len(p["week"])
    out: dict[str, float] = {}
    seen = ev["value"][ev["kind"] == "sign_noticed"].astype(int)
    for i, s in enumerate(SIGNALS):
        out[f"emitted.{s}"] = float(p[f"s_{s}"].sum()) / rep_weeks
        out[f"noticed.{s}"] = float(np.sum(seen == i)) / rep_weeks
    emitted = sum(float(p[f"s_{s}"].sum()) for s in SIGNALS)
    out["noticed_share_of_emitted"] = seen.size / emitted if emitted else float("nan")
    for t in TACTICS:
        out[f"tactic.{t}"] = float(p[f"t_{t}"].sum()) / rep_weeks
    in_peak = res.weekly["peak"].astype(bool)[p["week"]]
    out["peak_underperformance_share_of_peak_rep_weeks"] = (
        float(p["t_peak_underperformance"][in_peak].sum()) / max(int(in_peak.sum()), 1))
    out["revenue_lost_share"] = (res.summary["revenue_lost_to_departures"]
                                 / res.summary["revenue_total"])
    out.update(_event_rates(ev, rep_weeks / 52))
    return out


def main() -> None:
    args = sys.argv[1:]
    n = int(args[0]) if args and args[0].isdigit() else 20
    workers = int(args[args.index("--workers") + 1]) if "--workers" in args else None
    sets = tuple(a for a in args if "=" in a)
    with ProcessPoolExecutor(workers) as ex:
        rows = list(ex.map(one, [(s, sets) for s in range(n)]))
    for key in rows[0]:
        v = np.array([r[key] for r in rows], dtype=float)
        v = v[np.isfinite(v)]
        h = 1.96 * v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else 0.0
        print(f"{key:46s} {v.mean():10.5f} ± {h:.5f}")


if __name__ == "__main__":
    main()
