"""The weekly market: attention becomes sales; accounts are won, nurtured, neglected, lost.

Each account's service this week is 1 - exp(-hours given / hours needed); service moves the
account's opportunities forward in the deal pipeline (:mod:`sim.world.pipeline`), where
deals close, are timed, won or lost.  A won deal's revenue is its size (which carries the
account's ties and the owner's familiarity with it) times the owner's conversion (skill,
slump).  See docs/ODD.md, "Sales".
"""

from __future__ import annotations

import numpy as np

from sim.world import kernels, simd_math
from sim.world.accounts import churn, update_accounts
from sim.world.collect import ACCOUNTS_CHURNED, ACCOUNTS_WON, DISCOUNTS, REVENUE
from sim.world.replicas import count, poisson, total
from sim.world.seasons import WEEKS_PER_YEAR
from sim.world.tactics import greedy_hours, normal_hours, record_targets


def market_week(model, a: np.ndarray, discount: np.ndarray) -> None:
    """The week's sales, service and churn; its figures go to ``model.collector.row``."""
    r, b, sc = model.reps, model.book, model.sc
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
    need = b.need[idx]
    if cherry[a].any():  # pickers put each hour where it sells most this week
        sel = cherry[own].nonzero()[0]
        hours[sel] = greedy_hours(base[sel], need[sel], own[sel], own_hours, n,
                                  replications=model.R)
    if kernels.on(idx.size, model.R) and simd_math.agrees():  # (numpy's exp, in one pass)
        service, load_capped = kernels.service_of(hours, need, 1.0, simd_math.address("exp"))
    else:
        load = hours / need  # hours given over hours needed
        service = 1 - np.exp(-load)
        load_capped = np.minimum(load, 1.0)
    conv = np.zeros(n)
    slump_conv = np.where((r.slump[a] == 1) | (r.slump[a] == 3), sc.behaviour.slump_conversion,
                          1.0)
    conv[a] = r.skill[a] * slump_conv  # pressure wears ties (issue 15); ramp is prospecting
    revenue, discounts = model.pipeline.week(model, idx, own, service, conv, base, discount)
    if kernels.on(idx.size, model.R):
        r.sales_week[a] = kernels.book_sales(idx, own, revenue, hours, b.sales_week,
                                             b.hours_week, b.rev_annual, b.revenue_total,
                                             b.n, n)[a]
    else:
        b.sales_week[: b.n] = 0.0  # an account nobody served this week sold nothing
        b.sales_week[idx] = revenue
        b.hours_week[idx] = hours
        b.rev_annual[idx] += revenue - b.rev_annual[idx] / 52
        b.revenue_total[idx] += revenue
        r.sales_week[a] = np.bincount(own, weights=revenue, minlength=n)[a]
    # Each rep's running estimate of the spread of its weekly sales around its usual level.
    dev = r.sales_week[a] - r.rev_annual[a] * (model.demand_now / WEEKS_PER_YEAR)
    r.sales_var[a] += rp.forecast_memory * (dev * dev - r.sales_var[a])
    r.rev_annual[a] += r.sales_week[a] - r.rev_annual[a] / 52  # trailing-year revenue (EWMA)
    # Then pressure passed on to clients (seed 003) wears the personal tie down.
    tie_loss = sc.behaviour.pressure_tie_loss
    if kernels.on(idx.size, model.R):
        kernels.update_accounts(
            idx, own, load_capped, record_targets(model, own), rel, health,
            b.relationship, b.firm, b.recorded, b.familiar, b.health, r.stress, ap.rel_build,
            ap.rel_decay, ap.firm_build, ap.firm_decay, ap.familiar_rate, ap.health_build,
            ap.health_decay, ap.record_rate, tie_loss)
    else:
        update_accounts(b, ap, idx, load_capped, record_targets(model, own),
                        rel, health)
        b.relationship[idx] *= 1 - tie_loss * r.stress[own]
    gone, gone_owner = churn(model, ap, "churn", idx, model.week)
    model.events.log(model.week, "account_churned", gone_owner, gone)
    won = prospect(model, a)
    row = model.collector.row  # per replication at R > 1 (revenue: over its accounts of idx)
    row[REVENUE], row[DISCOUNTS] = total(model, revenue, idx), discounts
    row[ACCOUNTS_CHURNED], row[ACCOUNTS_WON] = count(model, gone), won


def prospect(model, a: np.ndarray):
    """New accounts from prospecting effort; a new client starts with a thin relationship.
    Returns the number won (per replication at ``R > 1``)."""
    r, ap = model.reps, model.sc.accounts
    lam = ap.prospect_rate * r.effort[a] * r.prospect_share[a] * r.skill[a] * r.ramp[a]
    if model.R == 1:
        k = model.rstreams[0].arrivals.poisson(lam)
        won = int(np.add.reduce(k))
        if won == 0:
            return 0
        rng = model.rstreams[0].accounts
    else:
        # Each replication draws for its own active reps; one that wins nothing draws no
        # attributes (size-0 draws), as its serial run returns early.
        k = poisson(model, "arrivals", a, lam)
        won = np.bincount(a % model.R, weights=k, minlength=model.R).astype(np.int64)
        if not won.any():
            return won
        rng = "accounts"
    owners = a.repeat(k).astype(np.int32)
    new = model.book.new_accounts(rng, ap, owners, model.week, ap.new_relationship,
                                  ap.new_health, model=model)
    model.book.rev_annual[new] = 0.0
    model.events.log(model.week, "account_won", owners, new)
    model.refresh()
    for pol in model.policies:
        pol.on_new_accounts(model, new)
    return won
