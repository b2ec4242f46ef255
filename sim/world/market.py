"""The weekly market: attention becomes sales; accounts are won, nurtured, neglected, lost.

Sales of an account in a week =
  potential/52 x seasonal demand x (0.4 + 0.6 relationship) x health x service
  x owner's conversion (skill, ramp-up, slump) x noise,
where service = 1 - exp(-hours given / hours needed).  See docs/ODD.md, "Sales".
"""

from __future__ import annotations

import numpy as np

from sim.world.accounts import attention_weights, cherry_keep_mask, churn, update_accounts
from sim.world.tactics import record_targets

URGENCY_ELASTICITY = 2.0  # extra volume per unit of discount a false-urgency deal closes


def market_week(model, a: np.ndarray, discount: np.ndarray) -> dict:
    r, b, sc, rng = model.reps, model.book, model.sc, model.streams
    ap, rp = sc.accounts, sc.reps
    idx, own, rel, base = model.snap  # gathered in perceive(); the book is unchanged since
    health = b.health[idx]
    n = r.n
    cherry = r.t_cherry_picking
    w = attention_weights(b, idx, health, rp.focus)
    picking = cherry[a].any()
    if picking:
        keep = cherry_keep_mask(b, idx, cherry, sc.tactics.cherry_keep)
        sel = np.flatnonzero(cherry[own])
        w[sel] = attention_weights(b, idx[sel], health[sel], sc.tactics.cherry_focus)
        w[~keep] = 0.0
    wsum = np.bincount(own, weights=w, minlength=n)
    # Hours each rep gives its accounts, spread by weight.
    per_weight = np.zeros(n)
    per_weight[a] = (r.effort[a] * rp.hours_per_week * (1 - r.prospect_share[a])
                     / np.maximum(wsum[a], 1e-300))
    hours = per_weight[own] * w
    need = b.need[idx]
    service = 1 - np.exp(-hours / need)
    conv = np.zeros(n)
    slump_conv = np.where((r.slump[a] == 1) | (r.slump[a] == 3), 0.7, 1.0)
    conv[a] = (r.skill[a] * r.ramp[a] * slump_conv
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
    # Pressure passed on to clients (seed 003) wears the personal tie down, not conversion.
    b.relationship[idx] *= 1 - sc.behaviour.pressure_tie_loss * r.stress[own]
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
