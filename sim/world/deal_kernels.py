"""Compiled passes over the open deals (sim.world.pipeline): follow, advance, compact.

A week starts by dropping the deals whose account churned, left or lost its owner, then
reads each remaining deal's account (its position among the owned accounts, its owner, the
service it got) and moves its work forward; it ends by dropping the deals that closed or
lapsed.  On the numpy path that is a position map, two gathers of it, a mask, its
``nonzero`` and one gather per column, each a pass over every deal.  These kernels do each
end in one pass, with the same integer moves and the same one float addition per deal, so
both paths give the same values bit for bit (tests/test_kernels.py, tests/test_replicas.py).
New deals of R replications side by side are found in one pass over the kept tables too
(:func:`arrivals_stacked`).

Columns are passed in the order of ``Opportunities.COLUMNS`` (``DEAL_COLUMNS`` below; the
pipeline checks the two agree when it is imported).
"""

from __future__ import annotations

import numpy as np

from sim.world import table_kernels
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


@_jit
def arrivals_stacked(idx, R, p, u_rows, z_rows, offset, next_uid):
    """sim.world.pipeline.Pipeline.arrive at R > 1 with the tables kept (draw_tables.Stacked):
    account ``idx[j]`` (replication ``idx[j] % R``, local row ``idx[j] // R``) opens a deal
    when its uniform is below ``p``; it takes the normal at the same place of its
    replication's table, and the next running number of its replication (``next_uid`` is
    moved on).  Returns the positions in ``idx`` of the new deals, their normals and uids."""
    size = u_rows.shape[1]
    new = np.empty(idx.size, dtype=np.int64)
    z = np.empty(idx.size)
    uid = np.empty(idx.size, dtype=np.int64)
    m = 0
    for j in range(idx.size):
        r = idx[j] % R
        at = table_kernels.wrap(offset[r], idx[j] // R, size)
        if u_rows[r, at] < p:
            new[m] = j
            z[m] = z_rows[r, at]
            uid[m] = next_uid[r]
            next_uid[r] += 1
            m += 1
    return new[:m], z[:m], uid[:m]
