"""The account book: every client as a row of numpy columns, and the weekly market pass.

One vectorised pass a week turns the reps' attention into sales, relationship, health and
recorded knowledge, then applies churn.  No per-account Python loops.
"""

from __future__ import annotations

import numpy as np

from sim.world.params import AccountParams
from sim.world.state import Table


class AccountBook(Table):
    COLUMNS = {
        "potential": (np.float64, 0.0),      # currency/year the client could buy
        "difficulty": (np.float64, 0.5),     # [0, 1]
        "owner": (np.int32, -1),             # rep slot, -1 = none
        "backup": (np.int32, -1),            # cross-trained backup rep slot, -1 = none
        "relationship": (np.float64, 0.0),   # [0, 1] with the current owner
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

    def new_accounts(self, rng: np.random.Generator, p: AccountParams, owners: np.ndarray,
                     week: int, relationship: float, health: float) -> np.ndarray:
        k = len(owners)
        pot = p.potential_median * np.exp(p.potential_sigma * rng.standard_normal(k))
        diff = rng.beta(p.difficulty_a, p.difficulty_b, k)
        need = p.hours_needed * (0.5 + diff) * np.sqrt(pot / p.potential_median).clip(0.5, 3.0)
        return self.add(k, potential=pot, difficulty=diff, owner=owners, relationship=relationship,
                        recorded=p.recorded_init, health=health, active=True, born=week,
                        rev_annual=pot * health * 0.5, need=need)

    def owned(self) -> np.ndarray:
        """Indices of live accounts that have an owner."""
        o = self.owner[: self.n]
        return np.flatnonzero(self.active[: self.n] & (o >= 0))


def attention_weights(book: AccountBook, idx: np.ndarray, health: np.ndarray,
                      focus: float) -> np.ndarray:
    """Unnormalised attention weight of accounts ``idx``: (value of the account) ** focus.

    Value grows with potential and health and falls with difficulty; focus 0 spreads attention
    evenly, a high focus (cherry-picking) piles it on the biggest, easiest accounts.
    """
    value = book.potential[idx] * (0.3 + health) / (0.5 + book.difficulty[idx])
    return value ** focus


def cherry_keep_mask(book: AccountBook, idx: np.ndarray, picker: np.ndarray,
                     keep_share: float) -> np.ndarray:
    """True for accounts kept: all accounts of non-pickers, the best ``keep_share`` of pickers'."""
    keep = np.ones(len(idx), dtype=bool)
    sel = np.flatnonzero(picker[book.owner[idx]])
    if sel.size == 0:
        return keep
    owners = book.owner[idx[sel]]
    value = book.potential[idx[sel]] * (0.3 + book.health[idx[sel]]) / (0.5 + book.difficulty[idx[sel]])
    order = np.lexsort((-value, owners))
    sorted_owner = owners[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_owner)) + 1]
    counts = np.diff(np.r_[starts, len(order)])
    rank = np.arange(len(order)) - np.repeat(starts, counts)
    limit = np.repeat(np.maximum(1, np.ceil(keep_share * counts)), counts)
    kept_sorted = rank < limit
    kept = np.empty(len(order), dtype=bool)
    kept[order] = kept_sorted
    keep[sel] = kept
    return keep


def update_accounts(book: AccountBook, p: AccountParams, idx: np.ndarray, service: np.ndarray,
                    record_target: np.ndarray, rel: np.ndarray, h: np.ndarray) -> None:
    """Relationship and health build with attention and decay with neglect; recorded
    knowledge drifts toward the owner's recording target (per account).

    ``rel`` and ``h`` are the accounts' current relationship and health (already gathered).
    Both updates are convex combinations of values in [0, 1], so they stay in range.
    """
    neglect = 1 - service
    book.relationship[idx] = rel + p.rel_build * service * (1 - rel) - p.rel_decay * neglect * rel
    book.health[idx] = h + p.health_build * service * (1 - h) - p.health_decay * neglect * h
    r = book.recorded[idx]
    book.recorded[idx] = np.clip(r + p.record_rate * (record_target - r), 0, 1)


def churn(book: AccountBook, p: AccountParams, rng: np.random.Generator, idx: np.ndarray,
          week: int) -> tuple[np.ndarray, np.ndarray]:
    """Neglected (unhealthy) accounts leave; return the churned indices and their owners."""
    # Thinning: draw candidates at the highest possible hazard, then accept each with
    # hazard / highest.  Same Bernoulli chances, far fewer random draws than one per account.
    top = p.churn_base + p.churn_neglect
    k = rng.binomial(len(idx), min(top, 1.0)) if top > 0 else 0
    cand = np.unique(rng.integers(0, len(idx), k)) if k else np.zeros(0, dtype=np.int64)
    hazard = p.churn_base + p.churn_neglect * (1 - book.health[idx[cand]]) ** 2
    gone = idx[cand[rng.random(cand.size) * top < hazard]]
    owners = book.owner[gone].copy()
    book.active[gone] = False
    book.owner[gone] = -1
    book.ended[gone] = week
    return gone, owners


def follow_probability(book: AccountBook, p: AccountParams, idx: np.ndarray,
                       ties: np.ndarray | None = None) -> np.ndarray:
    """Chance an account follows its departing owner: rises with the rep-owned relationship,
    falls with what the company has recorded, and falls when a trained backup knows it.
    ``ties`` replaces the true relationships (a manager's guess, which cannot see them)."""
    tie = book.relationship[idx] if ties is None else ties
    prob = p.follow_scale * tie * (1 - book.recorded[idx])
    return prob * np.where(book.backup[idx] >= 0, 0.4, 1.0)


def handover_relationship(book: AccountBook, p: AccountParams, idx: np.ndarray,
                          quality: float) -> np.ndarray:
    """Starting relationship for a new owner: a floor plus what the records carry over."""
    carried = quality * book.recorded[idx] * book.relationship[idx]
    backed = np.where(book.backup[idx] >= 0, 0.5 * book.relationship[idx], 0.0)
    return np.clip(p.reassign_relationship + np.maximum(carried, backed), 0, 1)
