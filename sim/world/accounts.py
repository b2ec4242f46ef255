"""The account book: every client as a row of numpy columns, and the weekly account pass.

Each account has two ties (Palmatier, Scheer & Steenkamp 2007): a *firm tie* (service history,
brand, what the company has on record) and a *personal tie* to the rep who owns it
(``relationship``).  Sales depend on both and on how well the serving rep knows the account
(``familiar``).  A handover keeps the firm tie, starts the new owner's personal tie low and
gives it what the records carry; a departing owner takes its personal tie along.  One
vectorised pass a week updates ties, health, records and backups' knowledge.  No per-account
Python loops.
"""

from __future__ import annotations

import numpy as np

from sim.world.params import AccountParams
from sim.world import replicas, stream_kernels
from sim.world.state import Table
from sim.world.arrays import clamp


class AccountBook(Table):
    COLUMNS = {
        "potential": (np.float64, 0.0),      # currency/year the client could buy
        "difficulty": (np.float64, 0.5),     # [0, 1]
        "owner": (np.int32, -1),             # rep slot, -1 = none
        "backup": (np.int32, -1),            # cross-trained backup rep slot, -1 = none
        "relationship": (np.float64, 0.0),   # [0, 1] personal tie to the current owner
        "firm": (np.float64, 0.0),           # [0, 1] tie to the firm itself
        "familiar": (np.float64, 1.0),       # [0, 1] the serving rep's knowledge of the account
        "backup_know": (np.float64, 0.0),    # [0, 1] what the backup has learnt of the account
        "prev_owner": (np.int32, -1),        # the leaver, while the account waits for a hire
        "prev_firm": (np.float64, 0.0),      # ties at the leaver's departure (for the log)
        "prev_personal": (np.float64, 0.0),
        "left_week": (np.int32, -1),         # week the leaver left
        "recorded": (np.float64, 0.0),       # [0, 1] share of knowledge held by the company
        "health": (np.float64, 0.0),         # [0, 1]
        "active": (np.bool_, False),
        "vacancy": (np.int32, -1),           # vacancy id awaiting a replacement rep
        "rev_annual": (np.float64, 0.0),     # trailing ~52-week revenue (EWMA)
        "revenue_total": (np.float64, 0.0),
        "sales_week": (np.float64, 0.0),
        "hours_week": (np.float64, 0.0),
        "need": (np.float64, 1.0),          # hours/week for full service (fixed)
        "born": (np.int32, 0),
        "ended": (np.int32, -1),
    }

    def new_accounts(self, rng: np.random.Generator | str, p: AccountParams, owners: np.ndarray,
                     week: int, relationship: float, health: float, model=None) -> np.ndarray:
        """Open one account for each of ``owners`` (rep slots); return their rows.

        ``rng`` is a generator (one replication), or the name of a stream, drawn from
        ``model.rstreams``: with ``R > 1`` replications each draws for its own owners, in
        their order, and its accounts go to its next local rows (sim.world.replicas)."""
        R = 1 if model is None else model.R
        if rng.__class__ is str and R == 1:
            rng = model.rstreams[0][rng]
        if R == 1:
            k = len(owners)
            z = rng.standard_normal(k)
            diff = rng.beta(p.difficulty_a, p.difficulty_b, k)
        else:
            owners = np.asarray(owners)  # each replication: normals, then betas (serial order)
            z = replicas.normal(model, rng, owners)
            diff = replicas.beta(model, rng, owners, p.difficulty_a, p.difficulty_b)
        pot = p.potential_median * np.exp(p.potential_sigma * z)
        # (clamp: the values of .clip, in fewer calls; the root is positive, so no -0.0)
        need = p.hours_needed * (0.5 + diff) * clamp(np.sqrt(pot / p.potential_median), 0.5, 3.0)
        values = dict(potential=pot, difficulty=diff, owner=owners, relationship=relationship,
                      firm=p.firm_init, recorded=p.recorded_init, health=health, active=True,
                      born=week, rev_annual=pot * health * 0.5, need=need)
        if R == 1:
            return self.add(len(owners), **values)
        return self.add_strided(owners % R, R, **values)

    def owned(self) -> np.ndarray:
        """Indices of live accounts that have an owner."""
        o = self.owner[: self.n]
        return (self.active[: self.n] & (o >= 0)).nonzero()[0]


