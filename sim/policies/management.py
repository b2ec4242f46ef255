"""Everyday management: coaching, monitoring, answering requests, concessions and hiring."""

from __future__ import annotations

import numpy as np

from sim.policies.accounts import move_top_accounts
from sim.policies.base import Policy
from sim.world.beliefs import catch_tactics, manager_expected_sales, manager_projection
from sim.world.leverage import grant_rule
from sim.world.arrays import clamp


def team_medians(team: np.ndarray, values: np.ndarray, n_teams: int) -> np.ndarray:
    """Median of ``values`` within each team (0 for an empty team), without a loop."""
    order = np.lexsort((values, team))
    t, v = team[order], values[order]
    count = np.bincount(t, minlength=n_teams)
    start = count.cumsum() - count  # first row of each team in ``order``
    out = np.zeros(n_teams)
    has = count > 0
    lo = start[has] + (count[has] - 1) // 2
    hi = start[has] + count[has] // 2
    out[has] = 0.5 * (v[lo] + v[hi])
    return out


class Coaching(Policy):
    """1:1 coaching (seeds 001, 002): skill and engagement grow with the hours actually held."""

    name = "coaching"

    def _due(self, model, a):
        r, p = model.reps, self.p
        every = np.full(len(a), p.every_weeks)
        if p.target != "all":
            pct = model.performance_pct(a)
            group = {"strugglers": pct < 1 / 3, "middle": (pct >= 1 / 3) & (pct < 2 / 3),
                     "stars": pct >= 2 / 3}[p.target]
            every = np.where(group, p.every_weeks, p.others_every * p.every_weeks)
        return a[(r.uid[a] + model.week) % every == 0]

    def hour_demands(self, model, ledger):
        self.due = self._due(model, model.active)
        ledger.add("coaching", self.due, self.p.hours)

    def after_hours(self, model, ledger):
        r, p, a = model.reps, self.p, model.active
        got = np.zeros(r.n)
        if self.due.size and p.hours > 0:
            got[self.due] = ledger.served_for("coaching", self.due) / p.hours
        r.skipped_1on1[a] = False
        r.skipped_1on1[self.due] = got[self.due] < p.held_share
        # What the rep feels of being developed: a fading memory of the sessions held.
        keep = model.sc.behaviour.coached_memory
        r.coached[a] = keep * r.coached[a] + (1 - keep) * got[a] * p.quality
        c = self.due
        if c.size == 0:
            return
        fit = self.fit(model, c)
        rp = model.sc.reps
        recept = clamp(rp.recept_base + rp.recept_engagement * r.engagement[c]
                         - rp.recept_entitlement * r.entitlement[c], 0, 1)
        gap = clamp(r.ceiling[c] - r.skill[c], 0, None)
        # What the coachee absorbs: its capacity (skill, tenure) x its receptiveness x how
        # well the session fits it x the coach's quality x the share of the hour held.
        absorbed = clamp(p.gain * got[c] * p.quality * recept * fit
                           * model.learning_capacity(c), 0, 1)
        r.skill[c] += absorbed * gap  # saturates: nothing left to add at the ceiling
        # Engagement follows ``coached`` (behaviour.eng_coaching); dependency follows the
        # problems worked through in the session (sim.world.dependency).
        model.slump_fix(c[(r.slump[c] == 1) & (got[c] > p.held_share)],
                        prob=p.slump_fix * p.quality)

    def fit(self, model, c: np.ndarray) -> np.ndarray:
        """How well a session fits the rep (0..1).

        A uniform session is pitched at the level of the team's typical rep, as the manager
        sees it (trailing sales); it fits a rep less the further that rep's own record lies
        from the pitch, in log units: fit = exp(-(log(rev / team median) / width)^2 / 2).
        A tailored session (seed 002) is pitched at the rep's own record, so it fits.
        """
        if self.p.style == "tailored":
            return np.ones(c.size)
        r, a = model.reps, model.active
        rev = np.maximum(r.rev_annual, 1e-9)
        team_med = team_medians(r.team[a], rev[a], model.n_teams)
        dist = np.log(rev[c] / np.maximum(team_med[r.team[c]], 1e-9))
        return np.exp(-0.5 * (dist / self.p.fit_width) ** 2)


