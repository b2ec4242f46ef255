"""SalesModel: the Mesa model of a contractor sales organisation.  One step is one week.

``step`` follows the schedule in docs/ODD.md section 3 line by line.
"""

from __future__ import annotations

from collections.abc import Sequence

import mesa
import numpy as np

from sim.world.accounts import AccountBook, HandoverLog
from sim.world.build import OrgBuilder
from sim.world.agents import RepTable
from sim.world.attrition import BAND_EDGES, depart, hire, quit_decisions
from sim.world.beliefs import one_on_one_disclosure, update_beliefs
from sim.world.behaviour import choose_effort, emit_signals, marginal_pay, perceive
from sim.world.moods import update_moods
from sim.world.collect import HIRES, REVENUE, Collector
from sim.world.hooks import Levers, PolicyHooks, default_policies
from sim.world.compensation import CompPlan, pool_groups, run_payroll, start_period
from sim.world.leverage import leverage_plays
from sim.world.managers import ACT, HoursLedger
from sim.world.dependency import route_requests, update_dependency
from sim.world.market import market_week
from sim.world.pipeline import Pipeline
from sim.world.seasons import WEEKS_PER_YEAR, build_calendar
from sim.world.moves import OrgMoves
from sim.world.replicas import split, uniform
from sim.world.state import EventLog, StackedEventLog
from sim.world.streams import Streams
from sim.world.tactics import apply_to_effort, choose_tactics, found_out, resolve_false_urgency
from sim.world.arrays import clamp


