"""Growable struct-of-arrays tables: the storage under reps, accounts, events and panels.

Numerous things (accounts, rep state read every week, event rows) live in numpy columns so
that one weekly pass is a handful of vectorised operations rather than Python loops.
"""

from __future__ import annotations

import numpy as np


class Table:
    """Named numpy columns sharing one length ``n`` and a capacity that doubles on demand.

    Subclasses list their columns in ``COLUMNS`` as ``{name: (dtype, fill)}``.  Columns are
    plain attributes (``table.skill``), views of the first ``n`` rows come from ``view``.
    ``BLOCKS`` (``{block: member columns}``, members of one dtype) stores some columns as the
    rows of one 2-D array ``table.<block>``, each member still an attribute (a view of its
    row), so that a pass over all members is one operation on the block.
    """

    COLUMNS: dict[str, tuple[type, object]] = {}
    BLOCKS: dict[str, tuple[str, ...]] = {}

    def __init__(self, capacity: int = 64):
        self.n = 0
        self._cap = max(int(capacity), 1)
        self._allocate(self._cap)

    def _allocate(self, cap: int) -> None:
        """Fresh columns and blocks of ``cap`` rows holding the first ``n`` rows of the old."""
        d, n, blocked = self.__dict__, self.n, self._blocked()
        for name, (dtype, fill) in self.COLUMNS.items():
            if name not in blocked:
                new = np.full(cap, fill, dtype=dtype)
                if n:
                    new[:n] = d[name][:n]
                d[name] = new
        for block, members in self.BLOCKS.items():
            new = np.empty((len(members), cap), dtype=self.COLUMNS[members[0]][0])
            for i, m in enumerate(members):
                new[i] = self.COLUMNS[m][1]
            if n:
                new[:, :n] = d[block][:, :n]
            d[block] = new
        self._bind()

    @classmethod
    def _blocked(cls) -> frozenset:
        return frozenset(m for members in cls.BLOCKS.values() for m in members)

    def _bind(self) -> None:
        """Point every block member's attribute at its row of the block."""
        d = self.__dict__
        for block, members in self.BLOCKS.items():
            for i, m in enumerate(members):
                d[m] = d[block][i]

    def __getstate__(self) -> dict:
        # Copies and pickles hold the blocks; the members are views, bound again on load.
        state = dict(self.__dict__)
        for m in self._blocked():
            state.pop(m, None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._bind()

    def _grow(self, need: int) -> None:
        cap = self._cap
        while cap < need:
            cap *= 2
        self._allocate(cap)
        self._cap = cap

    def add(self, k: int, **values) -> np.ndarray:
        """Append ``k`` rows (other columns take their fill value); return their indices."""
        if self.n + k > self._cap:
            self._grow(self.n + k)
        lo, hi = self.n, self.n + k
        d = self.__dict__
        for name, v in values.items():
            d[name][lo:hi] = v  # a slice, not an index array: no scatter
        self.n = hi
        return np.arange(lo, hi)

    def add_strided(self, repl: np.ndarray, R: int, **values) -> np.ndarray:
        """Append one row for each entry of ``repl`` (replication ids) in a table of ``R``
        replications laid out strided (sim.world.replicas): each row goes to the next local
        row of its replication, ``local * R + r``; return the rows, in the order of ``repl``.
        Rows skipped between them keep their fill values (no replication ever reads them)."""
        if R == 1:
            return self.add(len(repl), **values)
        repl = np.asarray(repl, dtype=np.int64)
        made = self.__dict__.setdefault("made", np.zeros(R, dtype=np.int64))
        counts = np.bincount(repl, minlength=R)
        order = np.argsort(repl, kind="stable")
        rank = np.empty(repl.size, dtype=np.int64)
        rank[order] = np.arange(repl.size) - (np.cumsum(counts) - counts)[repl[order]]
        rows = (made[repl] + rank) * R + repl
        made += counts
        if rows.size == 0:
            return rows
        need = int(rows.max()) + 1
        if need > self._cap:
            self._grow(need)
        d = self.__dict__
        for name, v in values.items():
            d[name][rows] = v
        self.n = max(self.n, need)
        return rows

    def clear(self) -> None:
        """Forget every row (the columns keep their capacity and are filled afresh, since
        ``add`` writes only the columns it is given)."""
        n, self.n = self.n, 0
        d = self.__dict__
        for name, (_, fill) in self.COLUMNS.items():
            d[name][:n] = fill

    @property
    def capacity(self) -> int:
        return self._cap

    def view(self, name: str) -> np.ndarray:
        return self.__dict__[name][: self.n]

    def to_dict(self, names=None) -> dict[str, np.ndarray]:
        names = names or list(self.COLUMNS)
        return {k: getattr(self, k)[: self.n].copy() for k in names}


_SCALARS = (int, float, np.int64, np.float64)


class EventLog(Table):
    """Every discrete happening: hires, quits, account moves, threats, tactics, signals."""

    KINDS = ("hire", "quit", "account_moved", "account_lost", "account_won", "account_churned",
             "threat", "demand", "concession", "refusal", "tactic_start", "sign_emitted",
             "sign_noticed", "urgency_claim", "urgency_detected", "rotation", "tactic_caught",
             "sanction", "manager_action")
    CODE = {k: i for i, k in enumerate(KINDS)}
    COLUMNS = {"week": (np.int32, -1), "kind": (np.int16, -1), "rep": (np.int32, -1),
               "account": (np.int64, -1), "value": (np.float64, np.nan)}

    def log(self, week: int, kind: str, rep=-1, account=-1, value=np.nan) -> None:
        """Log one or many events of one kind (array arguments broadcast)."""
        k = 1
        for v in (rep, account, value):
            cls = v.__class__  # attribute reads, not calls: this runs ~20 times a week
            size = v.size if cls is np.ndarray else 1 if cls in _SCALARS else np.size(v)
            if size == 0:
                return
            if size > k:
                k = size
        lo, hi = self.n, self.n + k
        if hi > self._cap:
            self._grow(hi)
        self.week[lo:hi] = week  # slices, as ``add`` writes them
        self.kind[lo:hi] = self.CODE[kind]
        self.rep[lo:hi] = rep
        self.account[lo:hi] = account
        self.value[lo:hi] = value
        self.n = hi

    def count(self, kind: str) -> int:
        return int(np.count_nonzero(self.view("kind") == self.CODE[kind]))


class StackedEventLog(EventLog):
    """The event log of R replications side by side: each row also holds its replication
    (of its rep, else of its account: sim.world.replicas), to split the log at the end."""

    COLUMNS = {**EventLog.COLUMNS, "repl": (np.int32, -1)}

    def __init__(self, capacity: int, R: int):
        super().__init__(capacity)
        self.R = R

    def log(self, week: int, kind: str, rep=-1, account=-1, value=np.nan) -> None:
        lo = self.n
        super().log(week, kind, rep, account, value)
        if self.n > lo:  # (a scalar or a 0-d result fills the slice by broadcasting)
            who = np.where(np.asarray(rep) >= 0, rep, account)
            self.repl[lo:self.n] = who % self.R
