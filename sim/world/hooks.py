"""How policies plug into the world: the levers they set and the hooks the week calls.

The world defines this protocol and never imports a policy.  ``SalesModel`` receives its policy
objects (dependency injection); when it is given none, it asks the builder that the policies
package registered here with :func:`register_policy_builder`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np


@dataclass
class Levers:
    """Model-wide settings that policies change and agents read."""

    backups: bool = False            # accounts have cross-trained backup reps
    culture: float = 0.0             # team identity (culture events): engagement target
    development: float = 0.0         # training: a future in the company
    feedback: bool = False           # feedback channels: grievances reach the manager
    published_rule: bool = False     # clear policies: reps know the grant rule for demands
    precedent_weight: float = 0.0    # teammates expected to ask the same per concession
    crm_visible: bool = False        # a defined process: the manager sees CRM recording
    priority: str = "fire_fighting"  # order in which managers serve their hours
    push_target: float = 0.0         # recording target a manager's push asks for
    push_compliance: float = 0.0     # share of that gap a withholding rep closes
    self_resolve: float = 0.0        # share of requests solved while the answer is delayed
    decision_rights: bool = False    # reps know which decisions are theirs (seed 001)
    defined_process: bool = False    # a written sales process answers next-step questions
    ask_first: bool = False          # the manager asks what the rep has tried first
    over_support: float = 0.0        # the manager steps in and closes deals (0..1)
    hiring: bool = True
    hiring_lag: int = 8
    hire_skill: float = 1.0
    peak_freeze: bool = False


class PolicyHooks(Protocol):
    """What ``model.step`` calls on every active policy, at fixed points of the schedule."""

    name: str

    def setup(self, model) -> None: ...
    def week_start(self, model) -> None: ...
    def hour_demands(self, model, ledger) -> None: ...
    def after_hours(self, model, ledger) -> None: ...
    def period_end(self, model) -> None: ...
    def on_new_accounts(self, model, accounts: np.ndarray) -> None: ...
    def on_hire(self, model, slots: np.ndarray) -> None: ...
    def decide_demand(self, model, reps, kind, threat) -> np.ndarray | None: ...
    def choose_owner(self, model, accounts: np.ndarray, owners: np.ndarray) -> np.ndarray: ...
    def after_pool(self, model, reps, contributed, paid) -> None: ...


PolicyBuilder = Callable[[object], list[PolicyHooks]]
_builder: list[PolicyBuilder] = []


def register_policy_builder(builder: PolicyBuilder) -> None:
    """Let the model build a scenario's policies when none are passed in."""
    _builder[:] = [builder]


def default_policies(scenario) -> list[PolicyHooks]:
    if not _builder:
        raise RuntimeError("no policy builder is registered: import sim.policies, or pass "
                           "policies=[...] to SalesModel")
    return list(_builder[0](scenario))
