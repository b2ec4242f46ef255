"""Small builders and a per-step auditor shared by the model tests.

``tiny_scenario`` gives a fast Scenario (16 reps, 30 weeks by default) with optional dotted
overrides; ``StepAudit`` steps a model one week at a time and checks the accounting
identities and invariants of issues 2 and 8 after every step.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sim.world.agents import INDICES, RepTable
from sim.world.model import SalesModel
from sim.scenario.schema import Scenario
from sim.world.state import EventLog

# Overrides that keep every rep in place: nobody quits, threatens or demands.
NO_TURNOVER = {"attrition.base_hazard": 0.0, "attrition.newcomer_hazard": 0.0,
               "leverage.demand_rate": 0.0}

# Event kinds that describe something a rep did or had done to it (rep must exist).
REP_EVENTS = ("hire", "quit", "threat", "demand", "concession", "refusal", "tactic_start",
              "sign_emitted", "sign_noticed", "urgency_claim", "urgency_detected",
              "tactic_caught", "sanction", "manager_action")
# Event kinds about an account (account must exist; rep may be -1 = nobody).
ACCOUNT_EVENTS = ("account_moved", "account_lost", "account_won", "account_churned",
                  "rotation")
REP_UNIT_COLUMNS = INDICES + ("ramp", "effort", "prev_effort", "prospect_share", "cover",
                              "recorded_book", "unanswered", "supported")
ACCOUNT_UNIT_COLUMNS = ("difficulty", "relationship", "recorded", "health")


def set_path(sc: Scenario, path: str, value) -> None:
    """Set ``sc.<section>.<field>`` (or ``sc.policies.<name>.<field>``) from a dotted path."""
    *parents, leaf = path.split(".")
    obj = sc
    for part in parents:
        obj = getattr(obj, part)
    if not hasattr(obj, leaf):
        raise KeyError(path)
    setattr(obj, leaf, value)


def tiny_scenario(n_reps: int = 16, weeks: int = 30,
                  overrides: Mapping[str, object] | None = None) -> Scenario:
    """A small, fast scenario over the documented defaults."""
    sc = Scenario()
    sc.org.n_reps = n_reps
    sc.run.weeks = weeks
    sc.run.burn_in_weeks = 0  # mechanism tests start from the initial state
    for path, value in (overrides or {}).items():
        set_path(sc, path, value)
    return sc


def tiny_model(seed: int = 0, n_reps: int = 16, weeks: int = 30,
               overrides: Mapping[str, object] | None = None, panel: bool = True) -> SalesModel:
    return SalesModel(tiny_scenario(n_reps, weeks, overrides), rng=seed, weeks=weeks,
                      panel=panel)


def stepped_numpy_model(seed: int, n_reps: int, steps: int) -> SalesModel:
    """A default-scenario model (20 weeks, no burn-in) built and stepped ``steps`` weeks on
    the numpy path: a state to run one rule from on both paths."""
    from sim.world import kernels
    with kernels.mode("off"):
        m = SalesModel(tiny_scenario(n_reps, 20), rng=seed, weeks=20, panel=False)
        for _ in range(steps):
            m.step()
    return m


def policy(model: SalesModel, name: str):
    """The active policy object called ``name`` (AssertionError if it is not active)."""
    found = [p for p in model.policies if p.name == name]
    assert found, f"policy {name!r} is not active"
    return found[0]


def new_events(model: SalesModel, start: int, kind: str) -> dict[str, np.ndarray]:
    """Events of ``kind`` logged since row ``start`` of the event log."""
    ev = model.events
    sel = slice(start, ev.n)
    mask = ev.kind[sel] == EventLog.CODE[kind]
    return {c: ev.week[sel][mask] if c == "week" else getattr(ev, c)[sel][mask]
            for c in ("week", "rep", "account", "value")}


def _close(x: float, y: float) -> bool:
    return bool(np.isclose(x, y, rtol=1e-9, atol=1e-6))


class StepAudit:
    """Step a model week by week and assert the invariants after each step."""

    def __init__(self, model: SalesModel):
        self.m = model
        self.quit_reps: set[int] = set()
        self.cum_revenue = 0.0
        self.cum_pay = 0.0

    def run(self, weeks: int | None = None) -> None:
        """Step through the burn-in unaudited (nothing is collected there), then audit."""
        while self.m.week < self.m.burn_in:
            self.m.step()
        self.quit_reps = self.quit_reps_all()
        self.cum_pay = float(self.m.reps.view("pay_total").sum())  # burn-in leavers' pay
        self.cum_revenue = float(self.m.book.view("revenue_total").sum())
        for _ in range(self.m.weeks if weeks is None else weeks):
            self.step()

    def step(self) -> None:
        m, r = self.m, self.m.reps
        w = m.week
        before = np.flatnonzero(r.view("active"))
        gone = np.flatnonzero(~r.view("active"))
        frozen = {k: getattr(r, k)[gone].copy() for k in RepTable.COLUMNS}
        n_before, ev_before = r.n, m.events.n
        m.step()
        where = f"week {w}"
        self._money(w - m.burn_in, before, where)
        self._headcount(w - m.burn_in, before, n_before, ev_before, where)
        self._owners(where)
        self._leavers(gone, frozen, where)
        self._events(w, before, n_before, ev_before, where)
        self._finite_and_ranges(w - m.burn_in, where)

    # ---- the checks --------------------------------------------------------------
    def _money(self, w: int, before: np.ndarray, where: str) -> None:
        m, r, b = self.m, self.m.reps, self.m.book
        wk = m.collector.weekly
        rev, pay = wk["revenue"][w], wk["comp_cost"][w]
        self.cum_revenue += rev
        self.cum_pay += pay
        assert _close(rev, r.sales_week[before].sum()), \
            f"{where}: revenue {rev} != sum of sales of reps active that week"
        assert _close(self.cum_revenue, b.view("revenue_total").sum()), \
            f"{where}: cumulative revenue {self.cum_revenue} != sum of account revenue totals"
        assert _close(pay, r.pay_week[before].sum()), \
            f"{where}: comp cost {pay} != sum of rep pay that week"
        assert _close(self.cum_pay, r.view("pay_total").sum()), \
            f"{where}: cumulative comp cost {self.cum_pay} != sum of rep pay totals"
        for k in ("revenue", "comp_cost", "discounts", "concession_cost"):
            assert wk[k][w] >= 0, f"{where}: weekly {k} = {wk[k][w]} < 0"
        for name, col in (("rep pay_week", r.view("pay_week")),
                          ("rep sales_week", r.view("sales_week")),
                          ("account sales_week", b.view("sales_week")),
                          ("rep pay_total", r.view("pay_total"))):
            assert (col >= 0).all(), f"{where}: negative {name}: {col.min()}"

    def _headcount(self, w, before, n_before, ev_before, where) -> None:
        m, r = self.m, self.m.reps
        wk = m.collector.weekly
        hires, quits = int(wk["hires"][w]), int(wk["quits"][w])
        end = int(r.view("active").sum())
        assert before.size + hires - quits == end, \
            f"{where}: start {before.size} + hires {hires} - quits {quits} != end {end}"
        assert wk["headcount"][w] == end, f"{where}: weekly headcount != active reps"
        assert r.n - n_before == hires, f"{where}: {r.n - n_before} slots added, {hires} hires"
        assert new_events(m, ev_before, "hire")["rep"].size == hires, f"{where}: hire events"
        assert new_events(m, ev_before, "quit")["rep"].size == quits, f"{where}: quit events"
        assert set(m.rep_agent) == set(np.flatnonzero(r.view("active")).tolist()), \
            f"{where}: Mesa rep agents differ from the active reps"

    def _owners(self, where: str) -> None:
        r, b = self.m.reps, self.m.book
        owner, live = b.view("owner"), b.view("active")
        assert ((owner >= -1) & (owner < r.n)).all(), f"{where}: owner outside the rep slots"
        assert (owner[~live] == -1).all(), f"{where}: an ended account still has an owner"
        held = owner[live & (owner >= 0)]
        assert r.active[held].all(), \
            f"{where}: accounts owned by reps who left: {np.unique(held[~r.active[held]])}"
        backup = b.view("backup")
        both = live & (backup >= 0)
        assert (backup[both] != owner[both]).all(), f"{where}: an account backs itself up"

    def _leavers(self, gone: np.ndarray, frozen: dict, where: str) -> None:
        r = self.m.reps
        for k, old in frozen.items():
            now = getattr(r, k)[gone]
            same = (now == old) | (np.isnan(now) & np.isnan(old)) if now.dtype.kind == "f" \
                else now == old
            assert same.all(), f"{where}: column {k} changed for reps who had left: " \
                               f"slots {gone[~same]}"

    def _events(self, w, before, n_before, ev_before, where) -> None:
        m, r, b = self.m, self.m.reps, self.m.book
        ev = m.events
        sel = slice(ev_before, ev.n)
        assert (ev.week[sel] == w).all(), f"{where}: event logged with another week"
        employed = np.union1d(before, np.arange(n_before, r.n))
        rep, acc, kind = ev.rep[sel], ev.account[sel], ev.kind[sel]
        rep_kind = np.isin(kind, [EventLog.CODE[k] for k in REP_EVENTS])
        acc_kind = np.isin(kind, [EventLog.CODE[k] for k in ACCOUNT_EVENTS])
        assert (rep_kind | acc_kind).all(), f"{where}: unknown event kind"
        assert np.isin(rep[rep_kind], employed).all(), \
            f"{where}: rep event for a rep not employed this week: {rep[rep_kind]}"
        named = rep[acc_kind]
        assert np.isin(named[named >= 0], employed).all() and (named >= -1).all(), \
            f"{where}: account event names a rep not employed this week"
        assert ((acc[acc_kind] >= 0) & (acc[acc_kind] < b.n)).all(), \
            f"{where}: account event for an account that does not exist"
        quits = new_events(m, ev_before, "quit")["rep"]
        assert np.unique(quits).size == quits.size, f"{where}: a rep quit twice in a week"
        again = self.quit_reps.intersection(quits.tolist())
        assert not again, f"{where}: reps quit a second time: {sorted(again)}"
        self.quit_reps.update(quits.tolist())
        assert np.isin(quits, before).all(), f"{where}: a rep quit who was not active"
        assert (~r.active[quits]).all() and (r.left[quits] == w).all(), \
            f"{where}: quitters still active or left week wrong"
        left = np.flatnonzero(r.view("left") >= 0)
        assert set(left.tolist()) == self.quit_reps_all(), f"{where}: left != quit events"

    def quit_reps_all(self) -> set[int]:
        ev = self.m.events
        return set(ev.view("rep")[ev.view("kind") == EventLog.CODE["quit"]].tolist())

    def _finite_and_ranges(self, w: int, where: str) -> None:
        m, r, b = self.m, self.m.reps, self.m.book
        for table, label in ((r, "rep"), (b, "account")):
            for k, (dtype, _) in table.COLUMNS.items():
                if np.dtype(dtype).kind == "f":
                    col = table.view(k)
                    assert np.isfinite(col).all(), f"{where}: non-finite {label} column {k}"
        for k, col in m.collector.weekly.items():
            assert np.isfinite(col[: w + 1]).all(), f"{where}: non-finite weekly {k}"
        for k in REP_UNIT_COLUMNS:
            col = r.view(k)
            assert ((col >= 0) & (col <= 1)).all(), \
                f"{where}: rep {k} outside [0, 1]: {col.min()}..{col.max()}"
        for k in ACCOUNT_UNIT_COLUMNS:
            col = b.view(k)
            assert ((col >= 0) & (col <= 1)).all(), \
                f"{where}: account {k} outside [0, 1]: {col.min()}..{col.max()}"
