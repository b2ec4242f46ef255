"""Data collection into preallocated columnar buffers (no per-agent dicts, no pandas)."""

from __future__ import annotations

import numpy as np

from sim.world.agents import INDICES, SIGNALS, TACTICS
from sim.world.managers import ACTIVITIES
from sim.world.replicas import count, split
from sim.world.state import EventLog, Table

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


class StackedPanel(Panel):
    """The rep panel of R replications side by side: each row also holds its replication."""
    COLUMNS = {**Panel.COLUMNS, "repl": (np.int32, 0)}


class StackedAccountPanel(AccountPanel):
    COLUMNS = {**AccountPanel.COLUMNS, "repl": (np.int32, 0)}


# Row of each weekly column in ``Collector.series``; the rules write the week's figures into
# ``Collector.row`` at these rows as they happen, and ``collect`` stores the row.
COL = {c: i for i, c in enumerate(WEEKLY_COLUMNS)}
(REVENUE, DISCOUNTS, COMP_COST, CONCESSION_COST, HIRES, QUITS, ACCOUNTS_WON, ACCOUNTS_CHURNED,
 ACCOUNTS_LOST, REVENUE_LOST, DEALS_WON, DEALS_LOST, DEALS_PULLED, DEALS_PUSHED) = (
    COL[c] for c in ("revenue", "discounts", "comp_cost", "concession_cost", "hires", "quits",
                     "accounts_won", "accounts_churned", "accounts_lost", "revenue_lost",
                     "deals_won", "deals_lost", "deals_pulled", "deals_pushed"))
_MEANS = COL[f"mean_{INDICES[0]}"]
_TACTICS = COL[f"tactic_{TACTICS[0]}"]
_HOURS = COL[f"hours_{ACTIVITIES[0]}"]
assert WEEKLY_COLUMNS[_MEANS: _MEANS + len(INDICES)] == [f"mean_{k}" for k in INDICES]
assert WEEKLY_COLUMNS[_HOURS: _HOURS + len(ACTIVITIES) + 1] == (
    [f"hours_{a}" for a in ACTIVITIES] + ["hours_skipped"])
_EVENTS = np.array([COL[c] for c in ("threats", "demands", "concessions", "refusals",
                                     "signals_noticed")])
_KINDS = np.array([EventLog.CODE[k] for k in ("threat", "demand", "concession", "refusal",
                                              "sign_noticed")])


