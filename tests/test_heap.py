"""sim.common.heap: freed memory goes back to the OS between a worker's runs."""

import platform
import sys

import numpy as np

from sim.common import heap


def test_trim_runs_where_glibc_is_the_allocator():
    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    blocks = [np.ones(50_000) for _ in range(50)]  # ~20 MB in medium blocks, then freed
    del blocks
    assert heap.trim() is glibc


def test_a_packed_run_trims_the_heap(monkeypatch):
    from sim.sweep import packing
    calls = []
    monkeypatch.setattr(heap, "trim", lambda: calls.append(1) or True)
    task = {"run_id": 0}
    block = packing.run_packed(lambda t: packing.failed(t, "x"), task)
    assert calls == [1]
    assert packing.runs_in(block)[0]["error"] == "x"
