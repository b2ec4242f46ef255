"""One burn-in, many policies: continue a copy of a burnt-in model under each policy.

No policy acts during the burn-in (docs/ODD.md section 3, step 0) and the world never reads a
scenario's ``policies`` block, so two runs whose scenarios differ only in their policies are
the same model, draw for draw, up to the end of the burn-in.  :func:`burn_in` simulates those
weeks once and stops just before the measurement would start; :func:`fork` copies the model
there (generators included) and starts the measurement with the given policies.  Each fork
then goes on exactly as a run built with those policies from week 0 would
(tests/test_fork.py compares every table bit for bit).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from sim.world.hooks import PolicyHooks


def burn_in(model) -> None:
    """Simulate ``model``'s burn-in weeks, leaving the policies off and the measurement not
    started; the model must have been built with ``policies=[]`` and not stepped."""
    if model.week != 0 or model.scheduled_policies or model.burn_in == 0:
        raise ValueError("burn_in needs a fresh model with a burn-in and no policies")
    model.hold_measurement = True
    for _ in range(model.burn_in):
        model.step()
    model.hold_measurement = False


def fork(model, scenario, policies: Sequence[PolicyHooks]):
    """A copy of the burnt-in ``model`` that measures under ``scenario`` and ``policies``.

    ``scenario`` must equal the model's own except in its name, description and policies
    (the caller checks; see ``sim.scenario.runner.same_world``)."""
    if model.week != model.burn_in or model.policies:
        raise ValueError("fork needs a model stopped at the end of its burn-in (see burn_in)")
    twin = copy.deepcopy(model)
    twin.sc = scenario
    twin.scheduled_policies = list(policies)
    twin._start_measurement()
    return twin


def finish(model) -> None:
    """Step ``model`` to the end of its measured weeks."""
    for _ in range(model.burn_in + model.weeks - model.week):
        model.step()
