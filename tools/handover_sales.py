"""Sales of handed-over accounts before and after the handover, against untouched accounts.

Usage: python tools/handover_sales.py RUN_DIR [WEEKS]

Reads only the files `salesim run --panel accounts` writes: accounts_weekly.parquet (week,
account, owner, ties, sales) and handovers.parquet (one row per handover).  For each handover
the event week is the week the old owner left (departures) or the week of the move (other
kinds).  For the WEEKS weeks before and after it (default 13) the script sums the account's
sales, and does the same for every account never handed over in the same calendar windows,
so the season cancels out.  It prints, per kind of handover, the after/before ratio of the
handed-over accounts, that of the untouched accounts, and their difference in log points.
Accounts that ended (churned or followed the leaver) count with zero sales after.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd


def windows(panel: pd.DataFrame, events: pd.DataFrame, k: int) -> pd.DataFrame:
    """Sales in [t-k, t) and [t, t+k) for each (account, t) row of ``events``."""
    sales = panel.pivot_table(index="account", columns="week", values="sales",
                              aggfunc="sum", fill_value=0.0)
    weeks = sales.columns.to_numpy()
    cum = np.concatenate([np.zeros((len(sales), 1)), np.cumsum(sales.to_numpy(), axis=1)], 1)
    row = sales.index.get_indexer(events["account"])
    t = np.searchsorted(weeks, events["t"].to_numpy())
    lo, hi = np.clip(t - k, 0, None), np.clip(t + k, None, len(weeks))
    ok = (row >= 0) & (t - k >= 0) & (t + k <= len(weeks))
    before = np.where(ok, cum[row, t] - cum[row, lo], np.nan)
    after = np.where(ok, cum[row, hi] - cum[row, t], np.nan)
    return events.assign(before=before, after=after)[ok]


def main(run_dir: str, k: int = 13) -> pd.DataFrame:
    d = Path(run_dir)
    panel = pd.read_parquet(d / "accounts_weekly.parquet")
    hand = pd.read_parquet(d / "handovers.parquet")
    hand = hand.assign(t=np.where(hand["left_week"] >= 0, hand["left_week"], hand["week"]))
    # Each account at most once per kind: its first handover of that kind.
    hand = hand.sort_values("t").drop_duplicates(["account", "kind"])
    touched = set(hand["account"])
    untouched = np.array(sorted(set(panel["account"]) - touched))
    rows = []
    for kind, grp in hand.groupby("kind"):
        moved = windows(panel, grp[["account", "t"]], k)
        if moved.empty:
            continue
        # The untouched accounts, over the same calendar windows as the moved ones.
        ctrl_events = pd.DataFrame({"account": np.repeat(untouched, len(moved)),
                                    "t": np.tile(moved["t"].to_numpy(), untouched.size)})
        ctrl = windows(panel, ctrl_events, k)
        r_moved = moved["after"].sum() / moved["before"].sum()
        r_ctrl = ctrl["after"].sum() / ctrl["before"].sum()
        rows.append({"kind": kind, "handovers": len(moved), "moved_after_over_before": r_moved,
                     "untouched_after_over_before": r_ctrl,
                     "difference_log_points": 100 * (np.log(r_moved) - np.log(r_ctrl))})
    out = pd.DataFrame(rows)
    print(f"{d}: sales in the {k} weeks after vs the {k} weeks before a handover")
    print(out.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    return out


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 13)
