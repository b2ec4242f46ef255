"""What a manager believes about each of its reps, and how observations move those beliefs.

A manager never reads a rep's hidden state (satisfaction, leverage felt, tactics chosen,
outside offers).  It sees:

- sales (this week's, against what the rep's trailing year predicts at this week's demand)
  and the pipeline (the period's sales against quota);
- the CRM (with a defined process, how much of its book a rep records);
- requests: threats and demands;
- the warning signs it noticed (``SalesModel.notice_signs``);
- what a rep tells it in a 1:1 that was held (a candid rep mentions an outside offer or that
  it has checked out) and what monitoring caught.

Beliefs are kept as log-odds (docs/ODD.md 7.21).  Each observation adds its evidence weight
(its log likelihood ratio, a parameter of ``[managers]``); a leak lets old evidence fade:

    E_t = (1 - leak) E_{t-1} + sum_k w_k o_k,t
    belief = logistic(logit(prior) + E_t)

The prior of flight and shirking is a constant; the prior of leverage risk is the manager's
own estimate of the rep's revenue at risk (:func:`sim.world.leverage.manager_risk_estimate`),
as an index.  Every manager decision (actions on signs, concessions, monitoring intensity,
support) reads these beliefs or the observations above, never the hidden state.
"""

from __future__ import annotations

import numpy as np

from sim.world import belief_kernels, kernels, simd_math
from sim.world.agents import SIGNALS
from sim.world.leverage import leverage_index, manager_risk_estimate
from sim.world.arrays import clamp
from sim.world.replicas import uniform

SIG = {s: i for i, s in enumerate(SIGNALS)}


#: Probabilities are kept this far from 0 and 1 before their log-odds are taken.
PROB_FLOOR = 1e-9


def logit(p: np.ndarray | float) -> np.ndarray:
    p = clamp(p, PROB_FLOOR, 1 - PROB_FLOOR)
    return np.log(p / (1 - p))


