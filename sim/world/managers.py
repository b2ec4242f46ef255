"""Managers' time: a weekly hours budget, demands by activity, and what gets skipped.

Demands are registered per rep (or per manager) and activity.  Each manager serves them in the
priority order its policy sets (``levers.priority``: fire-fighting first, or coaching first as
seed 001 advises) until the budget runs out; what is left is skipped and the week counts as
overloaded.  Effects downstream use the *served* hours, so an overloaded manager really does
coach, monitor and answer less.
"""

from __future__ import annotations

import numpy as np

ACTIVITIES = ("admin", "urgency", "retention", "requests", "coaching", "reviews", "support",
              "monitoring", "safeguards", "cross_training")
ACT = {a: i for i, a in enumerate(ACTIVITIES)}
# Orders a policy can choose, served first to last.  Fire-fighting first: fixed duties, the
# urgent claims, talks and requests, then people development.  Coaching first (seed 001):
# fixed duties, then 1:1s, reviews and support, and what is urgent gets what is left.
PRIORITIES = {
    "fire_fighting": ("admin", "urgency", "retention", "requests", "coaching", "reviews",
                      "support", "safeguards", "cross_training", "monitoring"),
    "coaching_first": ("admin", "coaching", "reviews", "support", "cross_training", "retention",
                       "safeguards", "requests", "urgency", "monitoring"),
    # Watching first (seed 003's micromanager): fixed duties, then counting calls and asking
    # for updates; whatever is left goes to the rest.
    "watching_first": ("admin", "monitoring", "urgency", "requests", "retention", "coaching",
                       "reviews", "support", "safeguards", "cross_training"),
}
# Every order serves every activity exactly once.
assert all(sorted(order) == sorted(ACTIVITIES) for order in PRIORITIES.values())
# Hours spent face to face with a rep, during which a manager can notice warning signs.
FACE_TIME = ("retention", "coaching", "reviews", "support", "monitoring")
_FACE = np.array([ACT[x] for x in FACE_TIME])
_ROWS = np.arange(len(ACTIVITIES))[:, None]  # activity of each row of a (activity x ...) array


class HoursLedger:
    """One week of demands on managers' time and what each manager could serve."""

    def __init__(self, n_slots: int, team_of_slot: np.ndarray, n_managers: int,
                 budget: np.ndarray, priority: str = "fire_fighting", R: int = 1):
        """``R`` replications side by side: manager ``t * R + r`` is manager ``t`` of
        replication ``r`` (sim.world.replicas)."""
        self.R = R
        self.order = np.array([ACT[x] for x in PRIORITIES[priority]])
        self.team = team_of_slot
        self.n_managers = n_managers
        self.budget = budget
        self.rep_demand = np.zeros((len(ACTIVITIES), n_slots))
        self.mgr_demand = np.zeros((len(ACTIVITIES), n_managers))
        self.fraction: np.ndarray | None = None

    def add(self, activity: str, reps: np.ndarray, hours) -> None:
        """Register hours wanted for ``reps`` (slots) under ``activity``."""
        np.add.at(self.rep_demand[ACT[activity]], reps, hours)

    def add_manager(self, activity: str, hours) -> None:
        self.mgr_demand[ACT[activity]] += hours

    def settle(self) -> None:
        """Serve each manager's demands in priority order within its budget."""
        valid = self.team >= 0
        n_act, m = self.rep_demand.shape[0], self.n_managers
        # One bincount over (activity, manager) bins; each bin adds its reps in slot order,
        # as a bincount per activity does.
        bins = (_ROWS[:n_act] * m + self.team[valid]).ravel()
        per_mgr = self.mgr_demand + np.bincount(
            bins, weights=self.rep_demand[:, valid].ravel(), minlength=n_act * m
        ).reshape(n_act, m)
        self.demand = per_mgr
        ordered = per_mgr[self.order]
        before = np.zeros(per_mgr.shape)
        before[self.order] = ordered.cumsum(axis=0) - ordered
        left = np.maximum(self.budget[None, :] - before, 0)
        ratio = np.divide(left, per_mgr, out=np.ones(per_mgr.shape), where=per_mgr > 0)
        self.fraction = np.minimum(1.0, ratio)
        self.served = per_mgr * self.fraction
        if self.R > 1 and m == self.R:
            # One manager per replication: numpy sums a (10, 1) block pairwise, as its own
            # column, but several columns row by row; sum each column as its own array.
            load = np.add.reduce(np.ascontiguousarray(per_mgr.T), axis=1)
        else:
            load = per_mgr.sum(axis=0)
        self.overloaded = load > self.budget + 1e-9

    def served_for(self, activity: str, reps: np.ndarray) -> np.ndarray:
        """Hours actually spent on ``reps`` for ``activity`` this week."""
        a = ACT[activity]
        return self.rep_demand[a][reps] * self.fraction[a][self.team[reps]]

    def fraction_for(self, activity: str, reps: np.ndarray) -> np.ndarray:
        return self.fraction[ACT[activity]][self.team[reps]]

    def face_hours(self, reps: np.ndarray) -> np.ndarray:
        """Served hours summed over FACE_TIME, activity by activity in that order."""
        served = self.rep_demand[_FACE][:, reps] * self.fraction[_FACE][:, self.team[reps]]
        out = np.zeros(reps.size)
        for row in served:
            out += row
        return out

    def hours_into(self, out: np.ndarray) -> None:
        """Hours served by activity (all managers), then hours skipped, into ``out``."""
        served, R = self.served, self.R
        if R > 1:  # per replication: the serial sums over its own managers (each contiguous)
            n_act, nt = served.shape[0], served.shape[1] // R
            per = np.ascontiguousarray(served.reshape(n_act, nt, R).transpose(0, 2, 1))
            out[:n_act] = np.add.reduce(per, axis=2)
            gap = (self.demand - served).reshape(n_act, nt, R)
            out[n_act] = [np.add.reduce(gap[:, :, r].ravel()) for r in range(R)]
            return
        for i in range(len(ACTIVITIES)):
            out[i] = np.add.reduce(served[i])  # a row's own sum, as ``served[i].sum()``
        out[len(ACTIVITIES)] = np.add.reduce((self.demand - served).ravel())

    def totals(self) -> dict[str, float]:
        """Hours served by activity (all managers), plus hours skipped."""
        out = np.zeros(len(ACTIVITIES) + 1)
        self.hours_into(out)
        return dict(zip([f"hours_{a}" for a in ACTIVITIES] + ["hours_skipped"], out.tolist()))
