"""Replications side by side: R runs of one scenario stepped as one model (issue 19 item 4).

A model of ``R`` replications keeps every table stacked with a *strided* layout: the row of
local number ``i`` (rep slot, account row, team) of replication ``r`` is ``i * R + r``.  Rows
keep their numbers when a table grows, each replication's rows keep their serial order in any
sorted index array (``model.active``, ``model.owned``), and ``row // R`` gives back the number
the serial model with that replication's seed would use.  With ``R = 1`` every row is its own
local number and every helper below is the plain serial call.

Replication ``r`` draws only from its own generators (``model.rstreams[r]``), in the serial
order of the draw sites, so each replication is bit-identical to the serial run of its seed:
``tests/test_replicas.py`` checks that on the shipped scenarios.  Float sums that the serial
model does pairwise (``np.add.reduce``) are done on each replication's contiguous copy, never
by a ``bincount`` (which sums sequentially and rounds differently).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.world import kernels, stream_kernels, sum_kernels

_ALL = slice(None)


def split(model, rows: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """``(r, positions)`` for every replication: where in ``rows`` (global numbers) the rows
    of replication ``r`` are, in their order.  Every replication is listed, empty ones too."""
    return _split(model, rows)[0]


def _split(model, rows) -> tuple[list[tuple[int, np.ndarray]], np.ndarray]:
    """:func:`split`, and every replication's positions one after another (one array)."""
    cache = model.split_cache  # index arrays are split many times a week (active reps...)
    hit = cache.get(id(rows))
    if hit is not None and hit[0] is rows:
        return hit[1]
    R = model.R
    rep = replication_of(model, np.asarray(rows))
    order = np.argsort(rep, kind="stable")  # (a radix sort on one-byte keys)
    n = np.bincount(rep, minlength=R)
    hi = np.cumsum(n)
    lo = hi - n
    out = [(r, order[lo[r]:hi[r]]) for r in range(R)], order
    if isinstance(rows, np.ndarray):
        cache[id(rows)] = (rows, out)  # (holding ``rows``: its id is not reused meanwhile)
    return out


def replication_of(model, rows: np.ndarray) -> np.ndarray:
    """``rows % R`` as small integers, read from a table (faster than integer division).
    Rows are rep slots or account rows, so the table covers both tables' capacities (no
    scan of ``rows`` for its largest; a row beyond them would raise IndexError)."""
    lut = model.__dict__.get("_repl_lut")
    book = model.__dict__.get("book")  # (not built yet while the first reps are drawn)
    top = max(model.reps.capacity, 0 if book is None else book.capacity)
    if lut is None or lut.size < top:
        size = max(top, 1024, 0 if lut is None else 2 * lut.size)
        dtype = np.uint8 if model.R < 256 else np.int64
        lut = model.__dict__["_repl_lut"] = (np.arange(size) % model.R).astype(dtype)
    return lut[rows]


def generators(model, name: str) -> list:
    """The generator of stream ``name`` of every replication, in replication order."""
    gens = model.__dict__.setdefault("_stream_lists", {})
    out = gens.get(name)
    if out is None:
        out = gens[name] = [s[name] for s in model.rstreams]
    return out


def draw(model, name: str, rows, fn: Callable, size: int | None = None) -> np.ndarray:
    """Draws for ``rows`` from stream ``name``: ``fn(generator, sel, k)`` returns replication
    ``r``'s draws for its ``k`` rows (``sel`` selects them in per-row arguments; the last axis
    of the result runs over the rows).  Replications draw in turn, each from its own stream,
    and the values are put back in the order of ``rows``."""
    if model.R == 1:
        n = len(rows) if size is None else size
        return fn(model.rstreams[0][name], _ALL, n)
    gens = generators(model, name)
    parts, order = _split(model, rows)
    # A replication with no rows draws nothing (a size-0 draw leaves a stream where it is).
    values = [fn(gens[r], pos, pos.size) for r, pos in parts if pos.size]
    if not values:
        r, pos = parts[0]
        return fn(gens[r], pos, 0)  # (its shape and type, with no draws)
    out = np.empty_like(values[0], shape=np.shape(values[0])[:-1] + (len(rows),))
    out[..., order] = np.concatenate(values, axis=-1)  # one scatter for all replications
    return out


