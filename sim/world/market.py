"""The weekly market: attention becomes sales; accounts are won, nurtured, neglected, lost.

Sales of an account in a week =
  potential/52 x seasonal demand x ties (base + firm + personal) x familiarity x health
  x service x owner's conversion (skill, stress passed on to customers, slump) x noise,
where service = 1 - exp(-hours given / hours needed).  See docs/ODD.md, "Sales".
"""

from __future__ import annotations

import numpy as np

from sim.world.accounts import churn, update_accounts
from sim.world.tactics import URGENCY_ELASTICITY, greedy_hours, normal_hours, record_targets


def market_week(model, a: np.ndarray, discount: np.ndarray) -> dict:
    r, b, sc, rng = model.reps, model.book, model.sc, model.streams
    ap, rp = sc.accounts, sc.reps
    idx, own, rel, base = model.snap  # gathered in perceive(); the book is unchanged since
    health = b.health[idx]
    n = r.n
    cherry = r.t_cherry_picking
    # Hours each rep gives its accounts, spread by weight; a backup's hours on others'
    # accounts are not spent on its own.
    own_hours = np.zeros(n)
    own_hours[a] = np.maximum(r.effort[a] * rp.hours_per_week * (1 - r.prospect_share[a])
                              - r.shadow_hours[a], 0.0)
    hours = normal_hours(model, idx, own, health, own_hours)
    if cherry[a].any():  # pickers put each hour where it sells most this week
        sel = np.flatnonzero(cherry[own])
        hours[sel] = greedy_hours(base[sel], b.need[idx[sel]], own[sel], own_hours, n)
    need = b.need[idx]
    service = 1 - np.exp(-hours / need)
    conv = np.zeros(n)
    slump_conv = np.where((r.slump[a] == 1) | (r.slump[a] == 3), 0.7, 1.0)
    conv[a] = (r.skill[a] * (1 - rp.stress_leak * r.stress[a]) * slump_conv
               * model.demand_now)
    noise = model.noise.draw(rng.noise, idx.size)
    volume = base * service * conv[own] * noise
    if discount.any():
        d = discount[own]
        volume *= 1 + URGENCY_ELASTICITY * d
        revenue = volume * (1 - d)
        discounts = float((volume * d).sum())
    else:
        revenue, discounts = volume, 0.0
    b.sales_week[idx] = revenue
    b.hours_week[idx] = hours
    b.rev_annual[idx] += revenue - b.rev_annual[idx] / 52
    b.revenue_total[idx] += revenue
    r.sales_week[a] = np.bincount(own, weights=revenue, minlength=n)[a]
    r.rev_annual[a] += r.sales_week[a] - r.rev_annual[a] / 52  # trailing-year revenue (EWMA)
    update_accounts(b, ap, idx, np.minimum(hours / need, 1.0), record_targets(model, own),
                    rel, health)
    gone, gone_owner = churn(b, ap, rng.churn, idx, model.week)
    model.events.log(model.week, "account_churned", gone_owner, gone)
    won = prospect(model, a)
    return {"revenue": float(revenue.sum()), "discounts": discounts,
            "accounts_churned": int(gone.size), "accounts_won": int(won)}


class NoiseTable:
    """Lognormal sales noise (mean 1) read from a pre-drawn table at a random offset.

    Drawing tens of thousands of normals every week dominated the run time; a table of
    independent draws read from a fresh random offset each week gives every account-week a
    value with the same distribution at the cost of a slice.
    """

    def __init__(self, rng: np.random.Generator, sigma: float, n_accounts: int):
        size = max(1 << 16, 8 * n_accounts)
        self.table = rng.lognormal(-0.5 * sigma * sigma, sigma, size)

    def draw(self, rng: np.random.Generator, k: int) -> np.ndarray:
        start = int(rng.integers(0, self.table.size))
        if start + k <= self.table.size:
            return self.table[start:start + k]
        return np.take(self.table, np.arange(start, start + k), mode="wrap")


def prospect(model, a: np.ndarray) -> int:
    """New accounts from prospecting effort; a new client starts with a thin relationship."""
    r, ap = model.reps, model.sc.accounts
    lam = ap.prospect_rate * r.effort[a] * r.prospect_share[a] * r.skill[a] * r.ramp[a]
    k = model.streams.arrivals.poisson(lam)
    if k.sum() == 0:
        return 0
    owners = np.repeat(a, k).astype(np.int32)
    new = model.book.new_accounts(model.streams.accounts, ap, owners, model.week, ap.new_relationship, 0.6)
    model.book.rev_annual[new] = 0.0
    model.events.log(model.week, "account_won", owners, new)
    model.refresh()
    for pol in model.policies:
        pol.on_new_accounts(model, new)
    return int(k.sum())
