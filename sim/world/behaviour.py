"""What reps perceive and how they choose effort (their moods move in sim.world.moods).

All rules are written for one rep and evaluated for every active rep at once.  The effort
rule is documented in docs/ODD.md ("Effort decision"): a rep picks the effort that maximises
expected pay from its plan, plus the intrinsic value of work, minus an effort cost that grows
with stress.
"""

from __future__ import annotations

from functools import lru_cache
from statistics import NormalDist

import numpy as np

from sim.world.agents import SIGNALS
from sim.world.compensation import STEP_FLOOR, STEP_SHARE, ratchet_applies, ratchet_cost
from sim.world import kernels, rep_kernels, replicas, simd_math
from sim.world.leverage import perceive_leverage
from sim.world.arrays import clamp

# Equal-probability nodes of a standard normal (midpoints of FORECAST_NODES quantile bins):
# the expectation over the rep's normal forecast of its period-end sales.
FORECAST_NODES = 20
Z_NODES = np.array([NormalDist().inv_cdf((k + 0.5) / FORECAST_NODES)
                     for k in range(FORECAST_NODES)])
Z_WEIGHTS = np.full(FORECAST_NODES, 1.0 / FORECAST_NODES)
_Z_COLUMN, _W_COLUMN = Z_NODES[:, None], Z_WEIGHTS[:, None]  # one row per node
_CONTACT = SIGNALS.index("competitor_contact")  # drawn in perceive(); some are heard about

def effort_curve(model) -> tuple[float, float]:
    """Curvature k of the reps' model of sales against effort (``reps.effort_curvature``) and
    its normaliser 1 - exp(-k): effort e yields (1 - exp(-k e)) / (1 - exp(-k)) of a full week."""
    kappa = model.sc.reps.effort_curvature
    return kappa, _curve(kappa)[1]


@lru_cache(maxsize=16)
def _curve(kappa: float) -> tuple[float, float]:
    """exp(-k) and the normaliser 1 - exp(-k), worked out once per curvature."""
    e = np.exp(-kappa)
    return e, 1 - e


