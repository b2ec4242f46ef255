"""The account book: every client as a row of numpy columns, and the weekly market pass.

One vectorised pass a week turns the reps' attention into sales, relationship, health and
recorded knowledge, then applies churn.  No per-account Python loops.
"""

from __future__ import annotations

import numpy as np

from .params import AccountParams
from .state import Table


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
        "born": (np.int32, 0),
        "ended": (np.int32, -1),
    }

    def new_accounts(self, rng: np.random.Generator, p: AccountParams, owners: np.ndarray,
                     week: int, relationship: float, health: float) -> np.ndarray:
        k = len(owners)
        pot = p.potential_median * np.exp(p.potential_sigma * rng.standard_normal(k))
        diff = rng.beta(p.difficulty_a, p.difficulty_b, k)
        return self.add(k, potential=pot, difficulty=diff, owner=owners, relationship=relationship,
                        recorded=p.recorded_init, health=health, active=True, born=week,
                        rev_annual=pot * health * 0.5)

    def owned(self) -> np.ndarray:
        """Indices of live accounts that have an owner."""
        o = self.owner[: self.n]
        return np.flatnonzero(self.active[: self.n] & (o >= 0))


def need_hours(book: AccountBook, p: AccountParams, idx: np.ndarray) -> np.ndarray:
    """Hours a week each account needs for full conversion (harder accounts need more)."""
    return p.hours_needed * (0.5 + book.difficulty[idx]) * np.sqrt(
        book.potential[idx] / p.potential_median).clip(0.5, 3.0)


def attention_weights(book: AccountBook, idx: np.ndarray, focus: np.ndarray,
                      keep_mask: np.ndarray) -> np.ndarray:
    """Unnormalised attention weight of each owned account under its owner's focus.

    ``focus`` is per account (the owner's exponent); ``keep_mask`` drops accounts a
    cherry-picking owner has chosen to ignore.
    """
    value = book.potential[idx] * (0.3 + book.health[idx]) / (0.5 + book.difficulty[idx])
    w = np.exp(focus * np.log(value))
    return np.where(keep_mask, w, 0.0)


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
                    record_target: np.ndarray) -> None:
    """Relationship and health build with attention and decay with neglect; recorded
    knowledge drifts toward the owner's recording target (per account)."""
    rel = book.relationship[idx]
    book.relationship[idx] = np.clip(
        rel + p.rel_build * service * (1 - rel) - p.rel_decay * (1 - service) * rel, 0, 1)
    h = book.health[idx]
    book.health[idx] = np.clip(
        h + p.health_build * service * (1 - h) - p.health_decay * (1 - service) * h, 0, 1)
    r = book.recorded[idx]
    book.recorded[idx] = np.clip(r + p.record_rate * (record_target - r), 0, 1)


def churn(book: AccountBook, p: AccountParams, rng: np.random.Generator, idx: np.ndarray,
          week: int) -> tuple[np.ndarray, np.ndarray]:
    """Neglected (unhealthy) accounts leave; return the churned indices and their owners."""
    hazard = p.churn_base + p.churn_neglect * (1 - book.health[idx]) ** 2
    gone = idx[rng.random(len(idx)) < hazard]
    owners = book.owner[gone].copy()
    book.active[gone] = False
    book.owner[gone] = -1
    book.ended[gone] = week
    return gone, owners


def follow_probability(book: AccountBook, p: AccountParams, idx: np.ndarray) -> np.ndarray:
    """Chance an account follows its departing owner: rises with the rep-owned relationship,
    falls with what the company has recorded, and falls when a trained backup knows it."""
    prob = p.follow_scale * book.relationship[idx] * (1 - book.recorded[idx])
    return prob * np.where(book.backup[idx] >= 0, 0.4, 1.0)


def handover_relationship(book: AccountBook, p: AccountParams, idx: np.ndarray,
                          quality: float) -> np.ndarray:
    """Starting relationship for a new owner: a floor plus what the records carry over."""
    carried = quality * book.recorded[idx] * book.relationship[idx]
    backed = np.where(book.backup[idx] >= 0, 0.5 * book.relationship[idx], 0.0)
    return np.clip(p.reassign_relationship + np.maximum(carried, backed), 0, 1)
