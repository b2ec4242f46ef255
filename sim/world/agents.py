"""Reps and managers: Mesa agents whose state lives in struct-of-arrays on the model.

A ``Rep`` is an independent contractor.  Its decisions (effort, attention, tactics, demands,
quitting) are rules written once for all reps and evaluated in one vectorised pass by
:mod:`sim.world.behaviour`, :mod:`sim.world.tactics`, :mod:`sim.world.leverage` and :mod:`sim.world.attrition`; the
agent object exposes its own row of that state.  A ``Manager`` leads one team and spends a
weekly hours budget (:mod:`sim.world.managers`).
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.world.state import Table

TACTICS = ("quiet_quitting", "peak_underperformance", "withholding", "cherry_picking",
           "false_urgency")
SIGNALS = ("comp_talk", "crm_drop", "competitor_contact", "brand_activity", "abrupt_change",
           "peak_focus")
SLUMP_CAUSES = ("none", "skill", "personal", "tools", "motivation")

# Indices in [0, 1] documented in docs/ODD.md; kept in range by every update.
INDICES = ("engagement", "satisfaction", "fairness", "stress", "entitlement", "dependency",
           "leverage", "offers", "brand", "trust", "autonomy", "grant_belief")


class RepTable(Table):
    COLUMNS = {
        "uid": (np.int64, -1), "team": (np.int32, -1), "active": (np.bool_, False),
        "hired": (np.int32, 0), "left": (np.int32, -1),
        "skill": (np.float64, 1.0), "ceiling": (np.float64, 1.0),
        "motivation": (np.float64, 0.5), "self_interest": (np.float64, 0.5),
        "ramp": (np.float64, 1.0),
        **{k: (np.float64, 0.5) for k in INDICES},
        "rate": (np.float64, 0.0), "oversight": (np.float64, 1.0),
        "monitoring": (np.float64, 0.0), "effort": (np.float64, 0.0),
        "prev_effort": (np.float64, 0.0), "marginal": (np.float64, 0.0),
        "sales_week": (np.float64, 0.0), "period_sales": (np.float64, 0.0),
        "quota": (np.float64, 1.0), "commission_period": (np.float64, 0.0),
        "pay_week": (np.float64, 0.0), "pay_ewma": (np.float64, 0.0),
        "pay_total": (np.float64, 0.0), "draw_balance": (np.float64, 0.0),
        "revenue_total": (np.float64, 0.0), "rev_annual": (np.float64, 0.0),
        "weeks_employed": (np.int32, 0), "slump": (np.int8, 0), "slump_left": (np.int32, 0),
        "favoured": (np.bool_, False), "mentor": (np.bool_, False),
        "first_sign": (np.int32, -1), "last_sign": (np.int32, -1), "first_threat": (np.int32, -1),
        "skipped_1on1": (np.bool_, False), "coached": (np.float64, 0.0),
        "requests": (np.float64, 0.0),
        # Problems this week: sent to the manager, solved by the rep itself (practice), and
        # hours of structured training (sim.world.dependency, model.grow_skills).
        "to_manager": (np.float64, 0.0), "practice": (np.float64, 0.0),
        "training_hours": (np.float64, 0.0),
        "prospect_share": (np.float64, 0.0), "cover": (np.float64, 0.0),
        "shadow_hours": (np.float64, 0.0), "caught_belief": (np.float64, 0.0),
        "recorded_book": (np.float64, 0.0), "ymax": (np.float64, 0.0),
        "projected": (np.float64, 0.0), "resent": (np.float64, 0.0),
        "precedent_seen": (np.float64, 0.0), "unanswered": (np.float64, 0.0),
        "supported": (np.float64, 0.0), "urgency_claim": (np.bool_, False),
        "demanding": (np.int8, 0), "conceded": (np.float64, 0.0),
        "pool_contrib": (np.float64, 0.0), "pool_gap": (np.float64, 0.0), "rev_window": (np.float64, 0.0),
        "weeks_window": (np.int32, 0),
        **{f"t_{t}": (np.bool_, False) for t in TACTICS},
        **{f"s_{s}": (np.bool_, False) for s in SIGNALS},
        "noticed": (np.int8, 0),
        # Pay and participation (issue 13): yearly quota, last period's attainment, the
        # variance of own weekly sales, outside option and the plan's expected pay.
        "quota_year": (np.float64, 0.0), "attain_last": (np.float64, 0.0),
        "sales_var": (np.float64, 0.0), "outside_pay": (np.float64, 0.0),
        "expected_pay": (np.float64, 0.0), "searching": (np.bool_, False),
        # Leverage as revenue at risk (currency) and the rep's own noisy estimate of it.
        "rar": (np.float64, 0.0), "rar_seen": (np.float64, 0.0),
        # The manager's beliefs about the rep (sim.world.beliefs): probabilities / index, and
        # the accumulated log-odds evidence behind them.
        "mb_flight": (np.float64, 0.0), "mb_lever": (np.float64, 0.0),
        "mb_shirk": (np.float64, 0.0), "me_flight": (np.float64, 0.0),
        "me_lever": (np.float64, 0.0), "me_shirk": (np.float64, 0.0),
        "mgr_rar": (np.float64, 0.0), "disclosed_offer": (np.bool_, False),
        "disclosed_disengaged": (np.bool_, False), "caught": (np.bool_, False),
        "last_caught": (np.int32, -1000), "warnings": (np.int32, 0),
        "last_warned": (np.int32, -1000), "heard": (np.bool_, False),
        "record_push": (np.int32, 0), "last_talk": (np.int32, -1000),
        "last_safeguard": (np.int32, -1000), "last_rotate": (np.int32, -1000),
        # Monitoring stress sensitivity, job search, and what a rep saw around it.
        "mon_sens": (np.float64, 1.0), "search": (np.float64, 0.0),
        "peer_loss": (np.float64, 0.0), "seen_steered": (np.float64, 0.0),
    }
    # ``reps.tactics[i]`` is ``reps.t_<TACTICS[i]>``, ``reps.signals[i]`` ``reps.s_<SIGNALS[i]>``,
    # ``reps.indices[i]`` is ``reps.<INDICES[i]>``.
    BLOCKS = {"tactics": tuple(f"t_{t}" for t in TACTICS),
              "signals": tuple(f"s_{s}" for s in SIGNALS), "indices": INDICES}


class Rep(mesa.Agent):
    """An independent contractor rep; ``slot`` is its row in ``model.reps``."""

    def __init__(self, model, slot: int):
        super().__init__(model)
        self.slot = slot

    def __getattr__(self, name):
        # Expose the rep's row of state: rep.skill, rep.engagement, rep.t_withholding ...
        table = self.__dict__.get("model") and self.model.reps
        if table is not None and name in RepTable.COLUMNS:
            return getattr(table, name)[self.slot].item()
        raise AttributeError(name)

    @property
    def tactics(self) -> list[str]:
        r = self.model.reps
        return [t for t in TACTICS if getattr(r, f"t_{t}")[self.slot]]


class Manager(mesa.Agent):
    """A first-line manager of one team with a weekly hours budget."""

    def __init__(self, model, team: int, detect_skill: float):
        super().__init__(model)
        self.team = team
        self.detect_skill = detect_skill

    @property
    def members(self) -> np.ndarray:
        r = self.model.reps
        return (r.view("active") & (r.view("team") == self.team)).nonzero()[0]
