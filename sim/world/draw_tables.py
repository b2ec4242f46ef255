"""The pipeline's pre-drawn random tables: uniforms and standard normals read at a fresh
random offset each week (sim.world.pipeline), so that the number of draws a week never
depends on how many accounts or deals there are.

One model keeps its tables.  ``R`` replications side by side either make each read's part
of every replication's table again (:class:`Windows`, the numpy path) or keep them stacked
(:class:`Stacked`, the compiled path).  Every way reads the same values, bit for bit.
"""

from __future__ import annotations

import copy

import numpy as np

from sim.world import kernels, replicas, table_kernels


class DrawTable:
    """Uniforms and standard normals drawn once, read at a fresh random offset each week.

    With ``R > 1`` replications every replication has its own table, drawn from its own
    stream ``name`` as the serial table, and its own ``offset``; reads take each key's
    replication ``repl``.  On the numpy path those tables are not kept (:class:`Windows`):
    a read makes the part of each replication's table it needs again.  On the compiled path
    (``keep``) they are kept as one (R x size) array (:class:`Stacked`), read by a kernel:
    that path has paid numba's memory already, and the tables cost 0.5 MB a replication
    each, where making the windows again took a tenth of a batch's time at R = 40."""

    def __init__(self, model, name: str, size: int, normals: bool = True,
                 keep: bool = False):
        """``normals=False``: a table of uniforms only.  Its normals are still drawn, so the
        stream goes on where it always did, but not kept (memory).  ``keep``: keep the
        tables of R > 1 replications (the compiled path) rather than make them again."""
        self.name, self.size = name, size
        if model.R == 1:
            rng = model.rstreams[0][name]
            self.u = rng.random(size)
            z = rng.standard_normal(size)
            self.z = z if normals else None
            self.offset = 0
            return
        streams = [s[name] for s in model.rstreams]
        if keep:  # the same draws, in the same order, as the Windows below make
            self.u = Stacked(np.stack([g.random(size) for g in streams]))
            z = [g.standard_normal(size) for g in streams]
            self.z = Stacked(np.stack(z)) if normals else None
            self.offset = np.zeros(model.R, dtype=np.int64)
            return
        self.u = Windows(streams, size)
        self.z = Windows(streams, size, normals=True) if normals else None
        if not normals:
            for g in streams:
                g.standard_normal(size)  # the stream goes on after the normals, as serially
        self.offset = np.zeros(model.R, dtype=np.int64)

    def new_week(self, model) -> None:
        size = self.size
        if model.R == 1:
            self.offset = int(model.rstreams[0][self.name].integers(0, size))
            return
        self.offset = replicas.integer_each(model, self.name, size, compiled=self.kept())

    def kept(self) -> bool:
        """Whether the tables of R > 1 replications are kept (:class:`Stacked`)."""
        return isinstance(self.u, Stacked)

    def warm(self, width: int) -> None:
        """Bring the kept tables' windows of ``width`` keys from this week's offsets into
        the cache before a kernel reads them at random (sim.world.table_kernels.warm_windows)."""
        for t in (self.u, self.z):
            if t is not None:
                table_kernels.warm_windows(t.rows, self.offset, width,
                                          table_kernels.CACHE_LINE)

    def uniform(self, keys: np.ndarray, repl: np.ndarray | None = None) -> np.ndarray:
        if repl is not None:  # R > 1: each key in its replication's table
            return self.u.read(self.offset, keys, repl)
        if kernels.on(keys.size):
            return table_kernels.draw(self.u, self.offset, keys)
        return self.u[(self.offset + keys) % self.u.size]

    def normal(self, keys: np.ndarray, repl: np.ndarray | None = None) -> np.ndarray:
        if repl is not None:
            return self.z.read(self.offset, keys, repl)
        if kernels.on(keys.size):
            return table_kernels.draw(self.z, self.offset, keys)
        return self.z[(self.offset + keys) % self.z.size]


MARK_EVERY = 1024  # normals between the saved states of a table of normals (Windows)


