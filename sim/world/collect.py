"""Data collection into preallocated columnar buffers (no per-agent dicts, no pandas)."""

from __future__ import annotations

import numpy as np

from sim.world.agents import INDICES, SIGNALS, TACTICS
from sim.world.managers import ACTIVITIES
from sim.world.state import Table

WEEKLY_COLUMNS = (
    ["week", "year", "week_of_year", "demand", "peak", "revenue", "discounts", "comp_cost",
     "concession_cost", "program_cost", "cogs", "headcount", "hires", "quits", "accounts_active", "accounts_won",
     "accounts_churned", "accounts_lost", "revenue_lost", "threats", "demands", "concessions",
     "refusals", "signals_emitted", "signals_noticed", "overload_share", "mean_effort",
     "deals_won", "deals_lost", "deals_pulled", "deals_pushed", "reps_searching"]
    + [f"mean_{k}" for k in INDICES]
    + [f"tactic_{t}" for t in TACTICS]
    + [f"hours_{a}" for a in ACTIVITIES] + ["hours_skipped"]
)

PANEL_FLOATS = ("sales_week", "pay_week", "effort", "marginal", "skill", "quota",
                "period_sales") + INDICES
PANEL_FLAGS = tuple(f"t_{t}" for t in TACTICS) + tuple(f"s_{s}" for s in SIGNALS)


class Panel(Table):
    COLUMNS = {"week": (np.int32, 0), "rep_id": (np.int64, 0), "team": (np.int32, 0),
               "tenure": (np.int32, 0), "noticed": (np.int8, 0),
               **{k: (np.float32, 0.0) for k in PANEL_FLOATS},
               **{k: (np.bool_, False) for k in PANEL_FLAGS}}


class AccountPanel(Table):
    """Account-week rows (opt-in): who served each live account, its two ties and its sales."""

    COLUMNS = {"week": (np.int32, 0), "account": (np.int64, 0), "owner": (np.int64, -1),
               "firm_tie": (np.float32, 0.0), "personal_tie": (np.float32, 0.0),
               "sales": (np.float32, 0.0)}


class Collector:
    def __init__(self, model, weeks: int, panel: bool, account_panel: bool = False):
        self.m = model
        self.weekly = {c: np.zeros(weeks) for c in WEEKLY_COLUMNS}
        self.panel = Panel(max(64, model.sc.org.n_reps * weeks)) if panel else None
        self.accounts = AccountPanel(max(64, model.book.n * weeks)) if account_panel else None
        self._ev_seen = 0

    def collect(self, week: dict, ledger, a: np.ndarray) -> None:
        """Record the week; ``a`` are the reps who worked it (leavers of the week included)."""
        m, r = self.m, self.m.reps
        w = m.week - m.burn_in  # measured week; nothing is recorded during the burn-in
        if w < 0:
            self._ev_seen = m.events.n
            return
        col = self.weekly
        ev = m.events
        kinds = ev.kind[self._ev_seen: ev.n]
        self._ev_seen = ev.n
        code = ev.CODE
        put = {
            "week": w, "year": w // 52, "week_of_year": m.woy, "demand": m.demand_now,
            "peak": float(m.cal.peak[m.woy]), "headcount": m.active.size,
            "accounts_active": m.owned.size, "accounts_lost": week["accounts_lost"],
            "revenue_lost": week["revenue_lost"],
            "threats": np.count_nonzero(kinds == code["threat"]),
            "demands": np.count_nonzero(kinds == code["demand"]),
            "concessions": np.count_nonzero(kinds == code["concession"]),
            "refusals": np.count_nonzero(kinds == code["refusal"]),
            "signals_noticed": np.count_nonzero(kinds == code["sign_noticed"]),
            "signals_emitted": sum(int(getattr(r, f"s_{s}")[a].sum()) for s in SIGNALS),
            "overload_share": float(ledger.overloaded.mean()),
            "mean_effort": float(r.effort[a].mean()) if a.size else 0.0,
            "program_cost": m.program_cost,
            # cost of goods on the volume sold, discounts included (gross margin uses it)
            "cogs": m.sc.accounts.cogs_share * (week["revenue"] + week["discounts"]),
            "reps_searching": int(r.searching[a].sum()),
            **m.pipeline.week_counts,
        }
        for k in ("revenue", "discounts", "comp_cost", "concession_cost", "hires", "quits",
                  "accounts_won", "accounts_churned"):
            put[k] = week[k]
        for k in INDICES:
            put[f"mean_{k}"] = float(getattr(r, k)[a].mean()) if a.size else 0.0
        for t in TACTICS:
            put[f"tactic_{t}"] = int(getattr(r, f"t_{t}")[a].sum())
        put.update(ledger.totals())
        for k, v in put.items():
            col[k][w] = v
        # Per-rep window for concentration KPIs: the final 52 weeks.
        if w >= m.weeks - 52:
            r.rev_window[a] += r.sales_week[a]
            r.weeks_window[a] += 1
        r.revenue_total[a] += r.sales_week[a]
        r.weeks_employed[a] += 1
        if self.accounts is not None:
            self._accounts(w)
        if self.panel is not None and a.size:
            vals = {k: getattr(r, k)[a] for k in PANEL_FLOATS + PANEL_FLAGS}
            self.panel.add(a.size, week=w, rep_id=r.uid[a], team=r.team[a],
                           tenure=w - r.hired[a], noticed=r.noticed[a], **vals)

    def _accounts(self, w: int) -> None:
        """Every account that was live this week (sales of accounts that ended count)."""
        m, b = self.m, self.m.book
        # ``ended`` holds the model week (burn-in included), ``w`` the measured week
        idx = np.flatnonzero(b.view("active") | (b.view("ended") == m.week))
        own = b.owner[idx]
        uid = np.where(own >= 0, m.reps.uid[np.maximum(own, 0)], -1)
        self.accounts.add(idx.size, week=w, account=idx, owner=uid, firm_tie=b.firm[idx],
                          personal_tie=b.relationship[idx], sales=b.sales_week[idx])
