"""What reps perceive and how they choose effort; how their moods move.

All rules are written for one rep and evaluated for every active rep at once.  The effort
rule is documented in docs/ODD.md ("Effort decision"): a rep picks the effort that maximises
expected pay from its plan, plus the intrinsic value of work, minus an effort cost that grows
with stress.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from sim.world.accounts import sales_factor
from sim.world.agents import SIGNALS
from sim.world.compensation import ratchet_cost
from sim.world import kernels
from sim.world.leverage import perceive_leverage
from sim.world.arrays import clamp

# Equal-probability nodes of a standard normal (midpoints of FORECAST_NODES quantile bins):
# the expectation over the rep's normal forecast of its period-end sales.
FORECAST_NODES = 20
Z_NODES = np.array([NormalDist().inv_cdf((k + 0.5) / FORECAST_NODES)
                     for k in range(FORECAST_NODES)])
Z_WEIGHTS = np.full(FORECAST_NODES, 1.0 / FORECAST_NODES)
_CONTACT = SIGNALS.index("competitor_contact")  # drawn in perceive(); some are heard about


def effort_curve(model) -> tuple[float, float]:
    """Curvature k of the reps' model of sales against effort (``reps.effort_curvature``) and
    its normaliser 1 - exp(-k): effort e yields (1 - exp(-k e)) / (1 - exp(-k)) of a full week."""
    kappa = model.sc.reps.effort_curvature
    return kappa, 1 - np.exp(-kappa)


def team_sums(model, values: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """Sum ``values`` (one per slot in ``slots``) within each team, returned per slot."""
    team = model.reps.team[slots]
    tot = np.bincount(team, weights=values, minlength=model.n_teams)
    return tot[team]


def perceive(model, a: np.ndarray) -> None:
    """Update what each rep knows this week: its book, its leverage, offers and slumps."""
    r, b, beh = model.reps, model.book, model.sc.behaviour
    idx = model.owned
    own = b.owner[idx]
    n = r.n
    # Expected weekly sales at full effort (the rep's own book, at this week's demand).
    rel = b.relationship[idx]
    if kernels.on(idx.size):
        ap = model.sc.accounts
        base, book_val, rec, cov = kernels.book_values(
            idx, own, b.potential, b.firm, b.relationship, b.familiar, b.health, b.recorded,
            b.backup, b.backup_know, ap.tie_base, ap.tie_firm, ap.tie_personal,
            ap.unfamiliar_conversion, n)
    else:
        recd = b.recorded[idx]
        base = (b.potential[idx] * sales_factor(b, model.sc.accounts, idx) * b.health[idx]
                * (1 / 52))
        book_val = np.bincount(own, weights=base, minlength=n)
        # Share of the book (by value) the company could cover without the rep: what
        # backups (whoever assigned them) actually know of it.
        rec = np.bincount(own, weights=base * recd, minlength=n)
        cov = np.bincount(own, weights=base * b.backup_know[idx] * (b.backup[idx] >= 0),
                          minlength=n)
    model.snap = (idx, own, rel, base)  # the book does not change until the market pass
    conv = np.where((r.slump[a] == 1) | (r.slump[a] == 3), beh.slump_conversion, 1.0)
    # The new-hire ramp is about learning the job and prospecting; serving an established
    # account depends on skill and on what the rep knows of it (inside ``base``).
    r.ymax[a] = book_val[a] * r.skill[a] * conv * model.demand_now
    # Shares of the book's value; 0 for an empty book.  (``rec`` and ``cov`` are sums of
    # parts of the non-negative values ``book_val`` sums, so they are 0 where it is.)
    val = book_val[a]
    some = val > 0
    r.recorded_book[a] = np.divide(rec[a], val, out=np.zeros(val.size), where=some)
    r.cover[a] = clamp(np.divide(cov[a], val, out=np.zeros(val.size), where=some), 0, 1)
    # Leverage: the revenue the firm would lose if the rep left now (sim.world.leverage).
    perceive_leverage(model, a)
    # Outside offers: competitors court visible top performers and reps building a brand;
    # a rep who searches (teammates leaving, sim.world.behaviour.update_moods) finds more.
    pct = r.rev_annual[a].argsort().argsort() / max(len(a) - 1, 1)
    p_offer = (beh.offer_rate + beh.offer_visibility * np.maximum(pct ** beh.visibility_power,
                                                                  r.brand[a])
               + beh.search_offers * r.search[a])
    contact = model.streams.by_slot("offers", a, r.capacity) < p_offer
    r.offers[a] = clamp(r.offers[a] * beh.offer_memory
                          + contact * beh.offer_gain * (1 - r.offers[a]), 0, 1)
    r.s_competitor_contact[a] = contact
    brand_target = r.self_interest[a] * np.maximum(r.leverage[a], 1 - r.satisfaction[a])
    r.brand[a] = clamp(r.brand[a] + beh.brand_rate * (brand_target - r.brand[a]), 0, 1)
    # Slumps: a hidden cause (skill, personal, tools, motivation) that ends by itself in time.
    r.slump_left[a] = np.maximum(r.slump_left[a] - 1, 0)
    r.slump[a] = np.where(r.slump_left[a] > 0, r.slump[a], 0)
    slumps = model.streams.slumps
    u = model.streams.by_slot("slumps", a, r.capacity)
    start = (r.slump[a] == 0) & (u < beh.slump_rate)
    s = a[start]
    r.slump[s] = slumps.integers(1, 5, len(s))
    r.slump_left[s] = slumps.geometric(1 / beh.slump_weeks, len(s))


def marginal_pay(model, a: np.ndarray) -> np.ndarray:
    """Expected pay per extra unit of sales under the rep's plan this week (after the pool).

    The rep forecasts its period-end sales S ~ Normal(mu, sigma): mu is what it has sold plus
    what its book yields at its current effort over the demand left in the period; sigma^2 is
    the variance of its own weekly sales (a running estimate) times the weeks left, so the
    uncertainty narrows as the period end nears.  The marginal rate is the plan's commission
    per unit at S, averaged over that forecast (equal-probability nodes), less what a known
    ratchet costs next period for sales above quota.
    """
    r, plan = model.reps, model.plan
    kappa, norm = effort_curve(model)
    woy = model.woy
    d = max(model.demand_now, 1e-9)
    weekly_at_effort = r.ymax[a] / d * (1 - np.exp(-kappa * r.effort[a])) / norm
    mu = r.period_sales[a] + weekly_at_effort * plan.remaining[woy]
    r.projected[a] = mu
    sigma = np.sqrt(r.sales_var[a] * plan.weeks_left[woy])
    q, rate = r.quota[a], r.rate[a]
    above_cost = ratchet_cost(model, a)
    # All forecast nodes at once (rows), then summed node by node in a fixed order.
    s = np.maximum(mu + sigma * Z_NODES[:, None], 0)
    per_node = plan.unit_value(s, q, rate) - above_cost * (s > q)
    m = np.zeros(len(a))
    for i, w in enumerate(Z_WEIGHTS):
        m += w * per_node[i]
    return m * plan.rate_boost[woy] * plan.own_share_of(model, a)


#: Newton's method for the effort choice stops when no rep's effort moves by more than this
#: (effort is a share of a full week, 0..1), or after ``EFFORT_MAX_STEPS`` steps.
EFFORT_TOL = 1e-12
EFFORT_MAX_STEPS = 40


def choose_effort(model, a: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Effort in [min_effort, 1] maximising m*Y(e) + V*e - c(1 + k*stress) e^2 / 2.

    The first-order condition f(e) = g exp(-k e) + V - c e = 0 (g = m Y'(0) / k) is solved by
    Newton's method inside a bracket: a rep whose f is not positive at the least effort takes
    the least, one whose f is still positive at full effort takes full effort, and a Newton
    step that would leave the bracket [lo, hi] (f(lo) > 0 >= f(hi)) is replaced by its
    midpoint.  For g >= 0, f is convex and falling, so from the least effort the steps climb
    to the root without overshooting (quadratic convergence, 4-6 steps).
    """
    r, rp, beh = model.reps, model.sc.reps, model.sc.behaviour
    kappa, norm = effort_curve(model)
    motiv = np.where(r.slump[a] == 4, beh.slump_motivation, 1.0) * r.motivation[a]
    v = rp.intrinsic_value * (rp.value_motivation * motiv + rp.value_engagement * r.engagement[a])
    c = rp.effort_cost * (1 + rp.stress_cost * r.stress[a])
    gain = m * r.ymax[a] * kappa / norm
    lo = np.full(len(a), rp.min_effort)
    hi = np.ones(len(a))
    x = np.where(gain * np.exp(-kappa) + v - c > 0, hi, lo)  # f(1) > 0: full effort
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(EFFORT_MAX_STEPS):
            ex = np.exp(-kappa * x)
            f = gain * ex + v - c * x
            up = f > 0
            np.copyto(lo, x, where=up)
            np.copyto(hi, x, where=~up)
            slope = gain * kappa * ex + c  # -f'(x); not positive only where m < 0
            nxt = x + f / slope
            newton = (slope > 0) & (nxt >= lo) & (nxt <= hi)
            nxt = np.where(newton, nxt, 0.5 * (lo + hi))
            moved = np.abs(nxt - x).max(initial=0.0)
            x = nxt
            if moved <= EFFORT_TOL:
                break
    capacity = np.where(r.slump[a] == 2, beh.slump_capacity, 1.0)
    return clamp(x * capacity, rp.min_effort * capacity, 1.0)