def uniform(model, name: str, rows, lead: int | None = None) -> np.ndarray:
    """One uniform on [0, 1) per row from stream ``name``; with ``lead``, a block of
    ``lead`` rows of them (``g.random((lead, k))`` in each replication)."""
    return _block(model, name, rows, lead, "random")


def normal(model, name: str, rows, lead: int | None = None) -> np.ndarray:
    """One standard normal per row from stream ``name`` (with ``lead``, a block of rows of
    them: ``g.standard_normal((lead, k))`` in each replication)."""
    return _block(model, name, rows, lead, "standard_normal")


#: The compiled draws of a block, by generator method: (kernel name, row of the addresses).
_BLOCK_KERNELS = {"random": ("stream_uniforms", 0), "standard_normal": ("stream_normals", 1)}


def _block(model, name: str, rows, lead: int | None, method: str) -> np.ndarray:
    """``g.<method>(k)`` (or ``((lead, k))``) for the rows of each replication: one compiled
    pass for every replication where it runs, else one numpy call each."""
    fast = compiled_draws(model, name, rows)
    if fast is not None:
        kernel, which = _BLOCK_KERNELS[method]
        out = np.empty((1 if lead is None else lead, len(rows)))
        getattr(stream_kernels, kernel)(fast[0][which], fast[1], out)
        return out[0] if lead is None else out
    if lead is None:
        return draw(model, name, rows, lambda g, sel, k: getattr(g, method)(k))
    return draw(model, name, rows, lambda g, sel, k: getattr(g, method)((lead, k)))


def poisson(model, name: str, rows, lam: np.ndarray) -> np.ndarray:
    """One Poisson count per row from stream ``name``, at the row's mean ``lam``."""
    fast = compiled_draws(model, name, rows)
    if fast is not None:
        out = np.empty(len(rows), dtype=np.int64)
        stream_kernels.stream_poisson(fast[0][1], fast[1],
                                      np.asarray(lam, dtype=np.float64), out)
        return out
    return draw(model, name, rows, lambda g, sel, _: g.poisson(lam[sel]))


def beta(model, name: str, rows, a: float, b: float) -> np.ndarray:
    """One Beta(a, b) draw per row from stream ``name`` (``g.beta(a, b, k)``)."""
    fast = compiled_draws(model, name, rows)
    if fast is not None:
        out = np.empty(len(rows))
        stream_kernels.stream_beta(fast[0][1], fast[1], float(a), float(b), out)
        return out
    return draw(model, name, rows, lambda g, sel, k: g.beta(a, b, k))


def geometric(model, name: str, rows, p: float) -> np.ndarray:
    """One geometric count (trials to the first success at ``p``) per row from stream
    ``name`` (``g.geometric(p, k)``)."""
    fast = compiled_draws(model, name, rows)
    if fast is not None:
        out = np.empty(len(rows), dtype=np.int64)
        stream_kernels.stream_geometric(fast[0][1], fast[1], float(p), out)
        return out
    return draw(model, name, rows, lambda g, sel, k: g.geometric(p, k))


def integers(model, name: str, rows, low: int, high) -> np.ndarray:
    """One integer in [low, high) per row from stream ``name``: ``g.integers(low, high, k)``
    for a scalar ``high``, ``g.integers(low, high[sel])`` for one bound per row (numpy draws
    the two differently, and so does this)."""
    fast = compiled_draws(model, name, rows)
    per_row = np.ndim(high) > 0
    if fast is None:
        if per_row:
            return draw(model, name, rows, lambda g, sel, k: g.integers(low, high[sel]))
        return draw(model, name, rows, lambda g, sel, k: g.integers(low, high, k))
    out = np.empty(len(rows), dtype=np.int64)
    if not per_row:
        if high <= low:
            raise ValueError(f"integers: high ({high}) must exceed low ({low})")
        stream_kernels.stream_bounded_fill(fast[0][1], fast[1], model.R, int(low), int(high),
                                           out)
        return out
    high = np.asarray(high, dtype=np.int64)
    if high.size and high.min() <= low:
        raise ValueError(f"integers: every high must exceed low ({low})")
    stream_kernels.stream_bounded(fast[0][1], fast[1], int(low), high, out)
    return out


