"""The base class of every management policy.

A policy never edits agent code and never writes an outcome.  It acts through *levers*
(what reps see, know, are paid or can do), through managers' hours (it registers demands on
the :class:`~sim.world.managers.HoursLedger` and acts on the hours actually served), or through
the account book (who owns what).  ``model.step`` calls every active policy's hooks
(:class:`sim.world.hooks.PolicyHooks`) at fixed points of the weekly schedule; to add a policy,
subclass :class:`Policy`, give it a params dataclass in :mod:`sim.policies.params` and add it
to :data:`sim.policies.registry.REGISTRY`.
"""

from __future__ import annotations

import numpy as np


class Policy:
    """Base class: every hook is optional and does nothing by default."""

    name = "policy"

    def __init__(self, params):
        self.p = params

    def setup(self, model) -> None: ...
    def week_start(self, model) -> None: ...
    def hour_demands(self, model, ledger) -> None: ...
    def after_hours(self, model, ledger) -> None: ...
    def period_end(self, model) -> None: ...
    def on_new_accounts(self, model, accounts: np.ndarray) -> None: ...
    def on_hire(self, model, slots: np.ndarray) -> None: ...

    def decide_demand(self, model, reps, kind, threat):
        """Return a bool array (granted) or None to leave the decision to others."""
        return None

    def choose_owner(self, model, accounts: np.ndarray, owners: np.ndarray) -> np.ndarray:
        """Return new owners for reassigned accounts (default: keep the proposal)."""
        return owners

    def after_pool(self, model, reps, contributed, paid) -> None: ...
