"""Everyday management: coaching, monitoring, answering requests, concessions and hiring."""

from __future__ import annotations

import numpy as np

from sim.policies.base import Policy


def team_medians(team: np.ndarray, values: np.ndarray, n_teams: int) -> np.ndarray:
    """Median of ``values`` within each team (0 for an empty team), without a loop."""
    order = np.lexsort((values, team))
    t, v = team[order], values[order]
    count = np.bincount(t, minlength=n_teams)
    start = np.r_[0, np.cumsum(count)[:-1]]
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
            every = np.where(group, p.every_weeks, 2 * p.every_weeks)
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
        r.skipped_1on1[self.due] = got[self.due] < 0.5
        r.coached[a] = 0.9 * r.coached[a] + 0.1 * got[a] * p.quality
        c = self.due
        if c.size == 0:
            return
        fit = self.fit(model, c)
        recept = np.clip(0.4 + 0.6 * r.engagement[c] - 0.4 * r.entitlement[c], 0, 1)
        gap = np.clip(r.ceiling[c] - r.skill[c], 0, None)
        # What the coachee absorbs: its capacity (skill, tenure) x its receptiveness x how
        # well the session fits it x the coach's quality x the share of the hour held.
        absorbed = np.clip(p.gain * got[c] * p.quality * recept * fit
                           * model.learning_capacity(c), 0, 1)
        r.skill[c] += absorbed * gap  # saturates: nothing left to add at the ceiling
        r.engagement[c] = np.clip(r.engagement[c] + 0.005 * got[c] * fit, 0, 1)
        r.dependency[c] = np.clip(r.dependency[c] - 0.02 * got[c] * p.quality, 0, 1)
        model.slump_fix(c[(r.slump[c] == 1) & (got[c] > 0.5)], prob=0.15 * p.quality)

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
    """Activity monitoring and, optionally, support that diagnoses slumps (seed 003)."""

    name = "monitoring"

    def week_start(self, model):
        r, p, a = model.reps, self.p, model.active
        struggling = r.projected[a] < 0.85 * r.quota[a]
        self.intensity = np.where(struggling, p.struggling_intensity, p.intensity) * r.oversight[a]

    def hour_demands(self, model, ledger):
        a = model.active
        ledger.add("monitoring", a, self.p.hours_per_rep * self.intensity)
        if self.p.support:
            r = model.reps
            self.slumping = a[(r.slump[a] > 0) & (r.projected[a] < r.quota[a])]
            ledger.add("support", self.slumping, self.p.support_hours)

    def after_hours(self, model, ledger):
        r, a = model.reps, model.active
        r.monitoring[a] = self.intensity * ledger.fraction_for("monitoring", a)
        r.supported[a] = 0.0
        if self.p.support and self.slumping.size:
            s = self.slumping
            share = ledger.served_for("support", s) / max(self.p.support_hours, 1e-9)
            r.supported[s] = share
            model.slump_fix(s, prob=0.5 * share)


class Independence(Policy):
    """How managers answer requests (seed 001): delay, ask for solutions, rights, process."""

    name = "independence"

    def setup(self, model):
        p, lv = self.p, model.levers
        lv.self_resolve = 1 - np.exp(-p.response_delay_hours / 1.5)
        lv.request_factor = (0.7 if p.decision_rights else 1.0) * (0.75 if p.defined_process else 1.0)
        lv.record_boost += 0.2 if p.defined_process else 0.0

    def after_hours(self, model, ledger):
        r, p, a = model.reps, self.p, model.active
        beh = model.sc.behaviour
        answered = ledger.fraction_for("requests", a) * np.clip(r.requests[a] / 5, 0, 1)
        grow = (beh.dependency_growth * answered * (1 - model.levers.self_resolve)
                * (1 + 2 * p.over_support) * (0.5 if p.ask_for_solutions else 1.0))
        decay = beh.dependency_decay * (1 + 1.0 * p.ask_for_solutions + 0.5 * p.decision_rights
                                        + 0.5 * p.defined_process + 2 * model.levers.self_resolve)
        d = r.dependency[a]
        r.dependency[a] = np.clip(d + grow * (1 - d) - decay * d, 0, 1)
        if p.ask_for_solutions:  # working problems out is practice
            r.skill[a] += 0.0005 * np.clip(r.ceiling[a] - r.skill[a], 0, None)


class Concessions(Policy):
    """How readily threats and demands are granted, within limits (seed 000)."""

    name = "concessions"

    def setup(self, model):
        model.max_rate = self.p.max_rate

    def hour_demands(self, model, ledger):
        r, a = model.reps, model.active
        ask = a[r.demanding[a] > 0]
        ledger.add("retention", ask, self.p.retention_talk_hours)
        r.demanding[ask] = 0

    def decide_demand(self, model, reps, kind, threat):
        r = model.reps
        p = np.clip(self.p.grant_probability * (0.5 + r.leverage[reps]) * (1 + 0.5 * threat), 0, 1)
        granted = model.streams.concessions.random(reps.size) < p
        return granted & ((kind != 0) | (r.rate[reps] < model.max_rate - 1e-12))


class Hiring(Policy):
    name = "hiring"

    def setup(self, model):
        lv, p = model.levers, self.p
        lv.hiring, lv.hiring_lag, lv.hire_skill, lv.peak_freeze = (
            p.enabled, p.lag_weeks, p.skill, p.peak_freeze)
