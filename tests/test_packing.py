"""A run's result packed by its worker (sim.sweep.packing) unpacks to exactly the dicts
``execute_run`` returned: same keys in the same order, same dtypes, shapes and bits (NaN KPIs
included), None and empty tables kept apart, failed runs small; and the part tables built from
unpacked results equal those built from the dicts themselves."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.sweep.packing import PREFIX, TAG, pack, run_packed, runs_in, unpack
from sim.common.sweepdir import part_name, read_reptable, read_runs, read_weekly
from sim.sweep.storage import PartWriter
from sim.sweep.task import execute_run, failed, members
from executor_tasks import assert_same_run, real_tasks

FAILED_PACK_BYTES = 200  # a failed run carries a one-line error and nothing else
NAN_WITH_PAYLOAD = struct.unpack("<d", struct.pack("<Q", 0x7FF8_0000_0000_0001))[0]


def assert_round_trip(result: dict) -> list[dict]:
    runs = unpack(pack(result))
    assert len(runs) == len(members(result))
    for got, want in zip(runs, members(result)):
        assert_same_run(got, want)
    return runs


def synthetic(run_id: int, weeks: int = 3, reps: int = 4, grid: bool = True) -> dict:
    """A result with NaN KPIs and columns of many dtypes (``grid``: also a 2-D one, which
    packs but which the part writer, taking columns, would refuse)."""
    rng = np.random.default_rng(run_id)
    kpis = {"revenue_total": float(rng.random()), "missing": math.nan, "neg_zero": -0.0,
            "big": 1e308, "tactic_rep_weeks.quiet_quitting": 3.0,
            "nan_with_payload": NAN_WITH_PAYLOAD}
    weekly = {"week": np.arange(weeks), "revenue": rng.random(weeks),
              "headcount": np.full(weeks, 7.0), "share": rng.random(weeks).astype("f4")}
    table = {"rep_id": np.arange(reps), "team": np.arange(reps, dtype="i4"),
             "perf_quintile": np.arange(reps, dtype="i1"), "favoured": np.arange(reps) % 2 == 0,
             "label": np.array(["a", "bé"] * (reps // 2))}
    if grid:
        table["grid"] = rng.random((reps, 2))
    return {"run_id": run_id, "status": "ok", "error": None, "kpis": kpis, "weekly": weekly,
            "reps": table}


def test_synthetic_results_round_trip_bit_for_bit():
    assert_round_trip(synthetic(5))


@pytest.mark.parametrize("reps", [{}, None])
def test_empty_and_absent_tables_stay_apart(reps):
    result = {**synthetic(1), "reps": reps, "kpis": {}}
    (run,) = assert_round_trip(result)
    assert run["reps"] == reps and run["kpis"] == {}


def test_zero_weeks_and_zero_reps_round_trip():
    assert_round_trip(synthetic(2, weeks=0, reps=0))


def test_failed_run_is_small_and_explicit():
    gone = failed({"run_id": 9}, "RuntimeError: it broke – badly")
    block = pack(gone)
    assert len(block) < FAILED_PACK_BYTES
    (run,) = assert_round_trip(gone)
    assert (run["status"], run["kpis"], run["weekly"], run["reps"]) == \
        ("failed", {}, None, None)


def test_bundle_packs_as_one_block_of_its_members():
    bundle = {"run_id": 3, "bundle": [synthetic(3), failed({"run_id": 4}, "boom"), synthetic(5)]}
    runs = assert_round_trip(bundle)
    assert [r["run_id"] for r in runs] == [3, 4, 5]
    # a bundle whose members all failed (e.g. its worker was lost) packs too
    assert_round_trip(failed({"run_id": 3, "bundle": [{"run_id": 3}, {"run_id": 4}]}, "lost"))


def test_unpacked_arrays_are_writable():
    (run,) = unpack(pack(synthetic(1)))
    run["weekly"]["revenue"][0] = -1.0
    assert run["weekly"]["revenue"][0] == -1.0


def test_real_model_results_and_bundles_round_trip(tmp_path):
    tasks = real_tasks(tmp_path, fail=(1,))
    assert {"bundle" in t for t in tasks} == {True, False}
    runs = [run for task in tasks for run in assert_round_trip(execute_run(task))]
    assert sorted(r["run_id"] for r in runs) == list(range(8))
    assert [r["status"] for r in runs].count("failed") == 1
    assert all(len(r["weekly"]["week"]) == 20 for r in runs if r["status"] == "ok")


def test_nan_kpis_round_trip(tmp_path):
    task = next(t for t in real_tasks(tmp_path) if "bundle" not in t)
    result = execute_run({**task, "kpis": ["revenue_total", "not_a_kpi", "tactic_rep_weeks"]})
    assert math.isnan(result["kpis"]["not_a_kpi"]) and len(result["kpis"]) > 3
    assert_round_trip(result)


def test_result_that_cannot_be_packed_comes_back_failed():
    def objects(task):
        return {**synthetic(task["run_id"]), "reps": {"who": np.array([object()])}}

    (run,) = unpack(run_packed(objects, {"run_id": 8}))
    assert run["status"] == "failed" and run["run_id"] == 8
    assert "cannot be packed" in run["error"] and "'who'" in run["error"]


def test_runs_in_takes_packed_blocks_and_plain_dicts():
    result = synthetic(2)
    assert_same_run(runs_in(pack(result))[0], result)
    assert runs_in(result) == [result]


@pytest.mark.parametrize("block", [b"", b"SPK", b"XXXX\x00\x00\x00\x00[]",
                                   PREFIX.pack(TAG, 2) + b"[]" + b"\x00" * 3],
                         ids=["empty", "too short", "another format", "bytes left over"])
def test_damaged_blocks_are_refused(block):
    with pytest.raises(ValueError):
        unpack(block)


def test_truncated_block_is_refused():
    block = pack(synthetic(1))
    with pytest.raises(ValueError):
        unpack(block[:-16])


def test_part_files_from_unpacked_results_equal_those_from_dicts(tmp_path):
    results = [synthetic(0, grid=False), failed({"run_id": 1}, "boom"),
               {**synthetic(2, grid=False), "reps": {}}, synthetic(3, weeks=5, grid=False)]
    design = pd.DataFrame({"run_id": range(4), "seed": [11, 12, 13, 14]})
    for folder, runs in (("dicts", results),
                         ("unpacked", [run for r in results for run in unpack(pack(r))])):
        writer = PartWriter(tmp_path / folder, design, next_seq=1)
        for run in runs:
            writer.add(run)
        assert writer.flush() == len(results)
    for read in (read_runs, read_weekly, read_reptable):
        pd.testing.assert_frame_equal(read(tmp_path / "unpacked"), read(tmp_path / "dicts"),
                                      check_exact=True)
    for sub in ("runs", "weekly", "reptable"):  # the part files themselves, byte for byte
        part = Path(sub) / part_name(1)
        assert (tmp_path / "unpacked" / part).read_bytes() == \
            (tmp_path / "dicts" / part).read_bytes()