def perceive(model, a: np.ndarray) -> None:
    """Update what each rep knows this week: its book, its leverage, offers and slumps."""
    r, b, beh = model.reps, model.book, model.sc.behaviour
    idx = model.owned
    own = b.owner[idx]
    n = r.n
    # Expected weekly sales at full effort (the rep's own book, at this week's demand).
    rel = b.relationship[idx]
    ap = model.sc.accounts
    if kernels.on(idx.size, model.R):
        base, book_val, rec, cov = kernels.book_values(
            idx, own, b.potential, b.firm, b.relationship, b.familiar, b.health, b.recorded,
            b.backup, b.backup_know, ap.tie_base, ap.tie_firm, ap.tie_personal,
            ap.unfamiliar_conversion, n)
    else:
        # potential x sales_factor x health / 52, with sim.world.accounts.sales_factor
        # (ties x familiarity) written out on the personal ties gathered above
        uc = ap.unfamiliar_conversion
        base = ap.tie_base + ap.tie_firm * b.firm[idx] + ap.tie_personal * rel
        base *= uc + (1 - uc) * b.familiar[idx]
        base *= b.potential[idx]
        base *= b.health[idx]
        base *= 1 / 52
        book_val = np.bincount(own, weights=base, minlength=n)
        # Share of the book (by value) the company could cover without the rep: what
        # backups (whoever assigned them) actually know of it.
        rec = np.bincount(own, weights=base * b.recorded[idx], minlength=n)
        cov = np.bincount(own, weights=base * b.backup_know[idx] * (b.backup[idx] >= 0),
                          minlength=n)
    model.snap = (idx, own, rel, base)  # the book does not change until the market pass
    slump = r.slump[a]
    # The new-hire ramp is about learning the job and prospecting; serving an established
    # account depends on skill and on what the rep knows of it (inside ``base``).
    val = book_val[a]
    ymax = val * r.skill[a]
    slow = (slump == 1) | (slump == 3)  # slumps that cost conversion (elsewhere x 1.0)
    if slow.any():
        ymax = ymax * np.where(slow, beh.slump_conversion, 1.0)
    r.ymax[a] = ymax * model.demand_now
    # Shares of the book's value; 0 for an empty book.  (``rec`` and ``cov`` are sums of
    # parts of the non-negative values ``book_val`` sums, so they are 0 where it is.)
    some = val > 0
    if some.all():
        r.recorded_book[a] = rec[a] / val
        cover = cov[a] / val
    else:
        r.recorded_book[a] = np.divide(rec[a], val, out=np.zeros(val.size), where=some)
        cover = np.divide(cov[a], val, out=np.zeros(val.size), where=some)
    r.cover[a] = np.minimum(np.maximum(cover, 0, out=cover), 1, out=cover)  # clamp to 0..1
    # Leverage: the revenue the firm would lose if the rep left now (sim.world.leverage).
    leverage = perceive_leverage(model, a, own)
    # Outside offers: competitors court visible top performers and reps building a brand;
    # a rep who searches (teammates leaving, sim.world.moods.update_moods) finds more.
    pct = _revenue_rank(model, a, r.rev_annual[a])
    brand = r.brand[a]
    p_offer = (beh.offer_rate + beh.offer_visibility * np.maximum(pct ** beh.visibility_power,
                                                                  brand)
               + beh.search_offers * r.search[a])
    contact = replicas.by_slot(model, "offers", a) < p_offer
    offers = r.offers[a]
    offers = offers * beh.offer_memory + contact * beh.offer_gain * (1 - offers)
    r.offers[a] = np.minimum(np.maximum(offers, 0, out=offers), 1, out=offers)
    r.s_competitor_contact[a] = contact
    brand_target = r.self_interest[a] * np.maximum(leverage, 1 - r.satisfaction[a])
    brand = brand + beh.brand_rate * (brand_target - brand)
    r.brand[a] = np.minimum(np.maximum(brand, 0, out=brand), 1, out=brand)
    # Slumps: a hidden cause (skill, personal, tools, motivation) that ends by itself in time.
    left = np.maximum(r.slump_left[a] - 1, 0)
    r.slump_left[a] = left
    slump = np.where(left > 0, slump, 0)
    r.slump[a] = slump
    u = replicas.by_slot(model, "slumps", a)
    s = a[(slump == 0) & (u < beh.slump_rate)]
    if s.size:  # (draws of size 0 leave a stream where it is: a replication with none skips)
        r.slump[s] = replicas.integers(model, "slumps", s, 1, 5)
        p = 1 / beh.slump_weeks  # cause first, then length, on each replication's stream
        r.slump_left[s] = replicas.geometric(model, "slumps", s, p)


def _revenue_rank(model, a: np.ndarray, rev: np.ndarray) -> np.ndarray:
    """Each rep's rank by revenue ``rev`` among the active reps ``a`` of its replication, as
    a share (0 the lowest, 1 the highest)."""
    if model.R == 1:
        return _rank_share(rev)
    # The (unstable) argsort of exactly each replication's own array, so that ties come out
    # in the order of its serial run; a sort over the whole stack would not give that.
    pct = np.empty(rev.size)
    for _, pos in replicas.split(model, a):
        pct[pos] = _rank_share(rev[pos])
    return pct