# Attention value = potential x (0.3 + health) / (0.5 + difficulty): the floors keep a sick
# account worth some attention and an easy one from dominating (assumption, ODD 8.3).
ATTENTION_FLOORS = (0.3, 0.5)


def attention_weights(book: AccountBook, idx: np.ndarray, health: np.ndarray,
                      focus: float) -> np.ndarray:
    """Unnormalised attention weight of accounts ``idx``: (value of the account) ** focus.

    Value grows with potential and health and falls with difficulty; focus 0 spreads attention
    evenly, a high focus (cherry-picking) piles it on the biggest, easiest accounts.
    """
    value = (book.potential[idx] * (ATTENTION_FLOORS[0] + health)
             / (ATTENTION_FLOORS[1] + book.difficulty[idx]))
    return value ** focus


def update_accounts(book: AccountBook, p: AccountParams, idx: np.ndarray, service: np.ndarray,
                    record_target: np.ndarray, rel: np.ndarray, h: np.ndarray) -> None:
    """Both ties, health and the owner's familiarity build with attention; ties and health
    decay with neglect; recorded knowledge drifts toward the owner's recording target.

    The personal tie builds with the owner's own service.  The firm tie builds with service
    only as far as it is recorded (a history the company keeps) and decays more slowly.
    ``rel`` and ``h`` are the accounts' current personal tie and health (already gathered).
    Every update is a convex combination of values in [0, 1], so all stay in range.
    """
    neglect = 1 - service
    book.relationship[idx] = rel + p.rel_build * service * (1 - rel) - p.rel_decay * neglect * rel
    f = book.firm[idx]
    r = book.recorded[idx]
    book.firm[idx] = f + p.firm_build * service * r * (1 - f) - p.firm_decay * neglect * f
    fam = book.familiar[idx]
    book.familiar[idx] = fam + p.familiar_rate * service * (1 - fam)
    book.health[idx] = h + p.health_build * service * (1 - h) - p.health_decay * neglect * h
    book.recorded[idx] = clamp(r + p.record_rate * (record_target - r), 0, 1)


def tie_factor(book: AccountBook, p: AccountParams, idx: np.ndarray) -> np.ndarray:
    """Share of an account's potential the ties make available: base + firm + personal."""
    return p.tie_base + p.tie_firm * book.firm[idx] + p.tie_personal * book.relationship[idx]


def sales_factor(book: AccountBook, p: AccountParams, idx: np.ndarray) -> np.ndarray:
    """Ties times the serving rep's grip on the account: a rep who knows nothing of it beyond
    the records sells ``unfamiliar_conversion`` of what a rep who knows it fully sells."""
    fam = p.unfamiliar_conversion + (1 - p.unfamiliar_conversion) * book.familiar[idx]
    return tie_factor(book, p, idx) * fam


def learn_backups(book: AccountBook, p: AccountParams, idx: np.ndarray,
                  hours: np.ndarray) -> None:
    """A backup learns an account by the hours it spends on it, and forgets what it does
    not refresh: know += learn (1 - exp(-hours / need)) (1 - know) - forget know.
    Zero hours build nothing."""
    k = book.backup_know[idx]
    gain = p.backup_learn * (1 - np.exp(-hours / book.need[idx])) * (1 - k)
    book.backup_know[idx] = clamp(k + gain - p.backup_forget * k, 0, 1)


def _distinct(x: np.ndarray) -> np.ndarray:
    """``np.unique(x)`` of a fresh 1-D array (sorted in place) in fewer calls."""
    x.sort()
    keep = np.empty(x.size, dtype=bool)
    keep[:1] = True
    np.not_equal(x[1:], x[:-1], out=keep[1:])
    return x[keep]


def _thin(book: AccountBook, p: AccountParams, rng: np.random.Generator, idx: np.ndarray,
          top: float) -> np.ndarray:
    """Positions in ``idx`` of the accounts that churn (ascending)."""
    # Thinning: draw candidates at the highest possible hazard, then accept each with
    # hazard / highest.  Same Bernoulli chances, far fewer random draws than one per account.
    k = rng.binomial(len(idx), min(top, 1.0)) if top > 0 else 0
    cand = _distinct(rng.integers(0, len(idx), k)) if k else np.zeros(0, dtype=np.int64)
    hazard = p.churn_base + p.churn_neglect * (1 - book.health[idx[cand]]) ** 2
    return cand[rng.random(cand.size) * top < hazard]


