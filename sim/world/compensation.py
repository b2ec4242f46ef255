"""The compensation plan: quota periods, tiered commission, cap, draw and the team pool.

Pay is computed per rep each week from cumulative period sales, so the company's cost of
sales is exactly the sum of what reps are paid.  The same plan answers the question each rep
asks before choosing effort: what is one more unit of sales worth to me right now?
"""

from __future__ import annotations

import numpy as np

from sim.world.params import CompParams
from sim.world.seasons import WEEKS_PER_YEAR

PERIOD_WEEKS = {"month": (4, 4, 5) * 4, "quarter": (13,) * 4, "year": (52,)}


class CompPlan:
    def __init__(self, p: CompParams, demand: np.ndarray, off_peak_bonus: float,
                 peak: np.ndarray):
        self.p = p
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

    def period_start(self, woy: int) -> bool:
        return bool(self.period_begin[woy])

    def period_quota(self, woy: int) -> float:
        """Quota of a fully ramped rep for the period containing week-of-year ``woy``."""
        return self.p.quota_annual * self.period_demand[self.period_of_week[woy]] / WEEKS_PER_YEAR

    def commission(self, sales: np.ndarray, quota: np.ndarray, rate: np.ndarray) -> np.ndarray:
        """Cumulative commission on ``sales`` within one period (before the team pool)."""
        p = self.p
        thr = p.threshold * quota
        c = (rate * p.below_threshold_factor * np.minimum(sales, thr)
             + rate * np.clip(sales - thr, 0, np.maximum(quota - thr, 0))
             + rate * p.accelerator * np.maximum(sales - quota, 0))
        if p.cap > 0:
            c = np.minimum(c, p.cap * rate * quota)
        return c

    def marginal_rate(self, projected: np.ndarray, quota: np.ndarray, rate: np.ndarray,
                      woy: int) -> np.ndarray:
        """Expected pay per extra unit of sales, given the projected period total.

        Averaged over a +/-15% band around the projection because a rep cannot know its
        period total exactly; beyond the cap the answer is zero.
        """
        p = self.p
        out = np.zeros_like(projected)
        for f in (0.85, 1.0, 1.15):
            s = projected * f
            r = np.where(s < p.threshold * quota, p.below_threshold_factor,
                         np.where(s < quota, 1.0, p.accelerator))
            if p.cap > 0:
                r = np.where(self.commission(s, quota, np.ones_like(s)) >= p.cap * quota, 0.0, r)
            out += r
        return rate * self.rate_boost[woy] * out / 3.0

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


def run_payroll(model, a: np.ndarray) -> dict:
    """Pay this week's commission; at a period end pay out the team pool and reset quotas.

    Returns the week's cost figures.  Every unit of pay lands in exactly one rep's
    ``pay_week``, so comp cost is the sum of rep pay by construction.
    """
    r, plan, woy = model.reps, model.plan, model.woy
    before = plan.commission(r.period_sales[a], r.quota[a], r.rate[a])
    r.period_sales[a] += r.sales_week[a]
    after = plan.commission(r.period_sales[a], r.quota[a], r.rate[a])
    comm = (after - before) * plan.rate_boost[woy]
    conceded = comm * r.conceded[a] / np.maximum(r.rate[a], 1e-12)
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
        r.period_sales[a] = 0.0
        r.pool_contrib[a] = 0.0
    return {"comp_cost": float(pay.sum()), "concession_cost": float(conceded.sum())}


def pool_groups(model, slots: np.ndarray) -> np.ndarray:
    """Pool group of each rep: its team, or 0 for a company-wide pool."""
    if model.plan.scope == "company":
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
    for pol in model.policies:
        pol.after_pool(model, a, r.pool_contrib[a], paid)
    return paid


def start_period(model, a: np.ndarray, new_only: bool = False) -> None:
    """Set quotas: the period's seasonal share of the annual quota, scaled by ramp-up and,
    for a rep joining mid-period, by the demand left in the period."""
    plan, r, woy = model.plan, model.reps, model.woy
    q = plan.period_quota(woy)
    left = plan.remaining[woy] / plan.period_demand[plan.period_of_week[woy]]
    r.quota[a] = np.maximum(q * r.ramp[a] * (left if new_only else 1.0), 1e-6)
