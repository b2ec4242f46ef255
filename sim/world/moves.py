"""What rules and policies do to the organisation: hand accounts over, hold a leaver's
accounts for its replacement, pick interim owners, open vacancies, end slumps.

A mixin of :class:`sim.world.model.SalesModel`.  Events log serial (local) rep numbers in
their ``value`` so that a stacked model's log splits into its replications' logs as they are
(sim.world.replicas).
"""

from __future__ import annotations

import numpy as np

from sim.world.accounts import HandoverLog, handover_start
from sim.world.replicas import integers, local, uniform


class OrgMoves:
    """Account moves, interim owners, vacancies and slump fixes (uses the model's tables)."""

    def move_accounts(self, accounts, owners, quality: float, kind: str = "account_moved",
                      cause: str = "other"):
        """Hand ``accounts`` over to ``owners`` (one handover each): the firm tie stays, the
        new owner's personal tie starts low and its familiarity is what the records carry."""
        b = self.book
        if len(accounts) == 0:
            return
        accounts = np.asarray(accounts)
        owners = np.broadcast_to(np.asarray(owners, dtype=np.int32), accounts.shape)
        waiting = b.prev_owner[accounts] >= 0  # handed over by a leaver, held by an interim
        old = np.where(waiting, b.prev_owner[accounts], b.owner[accounts])
        firm0 = np.where(waiting, b.prev_firm[accounts], b.firm[accounts])
        pers0 = np.where(waiting, b.prev_personal[accounts], b.relationship[accounts])
        interim = np.where(waiting, b.owner[accounts], -1)
        left = np.where(waiting, b.left_week[accounts], -1)
        b.relationship[accounts], b.familiar[accounts] = handover_start(
            b, self.sc.accounts, accounts, owners, quality)
        b.owner[accounts] = owners
        b.backup[accounts] = np.where(b.backup[accounts] == owners, -1, b.backup[accounts])
        b.backup_know[accounts] = np.where(b.backup[accounts] < 0, 0.0, b.backup_know[accounts])
        b.prev_owner[accounts] = -1
        b.vacancy[accounts] = -1
        self.events.log(self.week, kind, owners, accounts, local(self, old))
        self.handovers.add(accounts.size, week=self.week, account=accounts,
                           kind=HandoverLog.KINDS.index(cause), old_owner=old,
                           new_owner=owners, interim=interim, left_week=left,
                           firm_before=firm0, firm_after=b.firm[accounts],
                           personal_before=pers0, personal_after=b.relationship[accounts])
        self.refresh()

    def hold_for_hire(self, accounts, interim, vacancy) -> None:
        """Accounts of a leaver wait for its replacement, served meanwhile by ``interim`` with
        the interim's own attention.  This is not a handover: the leaver took its personal tie,
        the interim builds its own from zero, and the handover to the hire happens once."""
        b = self.book
        if len(accounts) == 0:
            return
        b.prev_owner[accounts] = b.owner[accounts]
        b.prev_firm[accounts] = b.firm[accounts]
        b.prev_personal[accounts] = b.relationship[accounts]
        b.left_week[accounts] = self.week
        b.relationship[accounts] = 0.0
        _, b.familiar[accounts] = handover_start(b, self.sc.accounts, accounts, interim,
                                                 self.sc.accounts.handover_quality)
        b.owner[accounts] = interim
        b.vacancy[accounts] = vacancy
        b.backup[accounts] = np.where(b.backup[accounts] == interim, -1, b.backup[accounts])
        b.backup_know[accounts] = np.where(b.backup[accounts] < 0, 0.0, b.backup_know[accounts])
        self.events.log(self.week, "account_moved", interim, accounts,
                        local(self, b.prev_owner[accounts]))
        self.refresh()

    def interim_owner(self, accounts: np.ndarray, leaving: np.ndarray) -> np.ndarray:
        """Who serves each account of a leaver until the hire: its backup when it has one
        still under contract, else a random active teammate (-1 if the team is empty)."""
        r, b = self.reps, self.book
        out = np.full(len(leaving), -1, dtype=np.int32)
        if len(leaving):
            # Team by team in ascending order, each account a uniform member of its team: one
            # call with a bound per account draws what one call per team would, in that order.
            team_l = r.team[leaving]
            order = team_l.argsort(kind="stable")
            members, member_team = self.team_rosters()
            lo = member_team.searchsorted(team_l[order], "left")
            size = member_team.searchsorted(team_l[order], "right") - lo
            has = size > 0
            if has.any():
                bound = size[has]
                pick = integers(self, "handover", team_l[order][has], 0, bound)
                out[order[has]] = members[lo[has] + pick]
        bk = b.backup[accounts]
        ok = (bk >= 0) & r.active[np.maximum(bk, 0)]
        return np.where(ok, bk, out).astype(np.int32)

    def team_rosters(self) -> tuple[np.ndarray, np.ndarray]:
        """Active reps grouped by team (teams ascending, slot order within a team), and the
        team of each: a team's members are one run, found by ``searchsorted`` on the teams."""
        a = self.active
        team_a = self.reps.team[a]
        by_team = team_a.argsort(kind="stable")
        return a[by_team], team_a[by_team]

    def open_vacancy(self, team: int) -> int:
        """A vacancy in ``team``; its id is the replication's running number (strided)."""
        r = team % self.R
        vid = int(self._next_vacancy[r]) * self.R + r
        self._next_vacancy[r] += 1
        self.vacancies.append((vid, self.week + self.levers.hiring_lag, team))
        return vid

    def slump_fix(self, slots: np.ndarray, prob) -> None:
        """A manager who finds a slump's cause helps end it (seed 003)."""
        fixed = slots[(self.reps.slump[slots] > 0) & (uniform(self, "support", slots) < prob)]
        self.reps.slump_left[fixed] = 0
        self.reps.slump[fixed] = 0