def integer_each(model, name: str, high: int, compiled: bool) -> np.ndarray:
    """``g.integers(0, high)`` from each replication's stream ``name``, in replication order.
    ``compiled``: in one compiled pass where the generators allow (numpy draws a single
    integer as a fill of one, which the pass calls), else one numpy call each."""
    addrs = _addresses(model, name) if compiled else None
    if addrs is None:
        return np.array([s[name].integers(0, high) for s in model.rstreams], dtype=np.int64)
    out = np.empty(model.R, dtype=np.int64)
    repl = np.arange(model.R, dtype=np.int64)
    stream_kernels.stream_bounded_fill(addrs[1], repl, model.R, 0, int(high), out)
    return out


def compiled_draws(model, name: str, rows):
    """(the generators' addresses, each row's replication) when the draws for ``rows`` run
    compiled (R > 1, on the compiled path, PCG64 generators), else None."""
    if model.R == 1 or not kernels.on(len(rows), model.R):
        return None
    addrs = _addresses(model, name)
    if addrs is None:
        return None
    return addrs, replication_of(model, np.asarray(rows))


class _Addresses(dict):
    """Stream name -> (generators, their addresses).  A copy of the model (a fork of its
    burn-in) or a pickle starts empty: addresses point into one model's generators."""

    def __reduce__(self):  # (copy.deepcopy and pickle both build from this)
        return _Addresses, ()


def _addresses(model, name: str) -> np.ndarray | None:
    """Where each replication's generator of stream ``name`` keeps its state (row 0, for
    ``next_double``) and its bit generator (row 1, for numpy's distributions), for the
    compiled draws; None unless every one is a PCG64 (whose draws the kernels make)."""
    cache = model.__dict__.get("_stream_addrs")
    if cache is None:
        cache = model.__dict__["_stream_addrs"] = _Addresses()
    hit = cache.get(name)
    if hit is not None:  # (a model's generators are made once; a copy starts without these)
        return hit[1]
    gens = generators(model, name)
    bits = [g.bit_generator for g in gens]
    addrs = (np.array([[b.ctypes.state_address for b in bits],
                       [b.ctypes.bit_generator.value for b in bits]], dtype=np.uint64)
             if all(type(b) is np.random.PCG64 for b in bits) else None)
    cache[name] = (gens, addrs)  # (holding ``gens``: the generators outlive the addresses)
    return addrs


def serial_capacity(initial: int, n: int) -> int:
    """Capacity of a serial table that started with ``initial`` rows and holds ``n``."""
    cap = initial
    while cap < n:
        cap *= 2
    return cap


def by_slot(model, name: str, slots: np.ndarray) -> np.ndarray:
    """One uniform per rep slot from stream ``name`` (``Streams.by_slot``), each replication
    drawing the row its serial run would draw: as long as its own rep table's capacity."""
    if model.R == 1:
        return model.rstreams[0].by_slot(name, slots, model.reps.capacity)
    R, c0 = model.R, model.rep_capacity0
    out = np.empty(len(slots))
    if kernels.on(len(slots), R):
        addrs = _addresses(model, name)
        if addrs is not None:
            caps = np.array([serial_capacity(c0, int(k)) for k in model.reps.made])
            stream_kernels.slot_uniforms(addrs[0], caps, np.asarray(slots, dtype=np.int64), R, out)
            return out
    for r, pos in split(model, slots):
        cap = serial_capacity(c0, int(model.reps.made[r]))  # reps ever created in r
        out[pos] = model.rstreams[r].by_slot(name, slots[pos] // R, cap)
    return out


def total(model, values: np.ndarray, rows):
    """Per-replication sum of ``values`` (one per row of ``rows``), each summed pairwise as the
    serial model does: a float at ``R = 1``, an array of ``R`` otherwise."""
    if model.R == 1:
        return np.add.reduce(values)
    if values.dtype == np.float64 and kernels.on(len(values), model.R):
        return sum_kernels.sums_by_replication(values, replication_of(model, np.asarray(rows)),
                                               model.R)
    out = np.zeros(model.R)
    for r, pos in split(model, rows):
        out[r] = np.add.reduce(values[pos])
    return out


def count(model, rows):
    """Per-replication number of ``rows``: an int at ``R = 1``, an array of ``R`` otherwise."""
    if model.R == 1:
        return len(rows)
    return np.bincount(np.asarray(rows) % model.R, minlength=model.R)


def local(model, rows):
    """The serial (local) numbers of global rows; ``-1`` (none) stays ``-1``."""
    return rows if model.R == 1 else np.asarray(rows) // model.R