class Monitoring(Policy):
    """Activity monitoring as information (seed 003; Holmstrom 1979): the hours a manager
    spends watching a rep give it a chance to catch a tactic in use, and a caught tactic is
    sanctioned.  Monitoring costs hours and adds stress, felt with each rep's own
    sensitivity.  Optionally, support: diagnosing why a rep's sales dropped."""

    name = "monitoring"

    def week_start(self, model):
        r, p, a = model.reps, self.p, model.active
        # Struggling as the manager sees it: the pipeline it can see falls short of quota.
        struggling = ((manager_projection(model, a) < p.behind_share * r.quota[a])
                      | (r.mb_shirk[a] > p.suspect_threshold))  # or suspected of a tactic
        self.intensity = np.where(struggling, p.struggling_intensity, p.intensity) * r.oversight[a]

    def hour_demands(self, model, ledger):
        a = model.active
        ledger.add("monitoring", a, self.p.hours_per_rep * self.intensity)
        if self.p.support:
            r, mp = model.reps, model.sc.managers
            # Support goes to reps whose sales the manager saw drop while behind quota.
            dropped = r.sales_week[a] < mp.sales_drop * manager_expected_sales(model, a)
            behind = manager_projection(model, a) < r.quota[a]
            self.slumping = a[dropped & behind]
            ledger.add("support", self.slumping, self.p.support_hours)

    def after_hours(self, model, ledger):
        r, a = model.reps, model.active
        r.monitoring[a] = self.intensity * ledger.fraction_for("monitoring", a)
        caught = catch_tactics(model, a, ledger.served_for("monitoring", a), self.p.detect_rate)
        model.events.log(model.week, "tactic_caught", caught)
        sanction(model, caught, self.p)
        r.supported[a] = 0.0
        if self.p.support and self.slumping.size:
            s = self.slumping
            share = ledger.served_for("support", s) / max(self.p.support_hours, 1e-9)
            r.supported[s] = share
            model.slump_fix(s, prob=self.p.support_fix * share)


def sanction(model, caught: np.ndarray, p) -> None:
    """What a caught tactic brings (Shapiro & Stiglitz 1984): a warning on record (the catch
    also raises the manager's shirking belief, so the rep is watched more closely); under
    'warning_then_exit' one catch more than ``warnings_allowed`` within ``warning_memory``
    weeks ends the contract; losing the largest ``sanction_share`` of the book to teammates;
    or non-renewal of the contract.  Value logged: 0 warning, 1 accounts, 2 non-renewal.
    ``warnings`` and ``last_warned`` are what the rep knows of its record."""
    r = model.reps
    if caught.size == 0:
        return
    if p.sanction in ("warning", "warning_then_exit"):
        stale = model.week - r.last_warned[caught] > p.warning_memory
        r.warnings[caught] = np.where(stale, 0, r.warnings[caught]) + 1
        r.last_warned[caught] = model.week
        over = (r.warnings[caught] > p.warnings_allowed) & (p.sanction == "warning_then_exit")
        model.events.log(model.week, "sanction", caught, value=np.where(over, 2, 0))
        model.leavers.extend(int(x) for x in caught[over])
    elif p.sanction == "accounts":
        model.events.log(model.week, "sanction", caught, value=1)
        move_top_accounts(model, caught, p.sanction_share, "monitoring")
    else:
        model.events.log(model.week, "sanction", caught, value=2)
        model.leavers.extend(int(x) for x in caught)


class Independence(Policy):
    """How managers answer requests (seed 001): delay, ask for solutions, decision rights, a
    written process, over-support.  Each sets what reps can do or know, or what the manager
    does with a problem; who ends up solving it, and so dependency, follows in
    :mod:`sim.world.dependency`.  A defined process also makes recording part of the written
    process, so the manager can see in the CRM who records too little."""

    name = "independence"

    def setup(self, model):
        p, lv = self.p, model.levers
        lv.self_resolve = 1 - np.exp(-p.response_delay_hours / model.sc.behaviour.self_resolve_hours)
        lv.decision_rights = p.decision_rights
        lv.defined_process = p.defined_process
        lv.ask_first = p.ask_for_solutions
        lv.over_support = p.over_support
        lv.crm_visible = lv.crm_visible or p.defined_process


class Concessions(Policy):
    """How threats and demands are answered (seed 000): grant when the manager's estimate of
    the revenue refusal puts at risk beats the cost of conceding, precedent included."""

    name = "concessions"

    def setup(self, model):
        model.max_rate = self.p.max_rate
        model.levers.precedent_weight = self.p.precedent_weight

    def hour_demands(self, model, ledger):
        r, a = model.reps, model.active
        ask = a[r.demanding[a] > 0]
        ledger.add("retention", ask, self.p.retention_talk_hours)

    def decide_demand(self, model, reps, kind, threat):
        r = model.reps  # the manager's beliefs and its own estimate of revenue at risk only
        return grant_rule(model, reps, kind, threat, r.mb_flight[reps], r.mgr_rar[reps],
                          r.mb_shirk[reps])


class Hiring(Policy):
    name = "hiring"

    def setup(self, model):
        lv, p = model.levers, self.p
        lv.hiring, lv.hiring_lag, lv.hire_skill, lv.peak_freeze = (
            p.enabled, p.lag_weeks, p.skill, p.peak_freeze)