def _rank_share(v: np.ndarray) -> np.ndarray:
    """Rank of each value of ``v`` over ``len(v) - 1`` (at least 1): the inverse of the
    sorting permutation, which is what a second argsort would return."""
    k = len(v)
    order = v.argsort()
    rank = np.empty(k, dtype=order.dtype)
    rank[order] = np.arange(k)
    return rank / max(k - 1, 1)


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
    ratchet = ratchet_applies(model)  # (without a known ratchet its cost is 0: x - 0.0 is x)
    if kernels.on(len(a), model.R):  # the same nodes, rep by rep, in one compiled pass
        p = plan.p
        m = rep_kernels.marginal_nodes(
            mu, sigma, q, rate, Z_NODES, Z_WEIGHTS, p.threshold, p.below_threshold_factor,
            p.accelerator, p.cap, STEP_SHARE, STEP_FLOOR, ratchet,
            ratchet_cost(model, a) if ratchet else mu)  # (mu: a stand-in, unread)
    else:
        # All forecast nodes at once (rows), then summed node by node in a fixed order.
        s = np.maximum(mu + sigma * _Z_COLUMN, 0)
        per_node = plan.unit_value(s, q, rate)
        if ratchet:
            per_node -= ratchet_cost(model, a) * (s > q)
        # Weighted nodes, added in node order from zero: ``add.accumulate`` adds the rows in
        # that order, and ``+ 0.0`` stands for the start from zero (it only turns -0.0 into
        # 0.0).
        per_node *= _W_COLUMN
        m = np.add.accumulate(per_node, axis=0)[-1] + 0.0
    m = m * plan.rate_boost[woy]
    own = plan.own_share_of(model, a)
    if own.__class__ is not float or own != 1.0:  # (times 1.0 would change no value)
        m = m * own
    return m


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
    slump = r.slump[a]
    motiv = r.motivation[a]
    low = slump == 4  # a motivation slump (elsewhere the factor is 1.0, which changes nothing)
    if low.any():
        motiv = np.where(low, beh.slump_motivation, 1.0) * motiv
    v = rp.intrinsic_value * (rp.value_motivation * motiv + rp.value_engagement * r.engagement[a])
    c = rp.effort_cost * (1 + rp.stress_cost * r.stress[a])
    gain = m * r.ymax[a] * kappa / norm
    lo = np.full(len(a), rp.min_effort)
    hi = np.ones(len(a))
    x = np.where(gain * _curve(kappa)[0] + v - c > 0, hi, lo)  # f(1) > 0: full effort
    minus_kappa, gain_kappa = -kappa, gain * kappa
    R = model.R
    if kernels.on(len(a), R) and simd_math.agrees():  # the same steps, compiled
        repl = a % R if R > 1 else np.zeros(len(a), dtype=np.int64)
        rep_kernels.newton_effort(x, lo, hi, gain, v, c, minus_kappa, repl, R, EFFORT_TOL,
                                  EFFORT_MAX_STEPS, simd_math.address("exp"))
        return _effort_floor(model, x, slump)
    if R > 1:  # each replication stops at its own step, as its serial run does (see below)
        repl, done, moved = a % R, np.zeros(R, dtype=bool), np.empty(R)
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(EFFORT_MAX_STEPS):
            ex = np.exp(minus_kappa * x)
            f = gain * ex + v - c * x
            up = f > 0
            lo = np.where(up, x, lo)
            hi = np.where(up, hi, x)
            slope = gain_kappa * ex + c  # -f'(x); not positive only where m < 0
            nxt = x + f / slope
            newton = (slope > 0) & (nxt >= lo) & (nxt <= hi)
            if not newton.all():
                nxt = np.where(newton, nxt, 0.5 * (lo + hi))
            if R == 1:
                moved = np.maximum.reduce(np.abs(nxt - x), initial=0.0)
                x = nxt
                if moved <= EFFORT_TOL:
                    break
                continue
            # A replication whose serial run has stopped keeps its x exactly (another step
            # could move it by an ulp); the others step on, each judged by its own largest
            # move (maximum.at is exact and carries a NaN, as the serial reduce does).
            moved.fill(0.0)
            np.maximum.at(moved, repl, np.abs(nxt - x))
            x = np.where(done[repl], x, nxt)
            done |= moved <= EFFORT_TOL
            if done.all():
                break
    return _effort_floor(model, x, slump)


def _effort_floor(model, x: np.ndarray, slump: np.ndarray) -> np.ndarray:
    """The solved effort ``x`` limited to [least effort, 1]; a capacity slump scales both
    the effort and its floor."""
    rp = model.sc.reps
    stalled = slump == 2
    if stalled.any():
        capacity = np.where(stalled, model.sc.behaviour.slump_capacity, 1.0)
        return clamp(x * capacity, rp.min_effort * capacity, 1.0)
    return np.minimum(np.maximum(x, rp.min_effort), 1.0)


def emit_signals(model, a: np.ndarray) -> None:
    """Observable warning signs (seed 000), each a noisy draw from the rep's hidden state."""
    r, beh = model.reps, model.sc.behaviour
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
    p[_CONTACT] = 0.0  # (set below; zeroed so the add reads no uninitialised memory)
    p += beh.sign_false_alarm
    p[_CONTACT] = beh.sign_contact_heard
    contact = r.s_competitor_contact[a]
    # The rows drawn one sign after another: (signs, k_r) per replication, placed by column.
    seen = replicas.uniform(model, "signals", a, lead=len(SIGNALS)) < p
    seen[_CONTACT] &= contact
    r.signals[:, a] = seen