def emit_signals(model, a: np.ndarray) -> None:
    """Observable warning signs (seed 000), each a noisy draw from the rep's hidden state."""
    r, rng, beh = model.reps, model.streams.signals, model.sc.behaviour
    k = len(a)
    pay_gap = clamp(1 - r.pay_ewma[a] / beh.pay_reference, 0, 1)
    talk_from = beh.sign_comp_talk_from
    grievance = np.maximum(np.maximum(r.entitlement[a], 1 - r.fairness[a]), pay_gap)
    # One row of chances per sign, in SIGNALS order (the heard-about share for the contact).
    p = np.empty((len(SIGNALS), k))
    p[0] = beh.sign_comp_talk * clamp((grievance - talk_from) / (1 - talk_from), 0, 1)
    p[1] = np.where(r.t_withholding[a] | r.t_quiet_quitting[a], beh.sign_crm_drop, 0.0)
    p[3] = beh.sign_brand * clamp(r.brand[a] - beh.sign_brand_from, 0, 1)
    p[4] = np.where(np.abs(r.effort[a] - r.prev_effort[a]) > beh.sign_abrupt_jump,
                    beh.sign_abrupt, 0.0)
    p[5] = (beh.sign_peak_focus * r.entitlement[a] * model.cal.lookahead[model.woy]
            * (r.leverage[a] > beh.sign_peak_leverage))
    p += beh.sign_false_alarm
    p[_CONTACT] = beh.sign_contact_heard
    contact = r.s_competitor_contact[a]
    seen = rng.random((len(SIGNALS), k)) < p  # the rows drawn one sign after another
    seen[_CONTACT] &= contact
    r.signals[:, a] = seen


