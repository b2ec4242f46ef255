"""Policies that act on who owns what and how pay is shared: rotation, team bonus, favouritism."""

from __future__ import annotations

import numpy as np

from sim.policies.base import Policy
from sim.world.accounts import learn_backups
from sim.world.arrays import among, clamp
from sim.world.replicas import integers, uniform


def rank_within_owner(owner: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank (0 = highest value) of each account within its owner's book, and the book size."""
    order = np.lexsort((-value, owner))
    so = owner[order]
    n = order.size
    starts = np.concatenate(([0], (so[1:] != so[:-1]).nonzero()[0] + 1))
    counts = np.concatenate((starts[1:], [n])) - starts
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - starts.repeat(counts)
    size = np.empty(n, dtype=np.int64)
    size[order] = counts.repeat(counts)
    return rank, size


def random_teammate(model, owners: np.ndarray, stream: str) -> np.ndarray:
    """For each current owner, a different active rep of the same team (itself if alone).

    One draw per team with two or more active members, teams in ascending order, from the
    stream named ``stream``: the owners of team t (in their order in ``owners``) each get the
    member ``shift`` places after their own (in slot order), with shift uniform on
    1 .. members - 1."""
    r = model.reps
    out = owners.copy()
    if owners.size == 0:
        return out
    members, member_team = model.team_rosters()  # grouped by team, slot order
    team_o = r.team[owners]
    order = team_o.argsort(kind="stable")
    # Teams of the owners in ascending order, their owners' first row in ``order`` and count.
    per_team = np.bincount(team_o + 1, minlength=model.n_teams + 1)  # team -1: no team
    teams = per_team.nonzero()[0]
    count = per_team[teams]
    teams -= 1
    first = count.cumsum() - count
    lo = member_team.searchsorted(teams, "left")
    size = member_team.searchsorted(teams, "right") - lo
    pick = size >= 2
    if not np.logical_or.reduce(pick):
        return out
    cnt = count[pick]
    # One call with a bound per owner: the same numbers, in the same order, and the same
    # state afterwards as one call per team (numpy draws them one after another either way).
    t_size = size[pick].repeat(cnt)
    if model.R == 1:
        shift = model.rstreams[0][stream].integers(1, t_size)
    else:
        # Each replication draws for its own owners from its own stream.  A team belongs to
        # replication ``team % R`` and the strided team ids keep each replication's teams in
        # their serial (ascending) order, so its draws come in the serial order; one with no
        # picked team draws nothing, as the serial early return.
        t_team = teams[pick].repeat(cnt)
        shift = integers(model, stream, t_team, 1, t_size)
    # the owners of the picked teams, team by team: runs first .. first + count of ``order``
    csum = cnt.cumsum()
    run_start = (first[pick] - (csum - cnt)).repeat(cnt)
    rows = order[run_start + np.arange(csum[-1])]
    t_lo = lo[pick].repeat(cnt)
    # Position of each owner among its team's members (where it would sort if not one).
    key = member_team.astype(np.int64) * (r.n + 1) + members
    pos = key.searchsorted(team_o[rows].astype(np.int64) * (r.n + 1) + owners[rows]) - t_lo
    out[rows] = members[t_lo + (pos + shift) % t_size]
    return out


def move_top_accounts(model, reps: np.ndarray, share: float, stream: str,
                      kind: str = "account_moved") -> None:
    """Move the largest ``share`` (by trailing revenue) of each rep's book in ``reps`` to a
    random teammate each (drawn from the stream named ``stream``); relationships restart
    from what records carry."""
    b = model.book
    idx = model.owned
    mine = idx[among(b.owner[idx], reps, model.reps.n)]
    if mine.size == 0 or share <= 0:
        return
    rank, size = rank_within_owner(b.owner[mine], b.rev_annual[mine])
    pick = mine[rank < np.ceil(share * size - 1e-9)]
    new = random_teammate(model, b.owner[pick], stream)
    moved = new != b.owner[pick]
    model.move_accounts(pick[moved], new[moved], quality=model.sc.accounts.handover_quality,
                        kind=kind)


def assign_backups(model, accounts: np.ndarray, stream: str) -> None:
    """Give ``accounts`` a backup: a random teammate of the owner (none if it has none),
    drawn from the stream named ``stream``.  A new backup knows nothing of the account yet."""
    b = model.book
    if accounts.size == 0:
        return
    b.backup[accounts] = random_teammate(model, b.owner[accounts], stream)
    b.backup[accounts[b.backup[accounts] == b.owner[accounts]]] = -1
    b.backup_know[accounts] = 0.0


def unbacked(model) -> np.ndarray:
    """Owned accounts with no backup under contract."""
    b, idx = model.book, model.owned
    return idx[(b.backup[idx] < 0) | ~model.reps.active[np.maximum(b.backup[idx], 0)]]


def shadow(model, hours: np.ndarray, idx: np.ndarray) -> None:
    """Backups spend ``hours`` (per account, this week) on accounts ``idx``: the hours come
    out of their own selling time (``shadow_hours``) and build their knowledge."""
    b, r = model.book, model.reps
    if idx.size:
        r.shadow_hours += np.bincount(b.backup[idx], weights=hours, minlength=r.shadow_hours.size)
    learn_backups(b, model.sc.accounts, idx, hours)


def backed(model) -> np.ndarray:
    """Owned accounts whose backup is under contract."""
    b, idx = model.book, model.owned
    ok = b.backup[idx] >= 0
    return idx[ok][model.reps.active[b.backup[idx[ok]]]]


class Rotation(Policy):
    """Periodic account rotation (seed 000): less exclusive control of key relationships."""

    name = "rotation"

    def week_start(self, model):
        p = self.p
        if (model.week + 1) % p.period_weeks == 0:
            self.pending = True
        if not getattr(self, "pending", False):
            return
        if p.avoid_peak and (model.cal.peak[model.woy] or model.cal.lookahead[model.woy] > 0.3):
            return  # postponed until the peak and the run-up to it are over
        self.pending = False
        idx = model.owned
        owner = model.book.owner[idx]
        if p.select == "top":
            value = model.book.potential[idx]
        else:
            value = uniform(model, self.name, idx)  # one per owned account, per replication
        rank, size = rank_within_owner(owner, value)
        pick = idx[rank < np.ceil(p.share * size - 1e-9)]
        if pick.size == 0:
            return
        new = random_teammate(model, model.book.owner[pick], self.name)
        moved = pick[new != model.book.owner[pick]]
        # A planned handover means writing things down: the company's record of each
        # rotated account grows before the new owner takes over.
        rec = model.book.recorded[moved]
        model.book.recorded[moved] = rec + 0.5 * p.handover_quality * (1 - rec)
        model.move_accounts(moved, new[new != model.book.owner[pick]], quality=p.handover_quality,
                            kind="rotation", cause="rotation")


class TeamBonus(Policy):
    """A pool of variable pay paid on the team's result (seeds 000, 002).

    Shared pay gives teammates a reason to learn each other's accounts: where a rep's pool
    has teammates, each of its accounts gets a teammate backup who spends ``cover_hours`` a
    week on it.  That cover exists only as far as this time has built it, and the hours are
    not spent selling.  With a pool share of 0, or no teammate, there is no cover.
    """

    name = "team_bonus"

    def setup(self, model):
        p = self.p
        model.plan.pool_share, model.plan.scope, model.plan.split = p.pool_share, p.scope, p.split
        self.covering = p.pool_share > 0 and p.cover_hours > 0
        if self.covering:
            model.levers.backups = True
            self.on_new_accounts(model, unbacked(model))

    def on_new_accounts(self, model, accounts):
        if self.covering:
            b = model.book
            assign_backups(model, accounts[b.backup[accounts] < 0], self.name)

    def week_start(self, model):
        if self.covering and model.week % 13 == 0:
            assign_backups(model, unbacked(model), self.name)

    def after_hours(self, model, ledger):
        if not self.covering:
            return
        idx = backed(model)
        mates = model.pool_group_size(model.book.owner[idx]) > 1
        shadow(model, np.full(idx.size, self.p.cover_hours) * mates, idx)


class Favouritism(Policy):
    """Managers steer good accounts to reps they have personal ties with (seed 004).

    Nothing is charged for favouritism as such: teammates see each account steered to a
    favourite (its value as a share of the team's book, ``seen_steered``) and their fairness
    moves with what they saw (``behaviour.steer_fairness``).  With a skip-level mentor, the
    rep who would have had the account can appeal; a reviewed steering is reversed, so it
    goes to the rep it was meant for and nobody sees an unfair decision stand."""

    name = "favouritism"

    def setup(self, model):
        self._mark(model, model.active)

    def on_hire(self, model, slots):
        self._mark(model, slots)

    def _mark(self, model, slots):
        r = model.reps
        r.favoured[slots] = uniform(model, self.name, slots) < self.p.share_favoured
        r.mentor[slots] = self.p.skip_level_mentor

    def choose_owner(self, model, accounts, owners):
        r, b, p = model.reps, model.book, self.p
        R = model.R
        rng = model.rstreams[0][self.name]
        good = b.potential[accounts] > model.sc.accounts.potential_median
        steer = good & (uniform(model, self.name, accounts) < p.steer)
        out = owners.copy()
        todo = steer.nonzero()[0]
        if todo.size == 0:
            return out
        teams = TeamBooks(model)  # members and books by team: the loop below only reads them
        # At R > 1 the loop runs over all replications' accounts in the order of ``accounts``
        # (interleaved, each replication's in its serial order and after all of its uniforms
        # above); each scalar draw comes from the stream of the account's own replication, and
        # a team (so its favourites) belongs to one replication.
        for i in todo:
            if owners[i] < 0 or r.favoured[owners[i]]:
                continue
            team = r.team[owners[i]]
            members = teams.members(team)
            favs = members[r.favoured[members]]
            if favs.size == 0:
                continue
            if R > 1:
                rng = model.rstreams[accounts[i] % R][self.name]
            fav = favs[rng.integers(favs.size)]
            if p.skip_level_mentor and rng.random() < p.appeal_rate:
                model.events.log(model.week, "manager_action", owners[i], accounts[i], value=-1)
                continue  # appealed and reviewed: the steering is reversed
            out[i] = fav
            # Teammates other than the favourite see the steering, as a share of the book.
            saw = members[members != fav]
            share = b.potential[accounts[i]] / max(teams.book(team), 1e-9)
            r.seen_steered[saw] = clamp(r.seen_steered[saw] + share, 0, 1)
        return out


class TeamBooks:
    """Each team's active members (in the order of ``model.active``) and the summed potential
    of the accounts they own (pairwise, in the order of ``model.owned``), grouped once rather
    than searched for each account (a search scans every replication's reps at R > 1)."""

    def __init__(self, model):
        self.model = model
        team = model.reps.team
        a = model.active
        self.by_team = a[np.argsort(team[a], kind="stable")]
        self.team_sorted = team[self.by_team]
        self._books: dict[int, float] = {}
        self._rows = None

    def members(self, team) -> np.ndarray:
        lo, hi = self.team_sorted.searchsorted([team, team + 1])
        return self.by_team[lo:hi]

    def book(self, team) -> float:
        got = self._books.get(team)
        if got is None:
            if self._rows is None:  # owned accounts by their owner's team, in idx order
                r, b, idx = self.model.reps, self.model.book, self.model.owned
                member = np.zeros(r.n + 1, dtype=bool)  # (the last entry answers for -1)
                member[self.model.active] = True
                own = b.owner[idx]
                acc_team = np.where(member[own], r.team[own], -1)
                order = np.argsort(acc_team, kind="stable")
                self._rows, self._row_team = idx[order], acc_team[order]
            lo, hi = self._row_team.searchsorted([team, team + 1])
            got = self._books[team] = np.add.reduce(self.model.book.potential[self._rows[lo:hi]])
        return got
