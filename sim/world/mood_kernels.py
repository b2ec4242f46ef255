"""The moods' weekly moves (sim.world.moods) in one compiled pass over the active reps.

Each rep's moods take the numpy rules' operations in the numpy rules' order (left to right,
as Python groups them), with numpy's ``maximum`` and ``minimum`` (``rep_kernels._max`` and
``_min``), so the values are the numpy rows' bit for bit; the rules call no ``exp`` or
``log``.  What a rep compares itself with (teammates' means, its book, its memory of peers)
comes in worked out, one value per rep of ``a``.  The scalars come in one array, in the
order of ``PARAMETERS`` (sim.world.moods.mood_parameters builds it).
"""

from __future__ import annotations


from sim.world import rep_kernels as rk
from sim.world.kernels import _jit

#: The order of the scalars of :func:`move_moods` (``culture`` and ``development`` are the
#: levers times their engagement weights; ``period_left`` is 1 - the share of the period's
#: demand still to come; ``entitlement_keep`` is 1 - entitlement_decay).
PARAMETERS = (
    "adapt", "pay_reference", "pay_cap", "period_left", "ratio_floor", "base_stress",
    "quota_pressure", "monitoring_stress", "stress_overwork", "overwork_effort",
    "stress_unanswered", "stress_support", "fairness_base", "equity_pay", "equity_book",
    "equity_pool", "steer_fairness", "voice_fairness", "sat_pay", "sat_fairness",
    "sat_autonomy", "sat_calm", "sat_coaching", "eng_satisfaction", "eng_motivation",
    "culture", "development", "eng_coaching", "burnout_engagement", "burnout_stress",
    "contagion_engagement", "contagion_search", "entitlement_growth", "entitlement_keep",
    "trust_recovery", "trust_norm", "precedent_memory", "resent_memory")


@_jit
def _ratio(x, y):
    """x / y, and 1 where y is not positive (sim.world.moods._ratio)."""
    return x / y if y > 0 else 1.0


@_jit
def move_moods(a, indices, search, peer_loss, seen_steered, precedent_seen, resent, heard,
               pay_ewma, projected, quota, monitoring, mon_sens, effort, unanswered,
               supported, rate, pool_gap, coached_raw, motivation, mates_rate, book,
               book_mates, sells_more, loss, steered, p, rows):
    """sim.world.moods._move_moods for the reps ``a`` (sorted, unique), in place.  Arrays
    from ``indices`` to ``motivation`` are the rep table's columns (read at ``a``, the moved
    ones written back); ``mates_rate`` to ``steered`` hold one value per rep of ``a``;
    ``p`` the scalars (PARAMETERS); ``rows`` the rows of stress, fairness, satisfaction,
    engagement, autonomy, entitlement, leverage and trust in ``indices``."""
    k = p[0]
    i_st, i_fa, i_sa, i_en, i_au, i_et, i_lv, i_tr = (rows[0], rows[1], rows[2], rows[3],
                                                      rows[4], rows[5], rows[6], rows[7])
    for j in range(a.size):
        s = a[j]
        pay = rk._max(pay_ewma[s] / p[1], 0.0)
        pay_ratio = rk._min(pay, p[2]) / p[2]
        behind = rk.unit(1 - projected[s] / rk._max(quota[s], p[4])) * p[3]
        mon = monitoring[s]
        stress_t = (p[5] + p[6] * behind + p[7] * mon_sens[s] * mon
                    + p[8] * rk.unit(effort[s] - p[9]) + p[10] * unanswered[s]
                    - p[11] * supported[s])
        stress = indices[i_st, s]
        stress += k * (rk.unit(stress_t) - stress)
        autonomy = rk.unit(1 - mon)
        pay_gap = rk.unit(1 - _ratio(rate[s], mates_rate[j]))
        book_gap = rk.unit(1 - _ratio(book[j], book_mates[j])) * rk.flag(sells_more[j])
        res, prec = resent[s], precedent_seen[s]
        fair_t = (p[12] - p[13] * pay_gap - p[14] * book_gap - p[15] * pool_gap[s] - res
                  - prec - p[16] * steered[j] + p[17] * rk.flag(heard[s]))
        fairness = indices[i_fa, s]
        fairness += k * (rk.unit(fair_t) - fairness)
        coached = rk.unit(coached_raw[s])
        sat_t = (p[18] * pay_ratio + p[19] * fairness + p[20] * autonomy
                 + p[21] * (1 - stress) + p[22] * coached)
        satisfaction = indices[i_sa, s]
        satisfaction += k * (rk.unit(sat_t) - satisfaction)
        eng_t = (p[23] * satisfaction + p[24] * motivation[s] + p[25] + p[26]
                 + p[27] * coached - p[28] * rk.unit(stress - p[29]) - p[30] * loss[j])
        engagement = indices[i_en, s]
        engagement += k * (rk.unit(eng_t) - engagement)
        sr = search[s]
        sr += k * (rk.unit(p[31] * loss[j]) - sr)
        grow = p[32] * indices[i_lv, s]
        indices[i_et, s] = rk.unit(indices[i_et, s] * p[33] + grow)
        trust = indices[i_tr, s]
        indices[i_tr, s] = rk.unit(trust + p[34] * (p[35] - trust))
        indices[i_st, s] = rk.unit(stress)
        indices[i_fa, s] = rk.unit(fairness)
        indices[i_sa, s] = rk.unit(satisfaction)
        indices[i_en, s] = rk.unit(engagement)
        indices[i_au, s] = autonomy
        search[s] = rk.unit(sr)
        peer_loss[s] = loss[j]
        seen_steered[s] = steered[j]
        precedent_seen[s] = prec * p[36]
        resent[s] = res * p[37]
        heard[s] = False