def team_mean_of_others(model, values: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """Mean of ``values`` over each rep's active teammates (itself excluded; its own value when
    it has none)."""
    team = model.reps.team[slots]
    n = np.bincount(team, minlength=model.n_teams)[team]  # teammates and itself (exact)
    tot = np.bincount(team, weights=values, minlength=model.n_teams)[team]
    return np.where(n > 1, (tot - values) / np.maximum(n - 1, 1), values)


def peer_observations(model, a: np.ndarray) -> None:
    """What a rep sees of its teammates this week: who left last week or does the visible
    minimum (quiet quitting), as a share of the team, kept in a fading memory."""
    r, beh = model.reps, model.sc.behaviour
    team = r.team[a]
    size = np.bincount(team, minlength=model.n_teams)
    left = (r.view("left") == model.week - 1).nonzero()[0]
    exits = np.bincount(r.team[left], minlength=model.n_teams)
    quiet = np.bincount(team, weights=r.t_quiet_quitting[a].astype(float), minlength=model.n_teams)
    others_quiet = quiet[team] - r.t_quiet_quitting[a]
    share = (exits[team] + others_quiet) / np.maximum(size[team] + exits[team] - 1, 1)
    m = beh.peer_memory
    r.peer_loss[a] += m * (clamp(share, 0, 1) - r.peer_loss[a])
    r.seen_steered[a] *= 1 - m


def update_moods(model, a: np.ndarray) -> None:
    """Satisfaction, fairness, stress, engagement, entitlement, search move toward targets."""
    r, beh, lv = model.reps, model.sc.behaviour, model.levers
    k = beh.adapt
    woy = model.woy
    peer_observations(model, a)
    pay_ratio = clamp(r.pay_ewma[a] / beh.pay_reference, 0, beh.pay_cap) / beh.pay_cap
    # Stress: quota pressure late in a period, monitoring (felt with the rep's own
    # sensitivity), overwork; support takes some away.
    plan = model.plan
    left = plan.remaining[woy] / max(plan.period_demand[plan.period_of_week[woy]], 1e-9)
    behind = clamp(1 - r.projected[a] / np.maximum(r.quota[a], 1e-9), 0, 1) * (1 - left)
    stress_t = (beh.base_stress + beh.quota_pressure * behind
                + beh.monitoring_stress * r.mon_sens[a] * r.monitoring[a]
                + beh.stress_overwork * clamp(r.effort[a] - beh.overwork_effort, 0, 1)
                + beh.stress_unanswered * r.unanswered[a] - beh.stress_support * r.supported[a])
    r.stress[a] += k * (clamp(stress_t, 0, 1) - r.stress[a])
    r.autonomy[a] = clamp(1 - r.monitoring[a], 0, 1)  # monitoring already includes oversight
    # Fairness from what the rep sees (equity comparison with teammates, Card et al. 2012):
    # its rate against theirs, its book against theirs when it sells more, accounts steered
    # to a favourite, concessions granted to others, a pool payout below what its own sales
    # put in (Adams 1965); a heard grievance (voice) helps.
    mates_rate = team_mean_of_others(model, r.rate[a], a)
    # nobody paid anything (commission 0 is valid) is no gap: ratio 1 where teammates earn 0
    pay_gap = clamp(1 - np.divide(r.rate[a], mates_rate, out=np.ones(len(a)),
                                    where=mates_rate > 0), 0, 1)
    idx, own = model.snap[0], model.snap[1]
    book = np.bincount(own, weights=model.book.potential[idx], minlength=r.n)[a]
    mates_book = team_mean_of_others(model, book, a)
    sells_more = r.rev_annual[a] > team_mean_of_others(model, r.rev_annual[a], a)
    book_gap = clamp(1 - np.divide(book, mates_book, out=np.ones(len(a)), where=mates_book > 0),
                       0, 1) * sells_more
    fair_t = (beh.fairness_base - beh.equity_pay * pay_gap - beh.equity_book * book_gap
              - beh.equity_pool * r.pool_gap[a] - r.resent[a]
              - r.precedent_seen[a] - beh.steer_fairness * r.seen_steered[a]
              + beh.voice_fairness * r.heard[a])
    r.fairness[a] += k * (clamp(fair_t, 0, 1) - r.fairness[a])
    sat_t = (beh.sat_pay * pay_ratio + beh.sat_fairness * r.fairness[a]
             + beh.sat_autonomy * r.autonomy[a] + beh.sat_calm * (1 - r.stress[a])
             + beh.sat_coaching * clamp(r.coached[a], 0, 1))
    r.satisfaction[a] += k * (clamp(sat_t, 0, 1) - r.satisfaction[a])
    # Engagement; teammates' exits and disengagement pull it down (Felps et al. 2009).
    eng_t = (beh.eng_satisfaction * r.satisfaction[a] + beh.eng_motivation * r.motivation[a]
             + beh.culture_engagement * lv.culture + beh.development_engagement * lv.development
             + beh.eng_coaching * clamp(r.coached[a], 0, 1)
             - beh.burnout_engagement * clamp(r.stress[a] - beh.burnout_stress, 0, 1)
             - beh.contagion_engagement * r.peer_loss[a])
    r.engagement[a] += k * (clamp(eng_t, 0, 1) - r.engagement[a])
    # Job search follows what the rep saw of its teammates leaving (Felps et al. 2009).
    r.search[a] += k * (clamp(beh.contagion_search * r.peer_loss[a], 0, 1) - r.search[a])
    # Entitlement grows with sustained leverage.
    grow = beh.entitlement_growth * r.leverage[a]
    r.entitlement[a] = clamp(r.entitlement[a] * (1 - beh.entitlement_decay) + grow, 0, 1)
    r.trust[a] = clamp(r.trust[a] + beh.trust_recovery * (beh.trust_norm - r.trust[a]), 0, 1)
    r.precedent_seen[a] *= beh.precedent_memory
    r.resent[a] *= beh.resent_memory
    r.heard[a] = False
    for col in (r.stress, r.fairness, r.satisfaction, r.engagement, r.search):
        v = col[a]
        col[a] = np.minimum(np.maximum(v, 0, out=v), 1, out=v)  # clamp, in the gathered copy