class Collector:
    def __init__(self, model, weeks: int, panel: bool, account_panel: bool = False):
        self.m = model
        R = model.R
        # One row per weekly column; with R replications side by side each row has a column
        # per replication: series (columns, weeks, R) and row (columns, R).
        each = () if R == 1 else (R,)
        self.series = np.zeros((len(WEEKLY_COLUMNS), weeks) + each)
        self.row = np.zeros((len(WEEKLY_COLUMNS),) + each)  # this week's, filled as it goes
        rows = max(64, model.sc.org.n_reps * R * weeks)
        self.panel = (Panel if R == 1 else StackedPanel)(rows) if panel else None
        self.accounts = ((AccountPanel if R == 1 else StackedAccountPanel)(
            max(64, model.book.n * weeks)) if account_panel else None)
        self._ev_seen = 0

    def events_cleared(self) -> None:
        """The event log was emptied (the burn-in's events): count from its start again."""
        self._ev_seen = 0

    @property
    def weekly(self) -> dict[str, np.ndarray]:
        """The weekly series by column (views of the rows of ``series``)."""
        return dict(zip(WEEKLY_COLUMNS, self.series))

    def collect(self, ledger, a: np.ndarray) -> None:
        """Record the week; ``a`` are the reps who worked it (leavers of the week included)."""
        m, r = self.m, self.m.reps
        w = m.week - m.burn_in  # measured week; nothing is recorded during the burn-in
        ev = m.events
        if w < 0:
            self._ev_seen = ev.n
            return
        if m.R > 1:
            return self._collect_stacked(ledger, a, w)
        row, c, k = self.row, COL, a.size
        kinds = np.bincount(ev.kind[self._ev_seen: ev.n], minlength=len(EventLog.KINDS))
        self._ev_seen = ev.n
        row[_EVENTS] = kinds[_KINDS]
        woy = m.woy
        row[c["week"]], row[c["year"]], row[c["week_of_year"]] = w, w // 52, woy
        row[c["demand"]], row[c["peak"]] = m.demand_now, m.cal.peak[woy]
        row[c["headcount"]], row[c["accounts_active"]] = m.active.size, m.owned.size
        row[c["signals_emitted"]] = np.count_nonzero(r.signals[:, a])
        over = ledger.overloaded
        row[c["overload_share"]] = np.count_nonzero(over) / over.size
        row[c["program_cost"]] = m.program_cost
        # cost of goods on the volume sold, discounts included (gross margin uses it)
        row[c["cogs"]] = m.sc.accounts.cogs_share * (row[REVENUE] + row[DISCOUNTS])
        row[c["reps_searching"]] = np.count_nonzero(r.searching[a])
        add = np.add.reduce
        if k:
            row[c["mean_effort"]] = add(r.effort[a]) / k  # = ndarray.mean, with fewer calls
            # a C-ordered gather: each row is summed as its own 1-D array would be
            row[_MEANS: _MEANS + len(INDICES)] = add(r.indices.take(a, axis=1), axis=1) / k
        else:
            row[c["mean_effort"]] = 0.0
            row[_MEANS: _MEANS + len(INDICES)] = 0.0
        row[_TACTICS: _TACTICS + len(TACTICS)] = add(r.tactics[:, a], axis=1)
        ledger.hours_into(row[_HOURS: _HOURS + len(ACTIVITIES) + 1])
        self.series[:, w] = row
        self._rep_sums(a, w)

    def _rep_sums(self, a: np.ndarray, w: int) -> None:
        """The reps' running sums, accounts panel and rep panel of measured week ``w``."""
        m, r, k = self.m, self.m.reps, a.size
        # Per-rep window for concentration KPIs: the final 52 weeks.
        if w >= m.weeks - 52:
            r.rev_window[a] += r.sales_week[a]
            r.weeks_window[a] += 1
        r.revenue_total[a] += r.sales_week[a]
        r.weeks_employed[a] += 1
        if self.accounts is not None:
            self._accounts(w)
        if self.panel is not None and k:
            d = r.__dict__
            vals = {name: d[name][a] for name in PANEL_FLOATS + PANEL_FLAGS}
            if m.R > 1:
                vals["repl"] = a % m.R
            self.panel.add(k, week=w, rep_id=r.uid[a], team=r.team[a] // m.R,
                           tenure=w - r.hired[a], noticed=r.noticed[a], **vals)

    def _collect_stacked(self, ledger, a: np.ndarray, w: int) -> None:
        """:meth:`collect` for R replications side by side: every figure per replication,
        each computed as the serial collector computes it on that replication's reps."""
        m, r, ev, R = self.m, self.m.reps, self.m.events, self.m.R
        row, c = self.row, COL
        nk = len(EventLog.KINDS)
        lo, hi = self._ev_seen, ev.n
        kinds = np.bincount(ev.repl[lo:hi].astype(np.int64) * nk + ev.kind[lo:hi],
                            minlength=R * nk).reshape(R, nk)
        self._ev_seen = hi
        row[_EVENTS] = kinds[:, _KINDS].T
        woy = m.woy
        row[c["week"]], row[c["year"]], row[c["week_of_year"]] = w, w // 52, woy
        row[c["demand"]], row[c["peak"]] = m.demand_now, m.cal.peak[woy]
        row[c["headcount"]] = count(m, m.active)
        row[c["accounts_active"]] = count(m, m.owned)
        rep_of = a % R
        row[c["signals_emitted"]] = np.bincount(
            rep_of, weights=np.count_nonzero(r.signals[:, a], axis=0), minlength=R)
        over = ledger.overloaded
        row[c["overload_share"]] = (np.bincount(np.arange(over.size) % R, weights=over,
                                                minlength=R) / m.teams_per_repl)
        row[c["program_cost"]] = m.program_cost
        row[c["cogs"]] = m.sc.accounts.cogs_share * (row[REVENUE] + row[DISCOUNTS])
        row[c["reps_searching"]] = np.bincount(rep_of, weights=r.searching[a], minlength=R)
        add, n_ind = np.add.reduce, len(INDICES)
        for i, pos in split(m, a):
            k, mine = pos.size, a[pos]
            if k:
                row[c["mean_effort"], i] = add(r.effort[mine]) / k
                row[_MEANS: _MEANS + n_ind, i] = add(r.indices.take(mine, axis=1), axis=1) / k
            else:
                row[c["mean_effort"], i] = 0.0
                row[_MEANS: _MEANS + n_ind, i] = 0.0
        tac = r.tactics[:, a]
        for t in range(len(TACTICS)):
            row[_TACTICS + t] = np.bincount(rep_of, weights=tac[t], minlength=R)
        ledger.hours_into(row[_HOURS: _HOURS + len(ACTIVITIES) + 1])
        self.series[:, w] = row
        self._rep_sums(a, w)

    def _accounts(self, w: int) -> None:
        """Every account that was live this week (sales of accounts that ended count)."""
        m, b = self.m, self.m.book
        # ``ended`` holds the model week (burn-in included), ``w`` the measured week
        idx = np.flatnonzero(b.view("active") | (b.view("ended") == m.week))
        own = b.owner[idx]
        uid = np.where(own >= 0, m.reps.uid[np.maximum(own, 0)], -1)
        extra = {} if m.R == 1 else {"repl": idx % m.R}
        self.accounts.add(idx.size, week=w, account=idx // m.R, owner=uid,
                          firm_tie=b.firm[idx], personal_tie=b.relationship[idx],
                          sales=b.sales_week[idx], **extra)
