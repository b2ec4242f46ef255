"""Seed 000's best practices, each switchable on its own inside ``[policies.playbook]``."""

from __future__ import annotations

import numpy as np

from sim.policies.base import Policy
from sim.policies.accounts import assign_backups, backed, shadow, unbacked
from sim.policies.signs import review_rate
from sim.world.beliefs import one_on_one_disclosure
from sim.world.arrays import clamp
from sim.world.replicas import count


class Playbook(Policy):
    name = "playbook"

    def setup(self, model):
        p, lv = self.p, model.levers
        if p.clear_policies:  # the grant rule is published: reps know what asking brings
            lv.published_rule = True
        if p.training:  # a future in the company (engagement); the hours are in week_start
            lv.development = 1.0
        if p.culture_events:  # a team identity (engagement); no cover without the hours
            lv.culture = 1.0
        if p.feedback_channels:  # grievances reach the manager; the rep is heard
            lv.feedback = True
        if p.year_round_bonus > 0:
            peak = model.cal.peak
            model.plan.rate_boost = np.where(peak, 1.0, 1.0 + p.year_round_bonus)
        if p.cross_training:
            lv.backups = True
            self.on_new_accounts(model, unbacked(model))

    def on_new_accounts(self, model, accounts):
        if self.p.cross_training and accounts.size:
            b = model.book
            assign_backups(model, accounts[b.backup[accounts] < 0], self.name)

    def week_start(self, model):
        p, a = self.p, model.active
        per_rep = (p.training_cost * p.training + p.culture_cost * p.culture_events
                   + p.cross_training_cost * p.cross_training)
        # per replication at R > 1: its own active reps into its own programme cost
        model.program_cost += (per_rep / 52) * count(model, a)
        if p.training:  # structured training: hours away from selling, learnt by capacity
            r = model.reps
            r.training_hours[a] = p.training_hours
            r.shadow_hours[a] += p.training_hours
        if p.comp_review and model.woy == model.review_week:
            self._comp_review(model, a)
        if p.cross_training and model.week % 13 == 0:
            self.on_new_accounts(model, unbacked(model))
        if p.broad_team and model.week % 13 == 0:
            self._rebalance(model, a)

    def _comp_review(self, model, a):
        """Annual review before the peak: rates follow performance, not past leverage."""
        r = model.reps
        r.rate[a] = review_rate(model, a, model.sc.policies.manager.review_premium)
        base = model.sc.comp.commission_rate
        r.conceded[a] = clamp(r.rate[a] - base, 0, None) * (r.conceded[a] > 0)

    def _rebalance(self, model, a):
        """Keep books broad: a rep holding over twice the team's average book value passes
        its weakest-relationship accounts to the lightest teammate."""
        r, b = model.reps, model.book
        idx = model.owned
        val = np.bincount(b.owner[idx], weights=b.potential[idx], minlength=r.n)
        for t in np.unique(r.team[a]):
            m = a[r.team[a] == t]
            if m.size < 2:
                continue
            avg = val[m].mean()
            for big in m[val[m] > 2 * avg]:
                own = idx[b.owner[idx] == big]
                order = own[np.argsort(b.relationship[own])]
                excess = val[big] - 2 * avg
                give = order[np.cumsum(b.potential[order]) <= excess]
                if give.size:
                    light = m[np.argmin(val[m])]
                    model.move_accounts(give, np.full(give.size, light),
                                        quality=model.sc.accounts.handover_quality,
                                        cause="rebalance")

    def hour_demands(self, model, ledger):
        p = self.p
        if p.cross_training:  # the programme's sessions: a manager pairs and checks backups
            self.trainees = np.unique(model.book.backup[backed(model)])
            ledger.add("cross_training", self.trainees, p.cross_training_manager_hours)
        if p.review_every_weeks > 0:
            a = model.active
            due = a[(model.reps.uid[a] + model.week) % p.review_every_weeks == 0]
            ledger.add("reviews", due, p.review_hours)
            self.due = due

    def after_hours(self, model, ledger):
        p, r = self.p, model.reps
        if p.cross_training:
            idx = backed(model)
            held = np.ones(r.n)
            if p.cross_training_manager_hours > 0 and self.trainees.size:
                held[self.trainees] = ledger.fraction_for("cross_training", self.trainees)
            shadow(model, p.shadow_hours * held[model.book.backup[idx]], idx)
        if p.review_every_weeks > 0 and self.due.size:
            got = ledger.served_for("reviews", self.due) / max(p.review_hours, 1e-9)
            # A review is a long 1:1: the rep says what is on its mind, and a slump's cause
            # can be found and addressed in an improvement plan.
            one_on_one_disclosure(model, self.due, got)
            model.slump_fix(self.due[got > p.review_held], prob=p.review_fix)
