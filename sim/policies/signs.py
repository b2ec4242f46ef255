"""The manager as an adaptive principal: acting on what it believes about each rep.

Each week a manager looks at its beliefs (:mod:`sim.world.beliefs`) and, where a belief has
crossed the threshold this policy sets, asks for hours to act (seeds 000 and 001):

- flight risk above ``flight_threshold``: a retention talk (the rep is heard, and the manager
  learns what a candid rep says) and a comp review (the rate follows performance);
- leverage risk above ``leverage_threshold``: push the rep to record its accounts (its
  recording target rises while the push lasts) and cross-train a teammate as backup on the
  rep's book (cover rises, fewer clients would follow it);
- leverage risk above ``rotate_threshold``: rotate the largest accounts early.

Actions compete for the manager's hours in the order ``priority`` sets; an action is carried
out with the share of its hours that was served.  Acting early is cheaper: a belief that rises
from noticed signs reaches the threshold before a threat forces a retention talk.
"""

from __future__ import annotations

import numpy as np

from sim.policies.accounts import move_top_accounts, random_teammate
from sim.policies.base import Policy
from sim.world.arrays import among, clamp
from sim.world.replicas import uniform

ACTION_CODES = {"talk": 0, "review": 1, "record_push": 2, "cross_train": 3, "rotate": 4}


def review_rate(model, slots: np.ndarray, premium: float) -> np.ndarray:
    """Commission rate a comp review sets: the base rate plus up to ``premium`` for the top
    performer, linear in the revenue percentile above the median (within the rate cap)."""
    base = model.sc.comp.commission_rate
    pct = model.performance_pct(slots)
    return np.minimum(base * (1 + premium * clamp(pct - 0.5, 0, 0.5) * 2), model.max_rate)


def cross_train(model, accounts: np.ndarray, stream: str) -> None:
    """Give ``accounts`` a random teammate of their owner (drawn from the stream named
    ``stream``) as trained backup."""
    b = model.book
    if accounts.size == 0:
        return
    b.backup[accounts] = random_teammate(model, b.owner[accounts], stream)
    b.backup[accounts[b.backup[accounts] == b.owner[accounts]]] = -1


class ManagerActions(Policy):
    name = "manager"

    def setup(self, model):
        lv, p = model.levers, self.p
        lv.priority = p.priority
        lv.push_target, lv.push_compliance = p.push_target, p.push_compliance

    def hour_demands(self, model, ledger):
        r, p, a, w = model.reps, self.p, model.active, model.week
        r.record_push[a] = np.maximum(r.record_push[a] - 1, 0)
        cool = p.cooldown_weeks
        self.talk = a[(r.mb_flight[a] > p.flight_threshold) & (w - r.last_talk[a] >= cool)]
        lever = r.mb_lever[a]
        self.safe = a[(lever > p.leverage_threshold) & (w - r.last_safeguard[a] >= cool)]
        self.rot = a[(lever > p.rotate_threshold) & (w - r.last_rotate[a] >= cool)]
        ledger.add("retention", self.talk, p.talk_hours)
        ledger.add("reviews", self.talk, p.review_hours)
        ledger.add("safeguards", self.safe, 2 * p.safeguard_hours)
        ledger.add("safeguards", self.rot, p.safeguard_hours)

    def _done(self, model, ledger, activity, reps):
        if reps.size == 0:  # (drawing no numbers leaves the stream where it was)
            return reps
        got = ledger.fraction_for(activity, reps)
        return reps[uniform(model, "manager", reps) < got]

    def after_hours(self, model, ledger):
        r, p, w = model.reps, self.p, model.week
        talked = self._done(model, ledger, "retention", self.talk)
        r.heard[talked] = True
        r.last_talk[talked] = w
        reviewed = self._done(model, ledger, "reviews", self.talk)
        if reviewed.size:
            r.rate[reviewed] = np.maximum(r.rate[reviewed], review_rate(model, reviewed,
                                                                         p.review_premium))
        safe = self._done(model, ledger, "safeguards", self.safe)
        r.record_push[safe] = p.push_weeks
        r.last_safeguard[safe] = w
        idx = model.owned
        mine = idx[among(model.book.owner[idx], safe, r.n) & (model.book.backup[idx] < 0)]
        cross_train(model, mine, "manager")
        rot = self._done(model, ledger, "safeguards", self.rot)
        r.last_rotate[rot] = w
        move_top_accounts(model, rot, p.rotate_share, "manager")
        for name, who in (("talk", talked), ("review", reviewed), ("record_push", safe),
                          ("cross_train", safe), ("rotate", rot)):
            model.events.log(w, "manager_action", who, value=ACTION_CODES[name])
