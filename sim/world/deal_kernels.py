"""Compiled passes over the open deals (sim.world.pipeline): follow, advance, compact.

A week starts by dropping the deals whose account churned, left or lost its owner, then
reads each remaining deal's account (its position among the owned accounts, its owner, the
service it got) and moves its work forward; it ends by dropping the deals that closed or
lapsed.  On the numpy path that is a position map, two gathers of it, a mask, its
``nonzero`` and one gather per column, each a pass over every deal.  These kernels do each
end in one pass, with the same integer moves and the same one float addition per deal, so
both paths give the same values bit for bit (tests/test_kernels.py, tests/test_replicas.py).

Columns are passed in the order of ``Opportunities.COLUMNS`` (``DEAL_COLUMNS`` below; the
pipeline checks the two agree when it is imported).
"""

from __future__ import annotations

import numpy as np

from sim.world.kernels import _jit

DEAL_COLUMNS = ("uid", "account", "size", "p_win", "progress", "speed", "born", "hold",
                "pulled")


@_jit
def _move(j, w, uid, account, size, p_win, progress, speed, born, hold, pulled):
    """Row ``j`` of every column to row ``w`` (``w <= j``)."""
    uid[w] = uid[j]
    account[w] = account[j]
    size[w] = size[j]
    p_win[w] = p_win[j]
    progress[w] = progress[j]
    speed[w] = speed[j]
    born[w] = born[j]
    hold[w] = hold[j]
    pulled[w] = pulled[j]


@_jit
def advance_deals(n, idx, n_book, own, service, R, uid, account, size, p_win, progress,
                  speed, born, hold, pulled):
    """Keep (in order, in place) the first ``n`` deals whose account is in ``idx`` (the
    owned accounts, ascending); for each kept deal set ``speed`` to its account's service
    and add it to ``progress``.  Return the number kept and, per kept deal, its account's
    position in ``idx``, the account's owner, and its replication (``account % R``)."""
    pos = np.full(n_book, -1, dtype=np.int64)
    for i in range(idx.size):
        pos[idx[i]] = i
    k = np.empty(n, dtype=np.int64)
    owner = np.empty(n, dtype=own.dtype)
    repl = np.empty(n, dtype=np.int64)
    w = 0
    for j in range(n):
        p = pos[account[j]]
        if p < 0:
            continue
        if w != j:
            _move(j, w, uid, account, size, p_win, progress, speed, born, hold, pulled)
        k[w] = p
        owner[w] = own[p]
        s = service[p]
        speed[w] = s
        progress[w] += s
        repl[w] = account[w] % R
        w += 1
    return w, k[:w], owner[:w], repl[:w]


@_jit
def compact_deals(keep, uid, account, size, p_win, progress, speed, born, hold, pulled):
    """Keep (in order, in place) the deals where ``keep`` is True; return how many."""
    w = 0
    for j in range(keep.size):
        if keep[j]:
            if w != j:
                _move(j, w, uid, account, size, p_win, progress, speed, born, hold, pulled)
            w += 1
    return w