def logistic(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def manager_expected_sales(model, a: np.ndarray) -> np.ndarray:
    """What a manager expects a rep to sell this week: its trailing year at this demand."""
    return model.reps.rev_annual[a] / 52 * model.demand_now


def manager_projection(model, a: np.ndarray) -> np.ndarray:
    """The manager's projection of a rep's period sales: sales so far plus the trailing-year
    pace over the demand still to come in the period (the pipeline it sees)."""
    r = model.reps
    return r.period_sales[a] + r.rev_annual[a] / 52 * model.plan.remaining[model.woy]


def update_beliefs(model, a: np.ndarray, seen: np.ndarray, asks: np.ndarray) -> None:
    """Move each manager's beliefs about reps ``a`` by this week's observations.

    ``seen`` is the (signal x rep) matrix of signs noticed this week; ``asks`` is 2 for a
    threat, 1 for a demand, 0 otherwise (made at last week's leverage plays).  The rules run
    as numpy rows (:func:`_move_beliefs`) or, on the compiled path, in one pass per rep
    (sim.world.belief_kernels) with the same operations in the same order.
    """
    r = model.reps
    expected = manager_expected_sales(model, a)
    r.mgr_rar[a] = manager_risk_estimate(model, a)
    if kernels.on(len(a), model.R) and simd_math.agrees():
        belief_kernels.move_beliefs(
            a, seen, asks, expected, r.sales_week, r.recorded_book, r.disclosed_offer,
            r.disclosed_disengaged, r.caught, r.me_flight, r.me_shirk, r.me_lever, r.mgr_rar,
            r.mb_flight, r.mb_shirk, r.mb_lever, belief_parameters(model), SIGNAL_ROWS,
            simd_math.address("exp"), simd_math.address("log"))
    else:
        _move_beliefs(model, a, seen, asks, expected)
    r.disclosed_offer[a] = False
    r.disclosed_disengaged[a] = False
    r.caught[a] = False


#: Rows of ``seen`` the beliefs read, in the order belief_kernels takes them.
SIGNAL_ROWS = np.array([SIG[k] for k in ("crm_drop", "comp_talk", "competitor_contact",
                                          "brand_activity", "abrupt_change", "peak_focus")],
                       dtype=np.int64)


def belief_parameters(model) -> np.ndarray:
    """The scalars of the beliefs' rules, in the order of belief_kernels.PARAMETERS."""
    mp, lp = model.sc.managers, model.sc.leverage
    return np.array([
        1 - mp.belief_leak, mp.sales_drop, float(model.levers.crm_visible),
        model.sc.accounts.crm_discipline - mp.crm_tolerance, mp.w_comp_talk, mp.w_competitor,
        mp.w_brand, mp.w_threat, mp.w_disclosed, mp.w_crm_drop, mp.w_abrupt,
        mp.w_sales_drop, mp.w_caught, mp.w_peak_focus, mp.w_demand,
        logit(mp.flight_prior), logit(mp.shirk_prior),
        lp.risk_scale * model.sc.comp.quota_annual, PROB_FLOOR, 1 - PROB_FLOOR],
        dtype=np.float64)


def _move_beliefs(model, a, seen, asks, expected) -> None:
    """The evidence and beliefs of :func:`update_beliefs` as numpy rows."""
    r, mp = model.reps, model.sc.managers
    keep = 1 - mp.belief_leak
    # Sales: a week far below expectation is evidence of shirking (or a slump).
    drop = (expected > 0) & (r.sales_week[a] < mp.sales_drop * expected)
    # CRM: with a defined process, a book recorded below the standard shows.
    crm = seen[SIG["crm_drop"]].astype(float)
    if model.levers.crm_visible:
        crm = np.maximum(crm, r.recorded_book[a] < model.sc.accounts.crm_discipline - mp.crm_tolerance)
    flight_ev = (mp.w_comp_talk * seen[SIG["comp_talk"]]
                 + mp.w_competitor * seen[SIG["competitor_contact"]]
                 + mp.w_brand * seen[SIG["brand_activity"]]
                 + mp.w_threat * (asks == 2) + mp.w_disclosed * r.disclosed_offer[a])
    shirk_ev = (mp.w_crm_drop * crm + mp.w_abrupt * seen[SIG["abrupt_change"]]
                + mp.w_sales_drop * drop + mp.w_disclosed * r.disclosed_disengaged[a]
                + mp.w_caught * r.caught[a])
    lever_ev = (mp.w_peak_focus * seen[SIG["peak_focus"]] + mp.w_demand * (asks > 0)
                + mp.w_comp_talk * seen[SIG["comp_talk"]] + mp.w_crm_drop * crm)
    r.me_flight[a] = keep * r.me_flight[a] + flight_ev
    r.me_shirk[a] = keep * r.me_shirk[a] + shirk_ev
    r.me_lever[a] = keep * r.me_lever[a] + lever_ev
    r.mb_flight[a] = logistic(logit(mp.flight_prior) + r.me_flight[a])
    r.mb_shirk[a] = logistic(logit(mp.shirk_prior) + r.me_shirk[a])
    r.mb_lever[a] = logistic(logit(leverage_index(model, r.mgr_rar[a])) + r.me_lever[a])


def one_on_one_disclosure(model, reps: np.ndarray, held: np.ndarray) -> None:
    """In a 1:1 that was held (share ``held`` of its hours), a rep who trusts its manager
    says what is on its mind: an outside offer above ``disclose_offers``, or that it is doing
    the minimum.  What it says is an observation for :func:`update_beliefs`."""
    r, mp = model.reps, model.sc.managers
    if reps.size == 0:
        return
    candid = uniform(model, "disclosure", reps) < clamp(held, 0, 1) * r.trust[reps]
    r.disclosed_offer[reps] |= candid & (r.offers[reps] > mp.disclose_offers)
    r.disclosed_disengaged[reps] |= candid & r.t_quiet_quitting[reps]  # admits it is coasting


def catch_tactics(model, reps: np.ndarray, hours: np.ndarray, rate: float) -> np.ndarray:
    """Monitoring as information (Holmstrom 1979): each monitoring hour gives a chance to see
    a tactic that is in use (quiet quitting, false urgency, withholding, cherry-picking);
    ``p = 1 - exp(-rate x detection skill x hours)``.  Returns the reps caught."""
    r = model.reps
    if reps.size == 0:
        return reps
    using = (r.t_quiet_quitting[reps] | r.t_false_urgency[reps] | r.t_withholding[reps]
             | r.t_cherry_picking[reps])
    p = 1 - np.exp(-rate * model.mgr_detect[r.team[reps]] * hours)
    caught = reps[using & (uniform(model, "monitoring", reps) < p)]
    r.caught[caught] = True
    r.last_caught[caught] = model.week
    return caught