def _thin_replications(model, p: AccountParams, name: str, idx: np.ndarray,
                       top: float) -> np.ndarray:
    """:func:`_thin` of each replication's accounts of ``idx`` on its own stream ``name``;
    the positions in ``idx`` (ascending).  One compiled pass where the draws run compiled
    (sim.world.replicas), else one numpy thinning per replication."""
    fast = replicas.compiled_draws(model, name, idx)
    if fast is not None:
        (addrs, bitgens), repl = fast
        return stream_kernels.thin_accounts(addrs, bitgens, repl, model.R, idx, model.book.health,
                                            float(top), p.churn_base, p.churn_neglect)
    parts = [pos[_thin(model.book, p, model.rstreams[r][name], idx[pos], top)]
             for r, pos in replicas.split(model, idx)]
    return np.sort(np.concatenate(parts))


def churn(model, p: AccountParams, name: str, idx: np.ndarray,
          week: int) -> tuple[np.ndarray, np.ndarray]:
    """Neglected (unhealthy) accounts of ``idx`` leave, drawn from stream ``name``; return
    the churned indices and their owners.  With ``R > 1`` replications each thins its own
    accounts of ``idx`` as one population, as its serial run does (positions within them)."""
    book = model.book
    top = p.churn_base + p.churn_neglect
    if model.R == 1:
        gone = idx[_thin(book, p, model.rstreams[0][name], idx, top)]
    else:
        gone = idx[_thin_replications(model, p, name, idx, top)]  # in idx order
    owners = book.owner[gone].copy()
    book.active[gone] = False
    book.owner[gone] = -1
    book.ended[gone] = week
    model.refresh()  # the owned accounts changed: no rule may read a stale list of them
    return gone, owners


def follow_probability(book: AccountBook, p: AccountParams, idx: np.ndarray,
                       backup_ok: np.ndarray | None = None,
                       ties: np.ndarray | None = None,
                       backup_known: np.ndarray | None = None) -> np.ndarray:
    """Chance an account follows its departing owner: the personal tie pulls it along, the
    firm tie holds it back, and so does a backup who knows it (cover = that knowledge).
    ``ties`` replaces the true personal ties (a manager's guess: it cannot see them);
    ``backup_known`` is what a valid backup knows of each account (0 where none), if the
    caller has it already."""
    tie = book.relationship[idx] if ties is None else ties
    prob = p.follow_scale * tie * (1 - book.firm[idx])
    if backup_ok is None:
        return prob
    if backup_known is None:
        backup_known = np.where(backup_ok, book.backup_know[idx], 0.0)
    return prob * (1 - backup_known)


def handover_start(book: AccountBook, p: AccountParams, idx: np.ndarray, new_owner: np.ndarray,
                   quality: float) -> tuple[np.ndarray, np.ndarray]:
    """The new owner's personal tie and familiarity on taking over accounts ``idx``.

    The personal tie starts at ``reassign_relationship`` (the client has just met the new
    rep); familiarity is what the records carry (``quality`` x recorded) or, for the account's
    own backup, what it learnt while backing it up, whichever is more.  The firm tie is not
    touched: it belongs to the company.
    """
    carried = quality * book.recorded[idx]
    own_backup = book.backup[idx] == new_owner
    fam = np.maximum(carried, np.where(own_backup, book.backup_know[idx], 0.0))
    return np.full(idx.size, p.reassign_relationship), clamp(fam, 0, 1)


class HandoverLog(Table):
    """One row per handover: an account passing from one keeper to the next (rep slots)."""

    KINDS = ("departure", "rotation", "rebalance", "other")
    COLUMNS = {"week": (np.int32, -1), "account": (np.int64, -1), "kind": (np.int8, -1),
               "old_owner": (np.int32, -1), "new_owner": (np.int32, -1),
               "interim": (np.int32, -1), "left_week": (np.int32, -1),
               "firm_before": (np.float64, np.nan), "firm_after": (np.float64, np.nan),
               "personal_before": (np.float64, np.nan), "personal_after": (np.float64, np.nan)}
