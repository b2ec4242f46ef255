"""One replication of a stacked model, as the serial model of its seed would hold it.

A model of R replications side by side (sim.world.replicas) keeps every table strided and
numbers rows globally.  :func:`replica` builds, for replication ``r``, the tables and weekly
series a serial model would have at the end of its run, in local numbers (rep slots, account
rows, teams and vacancies), so that the runner turns it into results with the same code it
uses for a serial model.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from sim.world.accounts import AccountBook, HandoverLog
from sim.world.agents import RepTable
from sim.world.collect import WEEKLY_COLUMNS, AccountPanel, Panel
from sim.world.state import EventLog, Table

# Columns that hold rep slots, account rows, teams or vacancy ids (global -> local).
_NUMBERS = {RepTable: ("team",), AccountBook: ("owner", "backup", "prev_owner", "vacancy"),
            EventLog: ("rep", "account"),
            HandoverLog: ("account", "old_owner", "new_owner", "interim")}


def _fill(cls: type[Table], cols: dict[str, np.ndarray], R: int) -> Table:
    """A fresh table of class ``cls`` holding ``cols`` (local numbers: ``// R``)."""
    n = len(next(iter(cols.values()))) if cols else 0
    out = cls(max(n, 1))
    values = {k: (v // R if k in _NUMBERS.get(cls, ()) else v)
              for k, v in cols.items() if k in cls.COLUMNS}
    out.add(n, **values)
    return out


def _strided(table: Table, r: int, R: int, n: int) -> dict[str, np.ndarray]:
    """The first ``n`` local rows of replication ``r`` of a strided table, by column."""
    return {k: getattr(table, k)[r::R][:n].copy() for k in table.COLUMNS}


def _where(table: Table, keep: np.ndarray) -> dict[str, np.ndarray]:
    return {k: getattr(table, k)[: table.n][keep] for k in table.COLUMNS}


def _rows_of(model, name: str, repl: np.ndarray, r: int) -> np.ndarray:
    """Rows of replication ``r`` in a shared log whose rows' replications are ``repl``, in
    their order (the log is grouped once, for all replications)."""
    groups = model.__dict__.setdefault("_unstacked", {})
    if name not in groups:
        order = np.argsort(repl, kind="stable")
        hi = np.cumsum(np.bincount(repl, minlength=model.R))
        groups[name] = (order, hi - np.bincount(repl, minlength=model.R), hi)
    order, lo, hi = groups[name]
    return order[lo[r]:hi[r]]


def replica(model, r: int) -> SimpleNamespace:
    """Replication ``r`` of ``model`` as a serial model: what ``collect_result`` reads."""
    R = model.R
    reps = _fill(RepTable, _strided(model.reps, r, R, int(model.reps.made[r])), R)
    book = _fill(AccountBook, _strided(model.book, r, R, int(model.book.made[r])), R)
    ev = model.events
    mine = _rows_of(model, "events", ev.repl[: ev.n], r)
    events = _fill(EventLog, _where(ev, mine), R)
    ho = model.handovers
    handovers = _fill(HandoverLog, _where(ho, _rows_of(model, "handovers",
                                                       ho.account[: ho.n] % R, r)), R)
    col = model.collector
    panel = accounts = None
    if col.panel is not None:
        panel = _fill(Panel, _where(col.panel, _rows_of(model, "panel",
                                                        col.panel.repl[: col.panel.n], r)), 1)
    if col.accounts is not None:
        accounts = _fill(AccountPanel, _where(col.accounts, _rows_of(
            model, "accounts", col.accounts.repl[: col.accounts.n], r)), 1)
    weekly = dict(zip(WEEKLY_COLUMNS, np.ascontiguousarray(col.series[:, :, r])))
    return SimpleNamespace(
        sc=model.sc, cal=model.cal, burn_in=model.burn_in, weeks=model.weeks, R=1,
        reps=reps, book=book, events=events, handovers=handovers,
        events_start=int(np.count_nonzero(mine < model.events_start)),
        collector=SimpleNamespace(weekly=weekly, panel=panel, accounts=accounts),
        exposure_by_band=model.exposure_by_band[r], quits_by_band=model.quits_by_band[r])
