"""Quitting, what leaves with a rep, and hiring a replacement.

A rep quits when its outside option beats staying: the weekly hazard grows exponentially with
the gap between what the market offers (competitor contacts) and what staying gives (pay
against the market, satisfaction, fairness, engagement), and is higher for newcomers.
"""

from __future__ import annotations

import numpy as np

from sim.world.accounts import follow_probability
from sim.world.agents import Rep
from sim.world.collect import ACCOUNTS_LOST, QUITS, REVENUE_LOST
from sim.world.compensation import expected_pay, start_period
from sim.world.seasons import WEEKS_PER_YEAR
from sim.world.arrays import among, clamp
from sim.world.replicas import by_slot, count, total, uniform

TENURE_BANDS = (52, 156)  # weeks: first year, years 2-3, 3+ years
BAND_EDGES = np.array(TENURE_BANDS)


def stay_value(model, a: np.ndarray) -> np.ndarray:
    r, beh, ap = model.reps, model.sc.behaviour, model.sc.attrition
    pay = clamp(r.pay_ewma[a] / beh.pay_reference, 0, beh.pay_cap) / beh.pay_cap
    return (ap.stay_pay * pay + ap.stay_satisfaction * r.satisfaction[a]
            + ap.stay_fairness * r.fairness[a] + ap.stay_engagement * r.engagement[a])


def outside_option(model, a: np.ndarray) -> np.ndarray:
    """Weekly pay a rep could earn elsewhere, net of the cost of moving: a competitor's
    commission on the territory it would get (scaled by the rep's skill) plus the clients
    that would follow it (each account's trailing revenue times its chance of following,
    as in :func:`depart`), less the search and ramp-up weeks spread
    over the horizon of the move."""
    r, b, ap = model.reps, model.book, model.sc.attrition
    idx = b.owned()  # fresh: accounts may have churned since the cache was built
    own = b.owner[idx]
    loyal = b.rev_annual[idx] * follow_probability(b, model.sc.accounts, idx)
    portable = np.bincount(own, weights=loyal, minlength=r.n)[a] / WEEKS_PER_YEAR
    gross = ap.market_rate * (r.skill[a] * ap.market_book + portable)
    return gross * max(1 - ap.search_weeks / ap.move_horizon, 0.0)


def quit_decisions(model, a: np.ndarray) -> np.ndarray:
    """Who resigns this week.  Two channels: the mood hazard (outside offers against the
    value of staying), and the participation constraint: a rep whose plan is expected to pay
    less than its outside option searches, and takes a job when it finds one."""
    r, ap = model.reps, model.sc.attrition
    tenure = model.week - r.hired[a]
    outside = ap.outside_base + ap.outside_offers * r.offers[a]
    hazard = ((ap.base_hazard
               + ap.newcomer_hazard * np.exp(-np.maximum(tenure, 0) / ap.newcomer_weeks))
              * np.exp(ap.sensitivity * (outside - stay_value(model, a))))
    r.outside_pay[a] = outside_option(model, a)
    r.expected_pay[a] = expected_pay(model, a)
    r.searching[a] = r.expected_pay[a] < r.outside_pay[a]
    hazard = hazard + r.searching[a] * ap.job_find_rate
    draws = by_slot(model, "quits", a)
    quit_ = draws < clamp(hazard, 0, 1)
    if not model.leavers:  # ``a`` is sorted and unique, so this is the union below
        return a[quit_].astype(np.int64)
    extra = np.array(sorted(set(model.leavers)), dtype=np.int64)
    model.leavers.clear()
    return np.union1d(a[quit_], extra).astype(np.int64)


