"""The compensation plan: quota periods, tiered commission, cap, draw and the team pool.

Pay is computed per rep each week from cumulative period sales, so the company's cost of
sales is exactly the sum of what reps are paid.  The same plan answers the question each rep
asks before choosing effort: what is one more unit of sales worth to me right now?
"""

from __future__ import annotations

import numpy as np

from sim.world.collect import COMP_COST, CONCESSION_COST
from sim.world.params import CompParams
from sim.world.seasons import WEEKS_PER_YEAR
from sim.world.arrays import clamp
from sim.world import kernels, sum_kernels
from sim.world.replicas import replication_of, split, total

PERIOD_WEEKS = {"month": (4, 4, 5) * 4, "quarter": (13,) * 4, "year": (52,)}
QUOTA_FLOOR = 1e-6  # smallest quota / ramp-up divisor (keeps ratios finite)
STEP_SHARE = 0.01  # step (share of quota) of the forward differences that value a unit of sales
STEP_FLOOR = 1e-9  # smallest quota a forward difference steps from (keeps the step positive)


class CompPlan:
    def __init__(self, p: CompParams, demand: np.ndarray, off_peak_bonus: float,
                 peak: np.ndarray, R: int = 1):
        self.p, self.R = p, R
        # The team pool is off until the team_bonus policy sets share, scope and split.
        self.pool_share, self.scope, self.split = 0.0, "team", "equal"
        lengths = np.array(PERIOD_WEEKS[p.quota_period])
        ends = np.cumsum(lengths)
        self.period_of_week = np.searchsorted(ends, np.arange(WEEKS_PER_YEAR), side="right")
        self.period_end = np.isin(np.arange(WEEKS_PER_YEAR), ends - 1)
        self.period_begin = np.isin(np.arange(WEEKS_PER_YEAR), np.r_[0, ends[:-1]])
        # Demand still to come in the period, this week included (reps' projection).
        self.demand = demand
        self.remaining = np.zeros(WEEKS_PER_YEAR)
        self.period_demand = np.zeros(len(lengths))
        for k, (a, b) in enumerate(zip(np.r_[0, ends[:-1]], ends)):
            seg = demand[a:b]
            self.remaining[a:b] = np.cumsum(seg[::-1])[::-1]
            self.period_demand[k] = seg.sum()
        self.rate_boost = np.where(peak, 1.0, 1.0 + off_peak_bonus)
        self.lengths = lengths
        # (per replication at R > 1: each firm remembers its own sales)
        self.sales_last_year = np.zeros(WEEKS_PER_YEAR if R == 1 else (R, WEEKS_PER_YEAR))
        self.sales_seen = np.zeros(WEEKS_PER_YEAR, dtype=bool)
        # Weeks left in the period, this week included.
        self.weeks_left = (ends[self.period_of_week] - np.arange(WEEKS_PER_YEAR)).astype(float)
        self.period_bounds = tuple(zip(np.r_[0, ends[:-1]].tolist(), ends.tolist()))
        self._shape = None  # (quota shape, its sum over each period), until the next sale

    def record_sales(self, woy: int, revenue) -> None:
        """The firm's memory of its own sales in each week of the year (last year's)."""
        self.sales_seen[woy] = True
        self.sales_last_year[..., woy] = revenue
        self._shape = None

    def _shape_and_sums(self) -> tuple[np.ndarray, np.ndarray]:
        """The quota shape and its sum over each period, computed once per recorded week.
        A period is a run of consecutive weeks, so its sum is that of a slice (the same
        values, in the same order, as the masked copy ``shape[period_of_week == k]``)."""
        if self._shape is None:
            if self.R == 1:
                shape, sums = self._one_shape(self.sales_last_year)
            else:  # (R, 52) and (R, periods): each replication's own history
                shape, sums = self._stacked_shapes(self.sales_last_year)
            shape.flags.writeable = False  # shared by every caller until the next sale
            self._shape = (shape, sums)
        return self._shape

    def _one_shape(self, history: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        add = np.add.reduce  # = ndarray.sum, in one call
        if np.logical_and.reduce(self.sales_seen) and add(history) > 0:
            shape = history / add(history)
        else:
            shape = self.demand / add(self.demand)
        return shape, np.array([add(shape[lo:hi]) for lo, hi in self.period_bounds])

    def _stacked_shapes(self, history: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`_one_shape` of every row of ``history`` (R, 52) at once.  A sum along the
        last axis of a row-major array adds each row pairwise, as the 1-D sum of that row
        does, so every value is the serial one (tests/test_quota_shapes.py)."""
        add = np.add.reduce
        total = add(history, axis=1)
        own = total > 0 if np.logical_and.reduce(self.sales_seen) else np.zeros(self.R, bool)
        shape = np.empty_like(history)
        shape[:] = self.demand / add(self.demand)
        shape[own] = history[own] / total[own, None]
        sums = np.empty((self.R, len(self.period_bounds)))
        for k, (lo, hi) in enumerate(self.period_bounds):
            sums[:, k] = add(shape[:, lo:hi], axis=1)
        return shape, sums

    def quota_shape(self) -> np.ndarray:
        """Weekly shares of the year the firm splits quotas by: last year's sales by week once
        a full year has been seen (sales lag demand by the sales cycle), else demand.
        (Read-only: it is kept until the next week's sales are recorded.)"""
        return self._shape_and_sums()[0]

    def period_share(self, woy: int, offset: int = 0, a=None):
        """Share of the yearly quota that falls in the period of ``woy`` (``offset`` periods
        on); at R > 1 that of the replication of each rep of ``a``."""
        k = (self.period_of_week[woy] + offset) % len(self.lengths)
        sums = self._shape_and_sums()[1]
        return float(sums[k]) if self.R == 1 else sums[:, k][a % self.R]

    def share_left(self, woy: int, a=None):
        """Share of its period's quota still to come from week ``woy`` on (this week
        included); at R > 1 that of the replication of each rep of ``a``."""
        shape, sums = self._shape_and_sums()
        k = self.period_of_week[woy]
        hi = self.period_bounds[k][1]
        if self.R == 1:
            return float(np.add.reduce(shape[woy: hi]) / sums[k])
        left = np.add.reduce(shape[:, woy: hi], axis=1) / sums[:, k]  # (each row pairwise)
        return left[a % self.R]

    def period_sums(self, a) -> np.ndarray:
        """Each period's share of the year, as a column (R = 1) or one column per rep of
        ``a`` (its replication's shares)."""
        sums = self._shape_and_sums()[1]
        return sums[:, None] if self.R == 1 else sums[a % self.R].T

    def period_start(self, woy: int) -> bool:
        return bool(self.period_begin[woy])

    def commission(self, sales: np.ndarray, quota: np.ndarray, rate: np.ndarray) -> np.ndarray:
        """Cumulative commission on ``sales`` within one period (before the team pool).

        Threshold and accelerator are written as shares of the rep's own quota; the cap as a
        multiple of its own on-target commission (the commission earned at exactly 100%).
        """
        return self._commission(sales, self._tiers(quota, rate))

    def _tiers(self, quota, rate) -> tuple:
        """What :meth:`commission` needs of ``quota`` and ``rate`` alone, computed once when
        several sales figures are valued on the same quota."""
        p = self.p
        thr = p.threshold * quota
        top = p.cap * self.on_target(quota, rate) if p.cap > 0 else None
        return (thr, np.maximum(quota - thr, 0), rate * p.below_threshold_factor, rate,
                rate * p.accelerator, quota, top)

    @staticmethod
    def _commission(sales, tiers: tuple):
        """:meth:`commission` on ``sales`` from the quota's :meth:`_tiers`: below threshold,
        threshold to quota, above quota (the accelerator), then the cap."""
        thr, band, below, rate, above, quota, top = tiers
        c = below * np.minimum(sales, thr)
        c += rate * np.minimum(np.maximum(sales - thr, 0), band)
        c += above * np.maximum(sales - quota, 0)
        if top is not None:
            c = np.minimum(c, top)
        return c

    def on_target(self, quota: np.ndarray, rate: np.ndarray) -> np.ndarray:
        """Commission for exactly 100% of quota (the plan's on-target incentive)."""
        p = self.p
        return rate * quota * (p.below_threshold_factor * p.threshold + (1 - p.threshold))

    def unit_value(self, sales: np.ndarray, quota: np.ndarray, rate: np.ndarray) -> np.ndarray:
        """Commission on one more currency unit of sales at period total ``sales``: a forward
        difference over a step of STEP_SHARE of quota, so tiers and the cap count as written."""
        h = STEP_SHARE * np.maximum(quota, STEP_FLOOR)
        tiers = self._tiers(quota, rate)
        return (self._commission(sales + h, tiers) - self._commission(sales, tiers)) / h

    def quota_value(self, sales: np.ndarray, quota: np.ndarray, rate: np.ndarray) -> np.ndarray:
        """Commission lost per currency unit of extra quota at period total ``sales``."""
        h = STEP_SHARE * np.maximum(quota, STEP_FLOOR)
        return (self.commission(sales, quota, rate) - self.commission(sales, quota + h, rate)) / h

    def own_share_of(self, model, a: np.ndarray):
        """:meth:`own_share` for the reps ``a`` (1.0 with no pool: all of it comes back)."""
        if self.pool_share <= 0:
            return 1.0  # x * 1.0 is x: the values of multiplying by an array of ones
        return self.own_share(model.pool_group_size(a))

    def own_share(self, team_size: np.ndarray) -> np.ndarray:
        """How much of a pooled unit of commission comes back to the rep who earned it."""
        if self.pool_share <= 0:
            return np.ones_like(team_size, dtype=float)
        back = 1.0 / np.maximum(team_size, 1) if self.split == "equal" else np.ones_like(
            team_size, dtype=float)
        return (1 - self.pool_share) + self.pool_share * back


def pay_draw(commission: np.ndarray, draw: float, balance: np.ndarray) -> np.ndarray:
    """Apply a recoverable draw: top up to ``draw``, repay the balance from later surplus.

    ``balance`` is updated in place; returns the week's pay.
    """
    if draw <= 0:
        return commission
    short = np.maximum(draw - commission, 0)
    surplus = np.maximum(commission - draw, 0)
    repay = np.minimum(balance, surplus)
    balance += short - repay
    return commission + short - repay


def run_payroll(model, a: np.ndarray) -> None:
    """Pay this week's commission; at a period end pay out the team pool and reset quotas.

    The week's cost figures go to ``model.collector.row``.  Every unit of pay lands in exactly one rep's
    ``pay_week``, so comp cost is the sum of rep pay by construction.
    """
    r, plan, woy = model.reps, model.plan, model.woy
    quota, rate = r.quota[a], r.rate[a]
    tiers = plan._tiers(quota, rate)  # one quota, two sales figures
    sold = r.period_sales[a]
    before = plan._commission(sold, tiers)
    sold = sold + r.sales_week[a]
    r.period_sales[a] = sold
    after = plan._commission(sold, tiers)
    comm = (after - before) * plan.rate_boost[woy]
    conceded = comm * r.conceded[a] / np.maximum(rate, 1e-12)
    to_pool = plan.pool_share * comm
    r.pool_contrib[a] += to_pool
    balance = r.draw_balance[a]
    pay = pay_draw(comm - to_pool, plan.p.draw_weekly, balance)
    r.draw_balance[a] = balance
    if plan.period_end[woy] and plan.pool_share > 0:
        pay = pay + _pay_pool(model, a)
    r.pay_week[a] = pay
    r.pay_total[a] += pay
    r.pay_ewma[a] += 0.1 * (pay - r.pay_ewma[a])
    if plan.period_end[woy]:
        r.attain_last[a] = sold / np.maximum(quota, QUOTA_FLOOR)
        r.period_sales[a] = 0.0
        r.pool_contrib[a] = 0.0
    row = model.collector.row
    row[COMP_COST], row[CONCESSION_COST] = total(model, pay, a), total(model, conceded, a)


def pool_groups(model, slots: np.ndarray) -> np.ndarray:
    """Pool group of each rep: its team, or its firm for a company-wide pool (0, or its
    replication's number when replications run side by side)."""
    if model.plan.scope == "company":
        if model.R > 1:
            return (slots % model.R).astype(np.int64)
        return np.zeros(len(slots), dtype=np.int64)
    return model.reps.team[slots].astype(np.int64)


def _pay_pool(model, a: np.ndarray) -> np.ndarray:
    """Release each group's pool in proportion to the group's quota attainment (max 1)."""
    r, plan = model.reps, model.plan
    if a.size == 0:
        return np.zeros(0)
    g = pool_groups(model, a)
    m = int(g.max()) + 1
    pool = np.bincount(g, weights=r.pool_contrib[a], minlength=m)
    sales = np.bincount(g, weights=r.period_sales[a], minlength=m)
    quota = np.bincount(g, weights=r.quota[a], minlength=m)
    release = pool * np.minimum(1.0, sales / np.maximum(quota, 1e-9))
    if plan.split == "equal":
        size = np.bincount(g, minlength=m)
        paid = release[g] / np.maximum(size[g], 1)
    else:
        paid = release[g] * r.period_sales[a] / np.maximum(sales[g], 1e-9)
    # What each rep sees on its statement: the share of its own contribution the payout did
    # not give back (the equity comparison of moods.update_moods).
    c = r.pool_contrib[a]
    r.pool_gap[a] = np.where(c > 0, clamp((c - paid) / np.maximum(c, 1e-9), 0, 1), 0.0)
    for pol in model.policies:
        pol.after_pool(model, a, r.pool_contrib[a], paid)
    return paid


def start_period(model, a: np.ndarray, new_only: bool = False) -> None:
    """Set each rep's quota for the period: its yearly quota (from territory potential, own
    history or a blend, per ``comp.quota_basis``) times the period's share of the year (by
    the firm's sales of last year, :meth:`CompPlan.quota_shape`), scaled by ramp-up, by last period's ratchet and, for a rep joining mid-period, by
    the demand left in the period."""
    plan, r, woy, c = model.plan, model.reps, model.woy, model.sc.comp
    yearly = yearly_quota(model, a)
    r.quota_year[a] = yearly
    left = plan.share_left(woy, a) if new_only else 1.0
    ratchet = 1 + c.ratchet * np.maximum(r.attain_last[a] - 1, 0)
    share = plan.period_share(woy, 0, a)
    r.quota[a] = np.maximum(yearly * share * r.ramp[a] * left * ratchet, QUOTA_FLOOR)
    r.attain_last[a] = 0.0  # a ratchet acts once, on the period that follows


def territory_quota(model, a: np.ndarray) -> np.ndarray:
    """Yearly quota from territory potential: ``quota_annual`` for the median territory, in
    proportion for the rest.  Potential is the firm's own account data."""
    b, c = model.book, model.sc.comp
    idx = model.owned
    pot = np.bincount(b.owner[idx], weights=b.potential[idx], minlength=model.reps.n)
    act = model.active
    if model.R == 1:
        ref = _median(pot[act]) if act.size else 0.0
        if ref <= 0:
            return np.full(len(a), c.quota_annual)
        return c.quota_annual * pot[a] / ref
    # each replication's own median territory (of the replications of ``a``: a hire needs
    # only its own)
    wanted = np.zeros(model.R, dtype=bool)
    wanted[a % model.R] = True
    if kernels.on(act.size, model.R):
        ref = sum_kernels.medians_by_replication(pot[act], replication_of(model, act),
                                                 model.R, wanted)
    else:
        ref = np.zeros(model.R)
        for r, pos in split(model, act):
            if wanted[r] and pos.size:
                ref[r] = _median(pot[act[pos]])
    mine = ref[a % model.R]
    return np.where(mine <= 0, c.quota_annual, c.quota_annual * pot[a] / np.where(
        mine <= 0, 1.0, mine))


def _median(x: np.ndarray):
    """``np.median`` of a 1-D float array in fewer calls: the middle value of the sorted
    copy, or the mean of the middle two (their sum over 2, as ``np.mean`` takes it); NaN if
    any value is NaN."""
    s = np.sort(x)
    h = s.size // 2
    if s[-1] != s[-1]:  # NaN sorts last
        return s[-1]
    return s[h] if s.size % 2 else (s[h - 1] + s[h]) / 2


def run_rate(model, a: np.ndarray) -> np.ndarray:
    """Trailing yearly sales of each rep at full ramp-up: the trailing-year EWMA, corrected
    for the weeks it has had to fill (it starts at zero for a new hire), over ramp-up."""
    return _run_rate(model, a, model.reps.hired[a])


def _run_rate(model, a: np.ndarray, hired: np.ndarray) -> np.ndarray:
    """:func:`run_rate` given the reps' hiring weeks ``hired`` (gathered by the caller)."""
    r = model.reps
    tenure = np.maximum(model.week - hired, 0)
    filled = 1 - (1 - 1 / WEEKS_PER_YEAR) ** np.maximum(tenure, 1)
    filled = np.where(hired < 0, 1.0, filled)  # initial reps start with a full history
    return r.rev_annual[a] / filled / np.maximum(r.ramp[a], QUOTA_FLOOR)


def history_weight(model, a: np.ndarray) -> np.ndarray:
    """How much of a year of own sales history past ramp-up a rep has (1 for the initial
    reps): before that its trailing sales say little about what it will sell."""
    return _history_weight(model, model.reps.hired[a])


def _history_weight(model, hired: np.ndarray) -> np.ndarray:
    """:func:`history_weight` given the reps' hiring weeks ``hired``."""
    seasoned = model.week - hired - model.sc.reps.ramp_weeks
    return np.where(hired < 0, 1.0, clamp(seasoned / WEEKS_PER_YEAR, 0.0, 1.0))


def yearly_quota(model, a: np.ndarray) -> np.ndarray:
    c = model.sc.comp
    pot = territory_quota(model, a)
    if c.quota_basis == "potential":
        return pot
    hired = model.reps.hired[a]
    known = _history_weight(model, hired)
    hist = known * c.quota_growth * _run_rate(model, a, hired) + (1 - known) * pot
    if c.quota_basis == "history":
        return hist
    return c.quota_blend * pot + (1 - c.quota_blend) * hist


def next_period(model, a: np.ndarray, attain_extra=None) -> tuple[np.ndarray, np.ndarray]:
    """What a rep expects of the next period: (quota, sales at its run rate).  Under a known
    ratchet the quota includes the rise this period's attainment will cause."""
    plan, r, woy, c = model.plan, model.reps, model.woy, model.sc.comp
    share = plan.period_share(woy, 1, a)
    q = r.quota_year[a] * share * r.ramp[a]
    if c.ratchet > 0 and c.ratchet_known:
        att = r.projected[a] / np.maximum(r.quota[a], QUOTA_FLOOR)
        q = q * (1 + c.ratchet * np.maximum(att - 1, 0))
    return np.maximum(q, QUOTA_FLOOR), run_rate(model, a) * r.ramp[a] * share


def ratchet_applies(model) -> bool:
    """Whether reps count the cost of a ratchet: there is one, and they know of it."""
    c = model.sc.comp
    return not (c.ratchet <= 0 or not c.ratchet_known)


def ratchet_cost(model, a: np.ndarray) -> np.ndarray:
    """Next-period commission a rep expects to lose per extra unit of sales this period when
    above quota, because a known ratchet raises next period's quota (0 without one)."""
    c, plan, r = model.sc.comp, model.plan, model.reps
    if not ratchet_applies(model):
        return np.zeros(len(a))
    q_next, s_next = next_period(model, a)
    dq = c.ratchet * q_next / np.maximum(r.quota[a], QUOTA_FLOOR)  # quota added per unit sold
    return dq * plan.quota_value(s_next, q_next, r.rate[a])


def expected_pay(model, a: np.ndarray) -> np.ndarray:
    """Weekly pay a rep expects from the plan over a year at its run rate (for a newcomer,
    partly the quota the firm set it): the commission of each period of the year on its
    seasonal share of sales and quota, plus any draw.

    All periods are valued at once (one row each); the year's total adds the rows in period
    order, starting from zero (``add.accumulate`` adds them in that order; the final
    ``+ 0.0`` is the start from zero, which only turns a -0.0 into 0.0)."""
    plan, r = model.plan, model.reps
    hired = r.hired[a]
    known = _history_weight(model, hired)  # a newcomer takes the firm's quota as its expectation
    year_quota = r.quota_year[a]
    sales = known * _run_rate(model, a, hired) + (1 - known) * year_quota
    share = plan.period_sums(a)  # each period's share of the year
    per_period = plan.commission(sales * share, year_quota * share, r.rate[a])
    total = np.add.accumulate(per_period, axis=0)[-1] + 0.0
    weekly = total / WEEKS_PER_YEAR
    own = plan.own_share_of(model, a)
    if own.__class__ is not float or own != 1.0:  # (times 1.0 would change no value)
        weekly = weekly * own
    return np.maximum(weekly, plan.p.draw_weekly)