class SalesModel(OrgBuilder, OrgMoves, mesa.Model):
    def __init__(self, scenario, rng: int | None = None, weeks: int | None = None,
                 panel: bool = True, policies: Sequence[PolicyHooks] | None = None,
                 account_panel: bool = False):
        """``scenario`` is a :class:`sim.scenario.Scenario`; ``policies`` the active policy
        objects (default: those the scenario switches on, from the registered builder)."""
        seeds = list(rng) if isinstance(rng, (list, tuple)) else None
        super().__init__(rng=seeds[0] if seeds else rng)
        if seeds:  # replications side by side (sim.world.replicas), one seed each
            entropies = [int(s) for s in seeds]
        else:
            entropies = [rng if isinstance(rng, (int, np.integer))
                         else int(self.rng.integers(2**63))]
        self.R = len(entropies)
        self.split_cache: dict = {}
        # one generator per process (sim.world.streams), per replication
        self.rstreams = [Streams(e) for e in entropies]
        self.streams = self.rstreams[0] if self.R == 1 else None
        sc = self.sc = scenario
        self.weeks = weeks or sc.run.weeks  # measured weeks, after the burn-in
        self.burn_in = sc.run.burn_in_weeks
        self.cal = build_calendar(sc.season)
        c = sc.comp
        # No team pool unless the team_bonus policy sets one (its setup writes plan.pool_*).
        self.plan = CompPlan(c, self.cal.multiplier, c.off_peak_bonus, self.cal.peak,
                             self.R)
        self.max_rate = c.commission_rate * c.raise_ceiling
        self.levers = Levers()
        self.week, self.woy, self.demand_now = 0, 0, float(self.cal.multiplier[0])
        self._derive_calendar_windows()
        R = self.R
        # Tables of R replications are stacked strided (sim.world.replicas); the serial
        # capacities still decide what a replication draws (by_slot, the pipeline's tables).
        self.rep_capacity0 = sc.org.n_reps * 2
        book_capacity0 = int(sc.org.n_reps * max(sc.accounts.per_rep, 1) * 2)
        self.reps = RepTable(self.rep_capacity0 * R)
        self.book = AccountBook(book_capacity0 * R)
        self.events = EventLog(1024) if R == 1 else StackedEventLog(1024 * R, R)
        self.handovers = HandoverLog(256 * R)
        self.rep_agent: dict[int, object] = {}
        self._active = self._owned = None
        self.program_cost = 0.0 if R == 1 else np.zeros(R)
        self.leavers: list[int] = []
        self.vacancies: list[tuple[int, int, int]] = []  # (vacancy id, start week, team)
        self._next_vacancy = np.zeros(R, dtype=np.int64)  # vacancies opened, per replication
        self.quits_by_band = np.zeros(3) if R == 1 else np.zeros((R, 3))
        self.exposure_by_band = np.zeros(3) if R == 1 else np.zeros((R, 3))
        self.hires_total = 0
        self.events_start = 0  # first event row of the measured window
        self.hold_measurement = False  # sim.world.fork: stop at the end of the burn-in
        self.pipeline = Pipeline(self, book_capacity0)
        self._build_org()
        chosen = list(policies) if policies is not None else default_policies(sc)
        # ``scheduled_policies``: the policies of this run; ``policies``: those acting now
        # (none during the burn-in).
        self.scheduled_policies, self.policies = chosen, []
        if self.burn_in == 0:
            self._switch_on_policies()
        self.collector = Collector(self, self.weeks, panel, account_panel)

    def _switch_on_policies(self) -> None:
        """Policies start acting when measurement starts (after the burn-in)."""
        self.policies = self.scheduled_policies
        for pol in self.policies:
            pol.setup(self)

    def _start_measurement(self) -> None:
        """End of the burn-in: policies switch on and every counter the KPIs read restarts
        (reps who left during the burn-in keep theirs; they are not in the measured window)."""
        r, b, a = self.reps, self.book, self.active
        self._switch_on_policies()
        self.quits_by_band[:] = 0
        self.exposure_by_band[:] = 0
        self.hires_total = 0
        for col in ("pay_total", "revenue_total", "rev_window", "weeks_employed",
                    "weeks_window"):
            getattr(r, col)[a] = 0
        b.revenue_total[:] = 0.0
        # The burn-in's events and handovers are never reported: drop them (memory).
        self.events.clear()
        self.handovers.clear()
        self.collector.events_cleared()
        self.events_start = 0

    # ---- construction -------------------------------------------------------------
    def _derive_calendar_windows(self) -> None:
        peak = self.cal.peak
        left = np.zeros(WEEKS_PER_YEAR)
        run = 0
        for w in range(2 * WEEKS_PER_YEAR - 1, -1, -1):  # peak weeks still to come, wrapping
            run = run + 1 if peak[w % WEEKS_PER_YEAR] else 0
            if w < WEEKS_PER_YEAR:
                left[w] = run
        self.peak_weeks_left = left
        first = np.flatnonzero(peak)
        self.review_week = int((first[0] - 6) % WEEKS_PER_YEAR) if first.size else 40

    def learning_capacity(self, a: np.ndarray) -> np.ndarray:
        """How much of a lesson a rep can absorb (0..1): able reps absorb more, and the first
        years are when a rep learns fastest: (skill / (skill + 1))^... see ODD "Learning"."""
        r, rp = self.reps, self.sc.reps
        tenure = np.maximum(self.week - r.hired[a], 0)
        able = r.skill[a] / (r.skill[a] + rp.absorb_skill_half)
        return able / (1 + tenure / rp.absorb_weeks)

    def _ramp(self, tenure: np.ndarray) -> np.ndarray:
        rp = self.sc.reps
        if rp.ramp_weeks <= 0:
            return np.ones(len(tenure))
        f = clamp(tenure / rp.ramp_weeks, 0, 1)
        return rp.ramp_start + (1 - rp.ramp_start) * f

    # ---- helpers used by rules and policies ----------------------------------------
    def refresh(self) -> None:
        """Mark the index caches of active reps and owned accounts as stale."""
        self._active = None
        self._owned = None

    @property
    def active(self) -> np.ndarray:
        """Slots of reps under contract (sorted)."""
        if self._active is None:
            self._active = self.reps.active[: self.reps.n].nonzero()[0]
        return self._active

    @property
    def owned(self) -> np.ndarray:
        """Indices of live accounts with an owner (sorted)."""
        if self._owned is None:
            self._owned = self.book.owned()
        return self._owned

    def performance_pct(self, slots: np.ndarray) -> np.ndarray:
        """Percentile (0..1) of each rep's trailing revenue among active reps (of its own
        replication)."""
        a, rev = self.active, self.reps.rev_annual
        if self.R == 1:
            vals = rev[a]  # a fresh gather: sorted in place
            vals.sort()
            return vals.searchsorted(rev[slots]) / max(len(a) - 1, 1)
        out = np.empty(len(slots))
        mine = split(self, slots)
        for r, pos in split(self, a):
            vals = np.sort(rev[a[pos]])
            at = mine[r][1]
            out[at] = vals.searchsorted(rev[slots[at]]) / max(pos.size - 1, 1)
        return out

    def pool_group_size(self, slots: np.ndarray) -> np.ndarray:
        g = pool_groups(self, self.active)
        size = np.bincount(g)
        return size[pool_groups(self, slots)]

    def policy_decide_demand(self, reps, kind, threat) -> np.ndarray:
        for pol in self.policies:
            out = pol.decide_demand(self, reps, kind, threat)
            if out is not None:
                return out
        return np.zeros(reps.size, dtype=bool)

    # ---- the week ------------------------------------------------------------------
    def step(self) -> None:
        # company spending on programmes this week (policies add)
        self.program_cost = 0.0 if self.R == 1 else np.zeros(self.R)
        self.split_cache: dict = {}  # sim.world.replicas.split, for this week's arrays
        self.woy = self.week % WEEKS_PER_YEAR                # 1. calendar
        self.demand_now = float(self.cal.multiplier[self.woy])
        self.refresh()
        self.reps.shadow_hours[self.active] = 0.0  # hours off own accounts: backing up, training
        self.reps.training_hours[self.active] = 0.0  # (policies add)
        if self.plan.period_start(self.woy):
            start_period(self, self.active)
        for pol in self.policies:                           # 2. scheduled policy actions
            pol.week_start(self)
        a = self.active
        perceive(self, a)                                   # 3. perception
        m = marginal_pay(self, a)
        self.reps.marginal[a] = m
        choose_tactics(self, a)                             # 4. tactics
        effort = apply_to_effort(self, a, choose_effort(self, a, m))   # 5. effort
        self.reps.prev_effort[a] = self.reps.effort[a]
        self.reps.effort[a] = effort
        emit_signals(self, a)                               # 6. warning signs
        ledger = self.manager_week(a)                       # 7. managers' hours
        found_out(self, a)
        discount = resolve_false_urgency(self, ledger)
        market_week(self, a, discount)                      # 8. market
        self.plan.record_sales(self.woy, self.collector.row[REVENUE])
        run_payroll(self, a)                                # 9. pay
        if self.plan.period_end[self.woy]:
            for pol in self.policies:
                pol.period_end(self)
        leverage_plays(self, a)                             # 10. leverage plays
        update_moods(self, a)                               # 11. moods
        self.grow_skills(a)
        self.turnover(a)                                    # 12. quits and hires
        self.collector.collect(ledger, a)                   # 13. collection
        self.week += 1
        if self.week == self.burn_in and not self.hold_measurement:  # burn-in ends (ODD 3)
            self._start_measurement()

    def manager_week(self, a: np.ndarray) -> HoursLedger:
        """Managers' week: demands on their hours, served in the policy's priority order;
        then what they noticed and learnt moves their beliefs (sim.world.beliefs)."""
        r, beh, lv = self.reps, self.sc.behaviour, self.levers
        team = np.where(r.view("active"), r.view("team"), -1)
        ledger = HoursLedger(r.n, team, self.n_teams, self.budget, lv.priority, self.R)
        ledger.add_manager("admin", self.sc.org.admin_hours)
        asks = r.demanding[a].copy()  # threats (2) and demands (1) heard since last week
        claim = a[r.urgency_claim[a]]
        ledger.add("urgency", claim, self.sc.tactics.urgency_hours)
        sent = route_requests(self, a)  # problems that reach the manager (sim.world.dependency)
        ledger.add("requests", a, sent * beh.request_hours)
        for pol in self.policies:
            pol.hour_demands(self, ledger)
        r.demanding[a] = 0
        ledger.settle()
        answered = ledger.fraction_for("requests", a)
        r.unanswered[a] = 1 - answered
        for pol in self.policies:
            pol.after_hours(self, ledger)
        update_dependency(self, a, answered, ledger.served_for("coaching", a))
        for act in ("coaching", "retention"):  # 1:1s and talks held: what a rep says
            met = a[ledger.rep_demand[ACT[act]][a] > 0]
            one_on_one_disclosure(self, met, ledger.fraction_for(act, met))
        seen = self.notice_signs(a, ledger)
        update_beliefs(self, a, seen, asks)
        return ledger

    def notice_signs(self, a: np.ndarray, ledger: HoursLedger) -> np.ndarray:
        """A manager notices each emitted sign with a chance set by its skill and face time;
        with feedback channels a rep's comp talk reaches it directly, and the rep is heard.
        Returns the (signal x rep) matrix of signs noticed."""
        from sim.world.agents import SIGNALS
        r = self.reps
        face = ledger.face_hours(a)
        p = clamp(self.mgr_detect[r.team[a]]
                    * np.minimum(1.0, self.sc.managers.notice_base + face), 0, 1)
        emitted = r.signals[:, a]
        seen = emitted & (uniform(self, "detection", a, lead=emitted.shape[0]) < p)
        if self.levers.feedback:
            talk = SIGNALS.index("comp_talk")
            seen[talk] |= emitted[talk]
            r.heard[a[emitted[talk]]] = True
        r.noticed[a] = seen.sum(axis=0)
        got = a[r.noticed[a] > 0]
        # A new episode starts when nothing was noticed for half a year.
        first = got[(r.first_sign[got] < 0) | (self.week - r.last_sign[got] > 26)]
        r.first_sign[first] = self.week
        r.last_sign[got] = self.week
        sig, who = np.nonzero(seen)
        self.events.log(self.week, "sign_noticed", a[who], value=sig)
        return seen

    def grow_skills(self, a: np.ndarray) -> None:
        """On-the-job learning: skill closes a share of the gap to the ceiling set by the
        rep's learning capacity, so growth saturates as skill nears the ceiling."""
        r, rp = self.reps, self.sc.reps
        gap = clamp(r.ceiling[a] - r.skill[a], 0, None)
        # on the job, plus training hours and problems solved instead of asked (seed 001)
        step = (rp.skill_growth + rp.training_learn * r.training_hours[a]
                + rp.practice_learn * r.practice[a]) * self.learning_capacity(a)
        r.skill[a] += clamp(step, 0, 1) * gap
        r.ramp[a] = self._ramp(self.week - r.hired[a])

    def turnover(self, a: np.ndarray) -> None:
        tenure = self.week - self.reps.hired[a]
        band = BAND_EDGES.searchsorted(tenure, side="right")
        if self.R == 1:
            self.exposure_by_band += np.bincount(band, minlength=3)
        else:
            self.exposure_by_band += np.bincount(a % self.R * 3 + band,
                                                 minlength=3 * self.R).reshape(self.R, 3)
        depart(self, quit_decisions(self, a))
        self.collector.row[HIRES] = hire(self)
        self.refresh()

    def run(self) -> None:
        for _ in range(self.burn_in + self.weeks):
            self.step()

    def release(self) -> None:
        """Free the model's arrays now, once its results are collected (it cannot step again).

        The model and its Mesa agents refer to each other, so reference counting alone never
        frees a finished model: it waits for Python's next full garbage collection, which can
        be dozens of runs away, and a sweep process holds the arrays of every model until then
        (its memory rose by about 0.7 MB a run at 80 reps).  Removing the agents, as Mesa's
        ``remove_all_agents`` does for this purpose, and dropping the model's own tables lets
        them go at once."""
        self.remove_all_agents()
        for name in ("rep_agent", "managers", "reps", "book", "events", "handovers",
                     "pipeline", "collector", "policies", "scheduled_policies", "snap",
                     "streams", "rstreams", "split_cache", "_stream_lists", "_unstacked",
                     "_repl_lut", "_stream_addrs", "_active", "_owned"):
            self.__dict__.pop(name, None)
