"""Check the baseline against the calibration bands of ../shared/reference/stylized-facts.md.

Usage: python tools/calibrate.py [N_SEEDS] [--set key=value ...]
Prints each figure's mean and 95% interval over seeds next to its target band.
"""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from sim.scenario.loading import load_scenario
from sim.scenario.runner import run_scenario

BANDS = {
    "attrition_rate_annual": (0.15, 0.35),
    "top20_revenue_share": (0.35, 0.65),
    "revenue_cv": (0.5, None),
    "coaching_share_of_manager_time": (0.16, 0.21),
    "nov_dec_share@general_retail": (0.18, 0.21),
    "nov_dec_share@gift_retail": (0.27, 0.31),
    "q4_share@holiday_peak": (0.40, 0.50),
}


def one(args):
    seed, sets = args
    out = {}
    for cal in ("holiday_peak", "general_retail", "gift_retail"):
        sc = load_scenario(None, list(sets) + [f"season.calendar={cal!r}".replace("'", '"')])
        res = run_scenario(sc, seed=seed, panel=False)
        s = res.summary
        w = res.weekly
        q4 = w["revenue"][w["week_of_year"] >= 39].sum() / w["revenue"].sum()
        out[f"nov_dec_share@{cal}"] = s["nov_dec_share"]
        out[f"q4_share@{cal}"] = q4
        if cal == "holiday_peak":
            for k, v in s.items():
                if isinstance(v, (int, float)) and v is not None:
                    out[k] = v
            for k, v in s["tactic_rep_weeks"].items():
                out[f"tactic_share.{k}"] = v / w["headcount"].sum()
            out["pay_per_rep_week"] = s["comp_cost"] / w["headcount"].sum()
            out["revenue_per_rep_year"] = s["revenue_total"] / w["headcount"].sum() * 52
            out["accounts_end"] = float(w["accounts_active"][-1])
    return out


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 20
    sets = [a for a in sys.argv[1:] if "=" in a]
    with ProcessPoolExecutor() as ex:
        rows = list(ex.map(one, [(s, tuple(sets)) for s in range(n)]))
    keys = [k for k in rows[0] if not k.startswith(("seed", "weeks"))]
    for k in keys:
        v = np.array([r[k] for r in rows if r.get(k) is not None], dtype=float)
        v = v[np.isfinite(v)]
        if v.size == 0:
            continue
        m, h = v.mean(), 1.96 * v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else 0
        band = BANDS.get(k)
        flag = ""
        if band:
            lo, hi = band
            ok = (lo is None or m - h >= lo) and (hi is None or m + h <= hi)
            flag = f"  target {lo}..{hi} {'OK' if ok else 'MISS'}"
        print(f"{k:42s} {m:14.4f} ± {h:.4f}{flag}")


if __name__ == "__main__":
    main()
