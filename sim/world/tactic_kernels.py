"""The weighing of the five tactics (sim.world.tactics) in one compiled pass over the reps.

For each rep the pass works out each tactic's gain and harm, judges the gain with the rep's
noise, and keeps the tactics whose judged gain beats the expected sanction plus the weighted
harm: the numpy rows' operations in their order (as Python groups them), with numpy's
``maximum`` and ``minimum`` (``rep_kernels._max``, ``_min``) and numpy's ``exp``
(sim.world.simd_math), so both paths choose the same tactics from the same values.  The
draws (occasions, noise) and the cherry-picking sums come in worked out; the scalars come in
one array in the order of ``PARAMETERS`` (sim.world.tactics.tactic_parameters).
"""

from __future__ import annotations

import numpy as np

from sim.world import rep_kernels as rk, simd_math
from sim.world.kernels import _jit

#: The scalars of :func:`weigh_tactics`, in order.  ``keep_top`` is 1 - exp(-kappa e0);
#: ``e0_sq`` is e0 squared; ``peak`` is 1.0 in a peak week; ``urgency_extra`` and
#: ``urgency_harm`` are the false-urgency factors of a week's sales.
PARAMETERS = (
    "margin", "kappa", "norm", "sanction_weeks", "e0", "effort_cost", "stress_cost",
    "keep_top", "e0_sq", "intrinsic_value", "value_motivation", "value_engagement", "peak",
    "spell", "peak_holdback", "raise_step", "peak_leverage", "recording", "pushed_recording",
    "withhold_target", "book_risk", "book_weeks", "harm_weeks", "urgency_discount",
    "urgency_extra", "urgency_harm", "decision_noise", "divisor_floor")
#: Where each tactic's row is (sim.world.agents.TACTICS order).
QUIET, PEAK, WITHHOLD, CHERRY, URGENCY = 0, 1, 2, 3, 4


@_jit
def weigh_tactics(a, marginal, pay_ewma, ymax, effort, self_interest, engagement, fairness,
                  caught_belief, stress, motivation, grant_belief, rev_annual, leverage,
                  record_push, cover, trust, g, h, noise, occasion, enabled, p, exp_where,
                  new, net):
    """sim.world.tactics._weigh for the reps ``a``: ``new[t, j]`` is set where rep ``a[j]``
    uses tactic ``t``, and ``net[t, j]`` is its judged net gain (left as it is for a tactic
    not enabled).  Columns from ``marginal`` to ``trust`` are the rep table's (read at
    ``a``); ``g``, ``h``, ``occasion`` one value per rep of ``a``; ``noise`` a row per
    tactic; ``enabled`` one flag per tactic; ``p`` the scalars (PARAMETERS)."""
    margin, kappa, norm, floor = p[0], p[1], p[2], p[27]
    gains = np.empty(5)
    harms = np.empty(5)
    k = a.size
    now = np.empty(k)  # exp(-kappa effort), and at the effort quiet quitting compares with
    held_back = np.empty(k)
    for j in range(k):
        now[j] = -kappa * effort[a[j]]
        held_back[j] = -kappa * rk._max(effort[a[j]], p[4])
    simd_math.exp_into(exp_where, now, now)
    simd_math.exp_into(exp_where, held_back, held_back)
    for j in range(k):
        s = a[j]
        rate = rk._max(marginal[s], 0.0)
        pay = rk._max(pay_ewma[s], floor)
        weekly = ymax[s] * (1 - now[j]) / norm
        si = self_interest[s]
        w_firm = rk.unit((1 - si) + si * engagement[s] * fairness[s])
        sanction = rk.unit(caught_belief[s]) * p[3] * pay
        # quiet quitting
        e = rk._max(effort[s], p[4])
        c = p[5] * (1 + p[6] * stress[s])
        keep = p[7] / rk._max(1 - held_back[j], floor)
        lost_sales = weekly * (1 - keep)
        gains[QUIET] = 0.5 * c * (e * e - p[8]) - rate * lost_sales
        v = p[9] * (p[10] * motivation[s] + p[11] * engagement[s])
        harms[QUIET] = margin * lost_sales + v * (e - p[4])
        # peak underperformance
        gains[PEAK] = -np.inf
        harms[PEAK] = 0.0
        if p[12] > 0:
            spell = p[13]
            held = p[14] * weekly * spell
            raise_value = grant_belief[s] * p[15] * rev_annual[s]
            if leverage[s] > p[16]:
                gains[PEAK] = (raise_value - rate * held) / spell
            harms[PEAK] = margin * held / spell
        # withholding
        recording = p[18] if record_push[s] > 0 else p[17]
        drop = rk._max(recording - p[19], 0.0)
        gains[WITHHOLD] = p[20] * (1 - cover[s]) * drop * pay * p[21]
        harms[WITHHOLD] = p[20] * (1 - cover[s]) * drop * margin * weekly * p[22]
        # cherry-picking
        gains[CHERRY] = rate * g[j]
        harms[CHERRY] = margin * h[j]
        # false urgency
        believed = rk.unit(trust[s])
        gains[URGENCY] = believed * rate * rk._max(weekly * p[24], 0.0)
        harms[URGENCY] = weekly * p[25] * p[23]
        for t in range(5):
            if enabled[t]:
                judged = rk._max(1 + p[26] * noise[t, j], 0.0)
                worth = gains[t] * judged - sanction - w_firm * harms[t]
                net[t, j] = worth
                new[t, j] = (gains[t] > 0) and (worth > 0)
        new[URGENCY, j] = new[URGENCY, j] and occasion[j]
