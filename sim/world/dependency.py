"""Who solves a rep's problems: the rep, or its manager (seed 001, a culture of dependency).

Each week a rep meets ``requests`` problems it would take to its manager (more when it is
dependent, after a skipped 1:1, in busy weeks).  Before any of them reaches the manager:

* the answer's delay lets some settle themselves: ``1 - exp(-delay / self_resolve_hours)``;
* with clear decision rights, those about decisions that are the rep's own
  (``rights_share``) it takes itself;
* with a written sales process, the process answers the next-step questions
  (``process_share``).

The rest go to the manager, who answers the share its hours allow.  A manager who first asks
what the rep has tried leaves ``ask_first_share`` of each answered problem to the rep; an
over-supporting manager also takes ``over_support x over_support_problems`` deals a week off
the rep's hands.  A coaching hour held works ``coach_problems`` problems through with the rep.

Dependency moves toward the share of the week's problems that the manager solved:

    solved_by_manager = answered x (1 - ask_first) + over-support
    solved_by_rep     = own_problems + settled before asking + ask_first x answered + coached
    dependency += dependency_adapt x (solved_by_manager / (both) - dependency)

The problems the rep solved instead of asking (coaching aside) are practice (``practice``,
which ``SalesModel.grow_skills`` turns into learning).  Policies set the levers (delay, rights,
process, asking first, over-support); the rule is the same for every rep.
"""

from __future__ import annotations

import numpy as np
from sim.world.arrays import clamp


def route_requests(model, a: np.ndarray) -> np.ndarray:
    """This week's problems of reps ``a``; returns those sent to the manager (per rep)."""
    r, beh, lv = model.reps, model.sc.behaviour, model.levers
    raised = (beh.request_rate + beh.request_dependency * r.dependency[a]
              + beh.request_skipped * r.skipped_1on1[a])
    raised = raised * (beh.request_flat + beh.request_seasonal * model.demand_now)
    r.requests[a] = raised
    keep = ((1 - lv.self_resolve) * (1 - beh.rights_share * lv.decision_rights)
            * (1 - beh.process_share * lv.defined_process))
    r.to_manager[a] = raised * keep
    r.practice[a] = raised - r.to_manager[a]  # settled by the rep before asking
    return r.to_manager[a] + lv.over_support * beh.over_support_problems


def update_dependency(model, a: np.ndarray, answered: np.ndarray,
                      coached_hours: np.ndarray) -> None:
    """Move dependency toward the share of problems the manager solved this week.

    ``answered``: share of the problems sent that the manager's hours answered (per rep);
    ``coached_hours``: coaching hours held with each rep this week."""
    r, beh, lv = model.reps, model.sc.behaviour, model.levers
    ask = beh.ask_first_share * lv.ask_first
    got = r.to_manager[a] * answered
    by_manager = got * (1 - ask) + lv.over_support * beh.over_support_problems * answered
    r.practice[a] += got * ask
    by_rep = beh.own_problems + r.practice[a] + beh.coach_problems * coached_hours
    target = by_manager / (by_manager + by_rep)
    d = r.dependency[a]
    r.dependency[a] = clamp(d + beh.dependency_adapt * (target - d), 0, 1)