def depart(model, slots: np.ndarray) -> None:
    """Reps leave: a client follows its rep by the personal tie, unless the firm tie or a
    backup who knows it holds it; the rest wait for a hire, served by an interim owner."""
    r, b, ap = model.reps, model.book, model.sc.accounts
    row = model.collector.row  # the week's figures (sim.world.collect)
    row[QUITS], row[ACCOUNTS_LOST], row[REVENUE_LOST] = count(model, slots), 0, 0.0
    if slots.size == 0:
        return
    tenure = model.week - r.hired[slots]
    band = BAND_EDGES.searchsorted(tenure, side="right")
    if model.R == 1:
        np.add.at(model.quits_by_band, band, 1)
    else:
        np.add.at(model.quits_by_band, (slots % model.R, band), 1)
    lead = np.where(r.first_sign[slots] >= 0, model.week - r.first_sign[slots], np.nan)
    model.events.log(model.week, "quit", slots, value=lead)
    r.active[slots] = False
    r.left[slots] = model.week
    for s in slots:
        model.rep_agent.pop(int(s)).remove()
    idx = model.owned
    gone_backup = idx[among(b.backup[idx], slots, r.n)]  # a leaver backs up nobody any more
    b.backup[gone_backup] = -1
    b.backup_know[gone_backup] = 0.0
    mine = idx[among(b.owner[idx], slots, r.n)]
    bk = b.backup[mine]
    follow = uniform(model, "handover", mine) < follow_probability(b, ap, mine, bk >= 0)
    lost = mine[follow]
    row[ACCOUNTS_LOST] = count(model, lost)
    row[REVENUE_LOST] = total(model, b.rev_annual[lost], lost)
    model.events.log(model.week, "account_lost", b.owner[lost], lost, b.rev_annual[lost])
    b.active[lost] = False
    b.ended[lost] = model.week
    b.owner[lost] = -1
    b.prev_owner[lost] = -1
    model.refresh()
    stay = mine[~follow]
    vacs = np.array([model.open_vacancy(int(r.team[s])) for s in slots], dtype=np.int32)
    vac = lookup(slots, vacs, b.owner[stay])
    proposal = model.interim_owner(stay, b.owner[stay])
    owner = proposal
    for pol in model.policies:
        owner = pol.choose_owner(model, stay, owner)
    # Accounts a policy steered elsewhere are handed over now; the rest wait for the hire.
    steered = (owner != proposal) & (owner >= 0)
    model.move_accounts(stay[steered], owner[steered], quality=ap.handover_quality,
                        cause="departure")
    wait = ~steered
    model.hold_for_hire(stay[wait], owner[wait], vac[wait])


def lookup(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """``values[i]`` for each ``wanted`` equal to ``keys[i]`` (unique keys, all present), as
    int32: one sorted search instead of a Python loop over accounts."""
    order = np.argsort(keys, kind="stable")
    return np.asarray(values)[order][np.searchsorted(keys[order], wanted)].astype(np.int32)


def hire(model) -> int:
    """Start the replacements whose hiring lag is over."""
    due = [v for v in model.vacancies if v[1] <= model.week]
    if not due or not model.levers.hiring:
        return 0
    if model.levers.peak_freeze and model.cal.peak[model.woy]:
        return 0
    model.vacancies = [v for v in model.vacancies if v[1] > model.week]
    teams = np.array([v[2] for v in due], dtype=np.int32)
    slots = model.add_reps(teams, new_hires=True)
    b = model.book
    vids = np.array([v[0] for v in due])
    waiting = ((b.view("vacancy") >= 0) & b.view("active")).nonzero()[0]
    acc = waiting[np.isin(b.vacancy[waiting], vids)]
    if acc.size:
        owners = lookup(vids, slots, b.vacancy[acc])
        model.move_accounts(acc, owners, quality=model.sc.accounts.handover_quality,
                            cause="departure")
    start_period(model, slots, new_only=True)
    for pol in model.policies:
        pol.on_hire(model, slots)
    return count(model, teams)  # hires of each replication


def new_rep_agents(model, slots: np.ndarray) -> None:
    for s in slots:
        agent = Rep(model, int(s))
        # The serial model's Mesa id: its managers come first, then its reps in slot order.
        # Rules key on it (who is due a review), so it is computed, not read from Mesa.
        model.reps.uid[s] = s // model.R + model.teams_per_repl + 1
        model.rep_agent[int(s)] = agent
