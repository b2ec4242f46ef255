"""Run results packed for the trip from a worker back to the sweep process.

A result dict (``sim.sweep.task``) holds a flat dict of KPI floats and two dicts of short numpy
arrays (``weekly`` and ``reps``).  Sent as it is, every array travels as an object of its own:
Dask gives each one a frame and a header, milliseconds a run each way.  So a worker packs what
a task returns, a single run or a bundle, into one ``bytes`` block:

* ``PREFIX``: the format's tag and the header's length in bytes;
* the header: JSON, one entry per run with its ``run_id``, ``status``, ``error``, its KPI
  names and, for ``weekly`` and ``reps``, each column's name, numpy dtype and shape (or null for
  a failed run, which therefore packs to little more than its error message);
* the body: for each run in turn its KPI values (float64), then its weekly and rep columns,
  every segment starting on an ``ALIGN``-byte boundary.

:func:`unpack` gives back exactly the run dicts :func:`sim.sweep.task.members` lists: same keys
and order, same dtypes and bits (NaN included); the arrays are writable views into one copy
of the block.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable

import numpy as np

from sim.common import heap
from sim.sweep.task import failed, members, one_line

PREFIX = struct.Struct("<4sI")  # tag, header length
TAG = b"SPK1"  # salesim packed results, format 1
ALIGN = 8  # bytes; float64 columns start on their natural boundary
KPI_DTYPE = np.dtype("<f8")
TABLES = ("weekly", "reps")


def _padding(size: int) -> int:
    return -size % ALIGN


def _columns(data: dict[str, np.ndarray] | None, chunks: list[bytes]) -> list | None:
    """One table's header entries; appends its column bytes (padded) to ``chunks``."""
    if data is None:
        return None
    entries = []
    for name, values in data.items():
        values = np.ascontiguousarray(values)
        if values.dtype.hasobject:
            raise TypeError(f"column {name!r} holds Python objects (dtype {values.dtype}), "
                            "which cannot be packed")
        raw = values.tobytes()
        chunks.append(raw + bytes(_padding(len(raw))))
        entries.append([name, values.dtype.str, list(values.shape)])
    return entries


def pack(result: dict) -> bytes:
    """One run's result, or a bundle's, as a single bytes block."""
    header, chunks = [], []
    for run in members(result):
        kpis = run.get("kpis") or {}
        raw = np.fromiter(kpis.values(), dtype=KPI_DTYPE, count=len(kpis)).tobytes()
        chunks.append(raw + bytes(_padding(len(raw))))
        entry = {"run_id": int(run["run_id"]), "status": run["status"],
                 "error": run.get("error"), "kpis": list(kpis)}
        entry.update({table: _columns(run.get(table), chunks) for table in TABLES})
        header.append(entry)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * _padding(PREFIX.size + len(text))  # the body starts aligned
    return b"".join([PREFIX.pack(TAG, len(text)), text, *chunks])


def _segment(body: bytearray, offset: int, dtype: np.dtype, shape: list[int]) -> tuple:
    count = shape[0] if len(shape) == 1 else int(np.prod(shape, dtype=np.int64))
    values = np.frombuffer(body, dtype=dtype, count=count, offset=offset)
    size = count * dtype.itemsize
    return (values if len(shape) == 1 else values.reshape(shape)), offset + size + _padding(size)


def unpack(block: bytes) -> list[dict]:
    """The run result dicts a block packed by :func:`pack` holds, in their order."""
    block = bytearray(block)  # one writable copy: the columns are views into it
    if len(block) < PREFIX.size:
        raise ValueError(f"not a packed result: {len(block)} bytes")
    tag, length = PREFIX.unpack_from(block)
    if tag != TAG:
        raise ValueError(f"not a packed result: starts with {tag!r}, expected {TAG!r}")
    offset = PREFIX.size + length
    runs = []
    for entry in json.loads(bytes(block[PREFIX.size:offset])):
        values, offset = _segment(block, offset, KPI_DTYPE, [len(entry["kpis"])])
        run = {"run_id": entry["run_id"], "status": entry["status"], "error": entry["error"],
               "kpis": dict(zip(entry["kpis"], values.tolist()))}
        for table in TABLES:
            if entry[table] is None:
                run[table] = None
                continue
            run[table] = {}
            for name, code, shape in entry[table]:
                run[table][name], offset = _segment(block, offset, np.dtype(code), shape)
        runs.append(run)
    if offset != len(block):
        raise ValueError(f"packed result: {len(block) - offset} bytes left over at the end")
    return runs


def run_packed(fn: Callable[[dict], dict], task: dict) -> bytes:
    """Worker side: run ``task`` with ``fn`` (e.g. ``execute_run``) and pack what it returns.
    A result that cannot be packed comes back as a failed run, like any model error."""
    result = fn(task)
    try:
        return pack(result)
    except (TypeError, ValueError) as err:
        return pack(failed(task, f"result cannot be packed: {one_line(err)}"))
    finally:
        del result
        heap.trim_now_and_then()  # freed arrays go back to the OS: a long sweep stays flat


def runs_in(result: bytes | dict) -> list[dict]:
    """Parent side: the run dicts of a packed block, or of a result dict (an executor makes
    those itself for a task its worker lost)."""
    if isinstance(result, (bytes, bytearray, memoryview)):
        return unpack(result)
    return members(result)
