"""The managers' beliefs (sim.world.beliefs.update_beliefs) in one compiled pass over the
reps: evidence, its fading sum, and the log-odds back to beliefs.

Each rep's numbers take the numpy rows' operations in their order (as Python groups them): a
flag times a weight is the weight times 1.0 or 0.0, as numpy's float times bool; ``maximum``
and ``minimum`` are numpy's (``rep_kernels._max``, ``_min``); ``exp`` and ``log`` are
numpy's, a pass at a time (sim.world.simd_math).  The scalars come in one array in the order
of ``PARAMETERS`` (sim.world.beliefs.belief_parameters).
"""

from __future__ import annotations

import numpy as np

from sim.world import rep_kernels as rk, simd_math
from sim.world.kernels import _jit

#: The scalars of :func:`move_beliefs`, in order (``keep`` is 1 - belief_leak;
#: ``crm_threshold`` the CRM standard less its tolerance; ``logit_*`` the priors' log-odds;
#: ``risk_scale`` the revenue at risk of leverage index 1 - 1/e).
PARAMETERS = (
    "keep", "sales_drop", "crm_visible", "crm_threshold", "w_comp_talk", "w_competitor",
    "w_brand", "w_threat", "w_disclosed", "w_crm_drop", "w_abrupt", "w_sales_drop",
    "w_caught", "w_peak_focus", "w_demand", "logit_flight", "logit_shirk", "risk_scale",
    "prob_floor", "prob_ceiling")


@_jit
def move_beliefs(a, seen, asks, expected, sales_week, recorded_book, disclosed_offer,
                 disclosed_disengaged, caught, me_flight, me_shirk, me_lever, mgr_rar,
                 mb_flight, mb_shirk, mb_lever, p, rows, exp_where, log_where):
    """sim.world.beliefs._move_beliefs for the reps ``a`` (sorted, unique), in place on the
    rep table's columns (``me_*``, ``mb_*``).  ``seen`` is the (signal x rep) matrix of signs
    noticed, ``asks`` and ``expected`` one value per rep of ``a``; ``rows`` the rows of
    crm_drop, comp_talk, competitor_contact, brand_activity, abrupt_change and peak_focus in
    ``seen``; ``p`` the scalars (PARAMETERS)."""
    k = a.size
    keep = p[0]
    ct, cc, ba, ab, pf, cd = rows[1], rows[2], rows[3], rows[4], rows[5], rows[0]
    fl = np.empty(k)  # the three exps' arguments, then their values
    sh = np.empty(k)
    lv = np.empty(k)
    for j in range(k):
        s = a[j]
        e = expected[j]
        drop = (e > 0) and (sales_week[s] < p[1] * e)
        crm = rk.flag(seen[cd, j])
        if p[2] > 0:
            crm = rk._max(crm, rk.flag(recorded_book[s] < p[3]))
        flight_ev = (p[4] * rk.flag(seen[ct, j]) + p[5] * rk.flag(seen[cc, j])
                     + p[6] * rk.flag(seen[ba, j]) + p[7] * rk.flag(asks[j] == 2)
                     + p[8] * rk.flag(disclosed_offer[s]))
        shirk_ev = (p[9] * crm + p[10] * rk.flag(seen[ab, j]) + p[11] * rk.flag(drop)
                    + p[8] * rk.flag(disclosed_disengaged[s]) + p[12] * rk.flag(caught[s]))
        lever_ev = (p[13] * rk.flag(seen[pf, j]) + p[14] * rk.flag(asks[j] > 0)
                    + p[4] * rk.flag(seen[ct, j]) + p[9] * crm)
        me_flight[s] = keep * me_flight[s] + flight_ev
        me_shirk[s] = keep * me_shirk[s] + shirk_ev
        me_lever[s] = keep * me_lever[s] + lever_ev
        fl[j] = -(p[15] + me_flight[s])
        sh[j] = -(p[16] + me_shirk[s])
        lv[j] = -rk._max(mgr_rar[s], 0.0) / p[17]
    simd_math.exp_into(exp_where, lv, lv)
    for j in range(k):  # the leverage index, kept off 0 and 1, as odds
        q = rk._min(rk._max(1 - lv[j], p[18]), p[19])
        lv[j] = q / (1 - q)
    simd_math.log_into(log_where, lv, lv)
    for j in range(k):
        lv[j] = -(lv[j] + me_lever[a[j]])
    simd_math.exp_into(exp_where, fl, fl)
    simd_math.exp_into(exp_where, sh, sh)
    simd_math.exp_into(exp_where, lv, lv)
    for j in range(k):
        s = a[j]
        mb_flight[s] = 1 / (1 + fl[j])
        mb_shirk[s] = 1 / (1 + sh[j])
        mb_lever[s] = 1 / (1 + lv[j])
