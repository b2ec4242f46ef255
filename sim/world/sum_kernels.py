"""Compiled per-replication sums that round exactly as numpy's ``np.add.reduce``.

A serial model sums a float column with ``np.add.reduce``, which adds pairwise: below 8
values one after another, up to 128 in eight running partial sums combined as a tree, and
above that the two halves (cut at a multiple of 8) summed apart and then added; the result
starts from 0.0 (which only turns a -0.0 into 0.0).  R replications side by side must sum
each replication's values in exactly that way (sim.world.replicas.total), and this kernel
does so for all of them in one pass instead of one numpy call each.
``tests/test_stream_kernels.py`` compares it with numpy on many lengths and signs.  The
medians of each replication's values (:func:`medians_by_replication`) come from sorted
copies too, as ``sim.world.compensation._median`` takes them.
"""

from __future__ import annotations

import numpy as np

from sim.world.kernels import _jit

PAIRWISE_BLOCK = 128  # numpy's PW_BLOCKSIZE: the longest run summed in partial sums
PAIRWISE_LANES = 8  # numpy's partial sums in a block (and the unit its halves are cut at)


@_jit
def pairwise(a, lo, n):
    """numpy's pairwise sum of ``a[lo:lo + n]``."""
    if n < PAIRWISE_LANES:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    if n <= PAIRWISE_BLOCK:
        r = a[lo:lo + PAIRWISE_LANES].copy()
        i = PAIRWISE_LANES
        end = n - n % PAIRWISE_LANES
        while i < end:
            for j in range(PAIRWISE_LANES):
                r[j] += a[lo + i + j]
            i += PAIRWISE_LANES
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n:
            res += a[lo + i]
            i += 1
        return res
    half = n // 2
    half -= half % PAIRWISE_LANES
    return pairwise(a, lo, half) + pairwise(a, lo + half, n - half)


@_jit
def _by_replication(values, repl, R):
    """The values grouped by replication (``repl``), each group in their order, and where
    each group starts (``start[r]`` to ``start[r + 1]``)."""
    counts = np.zeros(R + 1, dtype=np.int64)
    for i in range(repl.size):
        counts[repl[i] + 1] += 1
    start = np.cumsum(counts)
    at = start[:R].copy()
    grouped = np.empty(values.size)
    for i in range(values.size):
        r = repl[i]
        grouped[at[r]] = values[i]
        at[r] += 1
    return grouped, start


@_jit
def sums_by_replication(values, repl, R):
    """``np.add.reduce`` of the values of each replication (``repl``), in their order."""
    grouped, start = _by_replication(values, repl, R)
    out = np.empty(R)
    for r in range(R):
        out[r] = 0.0 + pairwise(grouped, start[r], start[r + 1] - start[r])
    return out


@_jit
def medians_by_replication(values, repl, R, wanted):
    """sim.world.compensation._median of the values of each replication ``r`` with
    ``wanted[r]`` (0.0 for the others and for one with no values): the middle of its sorted
    values, or the sum of the middle two over 2; NaN if it has a NaN (sorted last)."""
    grouped, start = _by_replication(values, repl, R)
    out = np.zeros(R)
    for r in range(R):
        n = start[r + 1] - start[r]
        if not wanted[r] or n == 0:
            continue
        srt = np.sort(grouped[start[r]:start[r + 1]])
        h = n // 2
        if srt[n - 1] != srt[n - 1]:
            out[r] = srt[n - 1]
        elif n % 2:
            out[r] = srt[h]
        else:
            out[r] = (srt[h - 1] + srt[h]) / 2
    return out
