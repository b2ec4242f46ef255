"""Consolidated sweep outputs that other tools can read without salesim's readers."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest
import sweep_helpers as h

from sim import cli
import sim.sweep.runner as sweep_mod


@pytest.fixture(scope="module")
def resumed(tmp_path_factory):
    """A sweep with two failed runs, then resumed with --retry-failed to completion (a plain resume keeps failures)."""
    mp = pytest.MonkeyPatch()
    mp.setattr(sweep_mod, "RUN_FUNCTION", h.RUN_FUNCTION)
    mp.setenv("SALESIM_FLUSH_RUNS", "4")
    folder = tmp_path_factory.mktemp("tidy")
    path = h.write_experiment(folder, reps=2)
    out = folder / "out"
    mp.setenv("SALESIM_FAIL_RUN_IDS", "1,6")
    assert h.sweep(path, "--out", out, "--workers", "1") == 1
    mp.delenv("SALESIM_FAIL_RUN_IDS")
    assert h.sweep(path, "--out", out, "--workers", "1", "--retry-failed") == 0
    mp.undo()
    return out


def test_part_files_hold_duplicates_but_consolidated_files_do_not(resumed):
    parts = pd.concat([pd.read_parquet(p) for p in sorted((resumed / "runs").glob("*.parquet"))])
    design = pd.read_parquet(resumed / "design.parquet")
    assert len(parts) > len(design)  # the failed records are still in the parts
    runs = pd.read_parquet(resumed / "runs.parquet")
    assert len(runs) == len(design) and runs["run_id"].is_unique
    assert (runs["status"] == "ok").all()
    weekly = pd.read_parquet(resumed / "weekly.parquet")
    assert not weekly.duplicated(["run_id", "week"]).any()
    assert set(weekly["run_id"]) == set(design["run_id"])
    reps = pd.read_parquet(resumed / "reptable.parquet")
    assert not reps.duplicated(["run_id", "rep_id"]).any()


def test_rows_carry_their_design_point(resumed):
    design = pd.read_parquet(resumed / "design.parquet").set_index("run_id")
    for name in ("weekly", "reptable"):
        df = pd.read_parquet(resumed / f"{name}.parquet")
        for col in ("policy", "season", "replication", "seed", "comp.commission_rate"):
            assert col in df.columns, (name, col)
        first = df.groupby("run_id").first()
        want = design.loc[first.index]
        assert list(first["policy"]) == list(want["policy"])
        assert list(first["comp.commission_rate"]) == list(want["comp.commission_rate"])


def test_integers_nulls_and_units(resumed):
    weekly = pq.read_table(resumed / "weekly.parquet")
    for col in ("week", "headcount", "quits", "tactic_withholding"):
        assert str(weekly.schema.field(col).type) == "int64", col
    field = weekly.schema.field("revenue")
    assert field.metadata[b"unit"] == b"USD per week"
    assert field.metadata[b"description"]
    meta = json.loads(weekly.schema.metadata[b"salesim"])
    assert meta["columns"]["headcount"]["unit"] == "reps"
    reps = pd.read_parquet(resumed / "reptable.parquet")
    assert not (reps["left_week"] == -1).any()
    assert reps["left_week"].isna().any()  # reps still under contract at the end
    runs = pq.read_table(resumed / "runs.parquet")
    assert runs.schema.field("revenue_total").metadata[b"unit"] == b"USD over the horizon"


def test_summary_csv_has_units_and_direction(resumed):
    assert cli.main(["summarize", str(resumed)]) == 0
    table = pd.read_csv(resumed / "summary.csv")
    assert {"unit", "better"} <= set(table.columns)
    row = table[table["kpi"] == "attrition_rate_annual"].iloc[0]
    assert row["unit"] == "share of reps per year" and row["better"] == "lower"
    assert table.loc[table["kpi"] == "revenue_total", "unit"].iloc[0] == "USD over the horizon"
