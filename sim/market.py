"""The weekly market: attention becomes sales; accounts are won, nurtured, neglected, lost.

Sales of an account in a week =
  potential/52 x seasonal demand x (0.4 + 0.6 relationship) x health x service
  x owner's conversion (skill, ramp-up, stress passed on to customers, slump) x noise,
where service = 1 - exp(-hours given / hours needed).  See docs/ODD.md, "Sales".
"""

from __future__ import annotations

import numpy as np

from .accounts import (attention_weights, cherry_keep_mask, churn, need_hours,
                       update_accounts)
from .tactics import record_targets

URGENCY_ELASTICITY = 2.0  # extra volume per unit of discount a false-urgency deal closes


def market_week(model, a: np.ndarray, discount: np.ndarray) -> dict:
    r, b, sc, rng = model.reps, model.book, model.sc, model.rng
    ap, rp = sc.accounts, sc.reps
    idx = model.owned
    own = b.owner[idx]
    n = r.n
    hours_rep = np.zeros(n)
    hours_rep[a] = r.effort[a] * rp.hours_per_week * (1 - r.prospect_share[a])
    cherry = r.t_cherry_picking
    focus = np.where(cherry[own], sc.tactics.cherry_focus, rp.focus)
    keep = cherry_keep_mask(b, idx, cherry, sc.tactics.cherry_keep) if cherry[a].any() \
        else np.ones(idx.size, dtype=bool)
    w = attention_weights(b, idx, focus, keep)
    wsum = np.bincount(own, weights=w, minlength=n)
    hours = hours_rep[own] * w / np.maximum(wsum[own], 1e-300)
    service = 1 - np.exp(-hours / need_hours(b, ap, idx))
    conv = np.zeros(n)
    slump_conv = np.where(np.isin(r.slump[a], (1, 3)), 0.7, 1.0)
    conv[a] = r.skill[a] * r.ramp[a] * (1 - rp.stress_leak * r.stress[a]) * slump_conv
    noise = np.exp(rp.sales_noise * rng.standard_normal(idx.size) - 0.5 * rp.sales_noise ** 2)
    d = discount[own]
    volume = (b.potential[idx] / 52 * model.demand_now * (0.4 + 0.6 * b.relationship[idx])
              * b.health[idx] * service * conv[own] * noise * (1 + URGENCY_ELASTICITY * d))
    revenue = volume * (1 - d)
    b.sales_week[idx] = revenue
    b.hours_week[idx] = hours
    b.rev_annual[idx] += revenue - b.rev_annual[idx] / 52
    b.revenue_total[idx] += revenue
    r.sales_week[a] = np.bincount(own, weights=revenue, minlength=n)[a]
    update_accounts(b, ap, idx, np.clip(hours / need_hours(b, ap, idx), 0, 1),
                    record_targets(model, own))
    gone, gone_owner = churn(b, ap, rng, idx, model.week)
    model.events.log(model.week, "account_churned", gone_owner, gone)
    won = prospect(model, a)
    return {"revenue": float(revenue.sum()), "discounts": float((volume * d).sum()),
            "accounts_churned": int(gone.size), "accounts_won": int(won)}


def prospect(model, a: np.ndarray) -> int:
    """New accounts from prospecting effort; a new client starts with a thin relationship."""
    r, ap = model.reps, model.sc.accounts
    lam = ap.prospect_rate * r.effort[a] * r.prospect_share[a] * r.skill[a] * r.ramp[a]
    k = model.rng.poisson(lam)
    if k.sum() == 0:
        return 0
    owners = np.repeat(a, k).astype(np.int32)
    new = model.book.new_accounts(model.rng, ap, owners, model.week, ap.new_relationship, 0.6)
    model.book.rev_annual[new] = 0.0
    model.events.log(model.week, "account_won", owners, new)
    model.refresh()
    for pol in model.policies:
        pol.on_new_accounts(model, new)
    return int(k.sum())