class Windows:
    """The tables of one kind (uniforms or normals) of a DrawTable of ``R`` replications,
    made again where they are read instead of kept (0.5 MB a replication each).

    Entry ``i`` of a replication's table is what its stream draws after the first ``i``.
    numpy's ``Generator.random`` turns one 64-bit output into one double, so a uniform
    entry is drawn after ``advance(i)`` from the state where the table began.  A normal
    takes a varying number of outputs, so the state before every MARK_EVERY-th normal is
    saved, and an entry is drawn on from the mark before it.  A read needs, per replication,
    the entries from ``offset + min(keys)`` to ``offset + max(keys)`` (wrapping at the
    table's end): a few thousand of the 65,536.  The values are the table's, bit for bit
    (``tests/test_pipeline_tables.py``).  Drawing the table moves each stream on exactly as
    drawing it for keeps would."""

    def __init__(self, streams: list, size: int, normals: bool = False):
        self.size, self.normals = size, normals
        if normals:
            self.marks = []
            for g in streams:
                marks = []
                for lo in range(0, size, MARK_EVERY):
                    marks.append(g.bit_generator.state)
                    g.standard_normal(min(MARK_EVERY, size - lo))  # (the same draws in parts)
                self.marks.append(marks)
        else:
            self.marks = [[g.bit_generator.state] for g in streams]
            for g in streams:
                g.bit_generator.advance(size)
        # (a copy of each stream's bit generator, moved to a mark before each read)
        self.gen = [np.random.Generator(copy.deepcopy(g.bit_generator)) for g in streams]

    def _entries(self, r: int, first: int, count: int) -> np.ndarray:
        """Entries ``first`` to ``first + count - 1`` (no wrapping) of replication ``r``."""
        bits = self.gen[r].bit_generator
        if not self.normals:
            bits.state = self.marks[r][0]
            bits.advance(first)
            return self.gen[r].random(count)
        mark = first // MARK_EVERY
        bits.state = self.marks[r][mark]
        skip = first - mark * MARK_EVERY
        return self.gen[r].standard_normal(skip + count)[skip:]

    def _row(self, r: int, first: int, width: int) -> np.ndarray:
        """Entries ``first, first + 1, ...`` (``width`` of them, wrapping) of row ``r``."""
        head = min(width, self.size - first)
        out = self._entries(r, first, head)
        if head < width:  # wrapped past the end: go on from the table's start
            out = np.concatenate((out, self._entries(r, 0, width - head)))
        return out

    def read(self, offset: np.ndarray, keys: np.ndarray, repl: np.ndarray) -> np.ndarray:
        """The entry ``(offset[r] + key) % size`` of row ``r = repl`` for every key."""
        R, size = offset.size, self.size
        lo = np.full(R, np.iinfo(np.int64).max)
        hi = np.full(R, -1)
        np.minimum.at(lo, repl, keys)
        np.maximum.at(hi, repl, keys)
        width = np.minimum(np.maximum(hi - lo + 1, 0), size)
        base = np.cumsum(width) - width  # where each replication's window starts in ``flat``
        flat = np.empty(int(width.sum()))
        for r in np.flatnonzero(width):
            w = int(width[r])
            flat[base[r]:base[r] + w] = self._row(r, int((offset[r] + lo[r]) % size), w)
        return flat[base[repl] + (keys - lo[repl]) % size]


class Stacked:
    """The tables of one kind of a DrawTable of ``R`` replications, kept: row ``r`` is
    replication ``r``'s table (the compiled path; :class:`Windows` makes them again)."""

    def __init__(self, rows: np.ndarray):
        self.rows = rows
        self.size = rows.shape[1]

    def read(self, offset: np.ndarray, keys: np.ndarray, repl: np.ndarray) -> np.ndarray:
        """The entry ``(offset[r] + key) % size`` of row ``r = repl`` for every key."""
        return table_kernels.draw_stacked(self.rows, offset, keys, repl)
