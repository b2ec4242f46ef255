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
    monkeypatch.setattr(heap, "trim_now_and_then", lambda: calls.append(1) or True)
    task = {"run_id": 0}
    block = packing.run_packed(lambda t: packing.failed(t, "x"), task)
    assert calls == [1]
    assert packing.runs_in(block)[0]["error"] == "x"


def test_trims_at_most_once_an_interval(monkeypatch):
    calls = []
    monkeypatch.setattr(heap, "_trim", lambda pad: calls.append(pad) or 1)
    monkeypatch.setattr(heap, "_last", -float("inf"))
    assert heap.trim_now_and_then() is True
    assert heap.trim_now_and_then() is False  # within MIN_INTERVAL_S of the first
    monkeypatch.setattr(heap, "_last", heap.time.monotonic() - heap.MIN_INTERVAL_S - 0.01)
    assert heap.trim_now_and_then() is True
    assert calls == [0, 0]
