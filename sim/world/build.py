"""Building the organisation: managers, the initial reps and their books, and new hires.

A mixin of :class:`sim.world.model.SalesModel`: every draw goes through
:mod:`sim.world.replicas`, so each replication of a stacked model builds what its serial run
builds (ODD "Initialisation").
"""

from __future__ import annotations

import math

import numpy as np

from sim.world.agents import Manager
from sim.world.arrays import clamp
from sim.world.attrition import new_rep_agents
from sim.world.compensation import start_period
from sim.world.replicas import beta, draw, integers, normal


class OrgBuilder:
    """Construction of managers, reps and books (uses the model's tables and streams)."""

    def _build_org(self) -> None:
        sc = self.sc
        # teams of one replication, and of the whole stacked model (team t of replication
        # r is team t * R + r, sim.world.replicas)
        self.teams_per_repl = max(1, math.ceil(sc.org.n_reps / sc.org.span))
        self.n_teams = self.teams_per_repl * self.R
        mean = sc.org.detect_skill_mean
        R, all_teams = self.R, np.arange(self.n_teams)
        detect = clamp(beta(self, "org", all_teams, 1 + 8 * mean, 1 + 8 * (1 - mean)), 0, 1)
        self.managers = [Manager(self, t, float(detect[t])) for t in range(self.n_teams)]
        self.mgr_detect = detect
        self.budget = np.full(self.n_teams, sc.org.manager_hours)
        row = np.arange(sc.org.n_reps * R)  # initial reps: local slot row // R of row % R
        teams = (row // R) % self.teams_per_repl * R + row % R
        slots = self.add_reps(teams.astype(np.int32), new_hires=False)
        per = sc.accounts.per_rep
        k = (draw(self, "org", slots, lambda g, sel, n: g.poisson(per, n)) if per > 0
             else np.zeros(slots.size, dtype=int))
        owners = np.repeat(slots, k).astype(np.int32)
        ap = sc.accounts
        new = self.book.new_accounts("accounts", ap, owners, 0, ap.relationship_init,
                                     ap.health_init, model=self)
        self.refresh()
        r = self.reps
        r.rev_annual[slots] = np.bincount(owners, weights=self.book.rev_annual[new],
                                          minlength=r.n)[slots] * r.skill[slots]
        self.woy = 0
        start_period(self, slots)

    def add_reps(self, teams: np.ndarray, new_hires: bool) -> np.ndarray:
        """Contract new reps into ``teams``; initial reps get a spread of past tenure."""
        sc, k = self.sc, len(teams)
        stream = "hiring" if new_hires else "org"
        rp = sc.reps
        skill_med = self.levers.hire_skill if new_hires else 1.0
        skill = skill_med * np.exp(rp.skill_sigma * normal(self, stream, teams))
        tenure = (np.zeros(k, dtype=int) if new_hires
                  else integers(self, stream, teams, 0, 312))
        slots = self.reps.add_strided(
            teams % self.R, self.R, team=teams, active=True, hired=self.week - tenure,
            skill=skill,
            ceiling=self._ceiling(skill, tenure, normal(self, stream, teams)),
            motivation=beta(self, stream, teams, rp.motivation_a, rp.motivation_b),
            self_interest=beta(self, stream, teams, rp.self_interest_a, rp.self_interest_b),
            engagement=0.7, satisfaction=0.65, fairness=0.7, stress=sc.behaviour.base_stress,
            entitlement=0.05, dependency=np.where(tenure < 52, 0.4, 0.2), leverage=0.0,
            offers=0.0, brand=0.0, trust=0.8, autonomy=0.8, grant_belief=0.35,
            rate=sc.comp.commission_rate, pay_ewma=sc.behaviour.pay_reference,
            effort=0.7, prev_effort=0.7, ramp=self._ramp(tenure),
            caught_belief=sc.tactics.detect_prior)
        sigma = sc.behaviour.monitor_sensitivity_sigma
        z = normal(self, "sensitivity", slots)
        self.reps.mon_sens[slots] = np.exp(sigma * z - 0.5 * sigma ** 2)
        new_rep_agents(self, slots)
        if new_hires:
            self.hires_total += k
            self.events.log(self.week, "hire", slots)
        self.refresh()
        return slots

    def _ceiling(self, skill: np.ndarray, tenure: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Skill a rep can reach: its skill plus a headroom that is largest for a newcomer and
        shrinks with tenure (what is left to learn), times a personal draw (ODD "Learning")."""
        rp = self.sc.reps
        room = rp.headroom_new * np.exp(-np.asarray(tenure) / rp.headroom_weeks)
        return skill * (1 + room * np.exp(rp.headroom_sigma * z))  # z: standard normals

