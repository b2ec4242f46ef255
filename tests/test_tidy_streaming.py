"""The consolidated weekly and rep tables are written slice by slice; the result must be what
cleaning the whole table at once gives, whatever the slice size and however runs are spread
over the part files."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sweep_helpers as h

import sim.sweep.runner as sweep_mod
import sim.sweep.tidy as tidy
from sim.common.sweepdir import read_manifest, read_reptable, read_runs, read_weekly


@pytest.fixture(scope="module")
def spread(tmp_path_factory):
    """A sweep whose runs are spread over many small parts, with failed runs retried later
    (so parts hold stale records of some runs)."""
    mp = pytest.MonkeyPatch()
    mp.setattr(sweep_mod, "RUN_FUNCTION", h.RUN_FUNCTION)
    mp.setenv("SALESIM_FLUSH_RUNS", "3")
    folder = tmp_path_factory.mktemp("spread")
    path = h.write_experiment(folder, reps=3)
    out = folder / "out"
    mp.setenv("SALESIM_FAIL_RUN_IDS", "2,9,15")
    assert h.sweep(path, "--out", out, "--workers", "2", "--quiet") == 1
    mp.delenv("SALESIM_FAIL_RUN_IDS")
    assert h.sweep(path, "--out", out, "--workers", "2", "--quiet", "--retry-failed") == 0
    mp.undo()
    return out


def whole_table(out, name: str) -> pa.Table:
    """The consolidated table as one in-memory pass over everything would build it."""
    manifest = read_manifest(out)
    runs = tidy.clean(read_runs(out))
    factors = [f for f in manifest.get("factors") or [] if f in runs.columns]
    extra = {"experiment": manifest.get("experiment"), "reference": manifest.get("reference"),
             "factors": factors, "currency": tidy.currency_of(out)}
    ok = runs[runs["status"] == "ok"]
    df = (read_weekly if name == "weekly" else read_reptable)(out)
    return tidy.to_table(tidy._with_design(tidy.clean(df), ok, factors), name, extra)


@pytest.mark.parametrize("block", [1, 2, 5, 1000])
def test_any_slice_size_gives_the_whole_table(spread, tmp_path, monkeypatch, block):
    copy = tmp_path / "out"
    shutil.copytree(spread, copy)
    monkeypatch.setattr(tidy, "BLOCK_RUNS", block)
    tidy.write_tidy(copy, read_manifest(copy))
    assert len(list((copy / "runs").glob("*.parquet"))) > 4  # runs spread over parts
    for name in ("weekly", "reptable"):
        got, want = pq.read_table(copy / f"{name}.parquet"), whole_table(copy, name)
        assert got.schema.equals(want.schema, check_metadata=True), name
        assert got.equals(want), name
    assert pq.read_table(copy / "weekly.parquet").num_rows == len(read_weekly(copy))


def test_an_integer_column_with_a_fraction_in_a_late_slice_stays_float(spread, tmp_path,
                                                                       monkeypatch):
    """Whether an integer column holds whole numbers is decided over all rows, not per slice:
    a fraction in the last part keeps the whole column as written, as in one pass."""
    copy = tmp_path / "out"
    shutil.copytree(spread, copy)
    last = sorted((copy / "weekly").glob("part-*.parquet"))[-1]
    df = pd.read_parquet(last)
    df["headcount"] = df["headcount"].astype(float)
    df.loc[df.index[-1], "headcount"] += 0.5
    df.to_parquet(last)
    monkeypatch.setattr(tidy, "BLOCK_RUNS", 2)
    tidy.write_tidy(copy, read_manifest(copy))
    got = pq.read_table(copy / "weekly.parquet")
    assert pa.types.is_floating(got.schema.field("headcount").type)
    assert got.equals(whole_table(copy, "weekly"))
    assert np.any(got.column("headcount").to_numpy() % 1 == 0.5)


def test_importing_salesim_picks_the_allocator_that_returns_memory():
    """A long sweep stays flat in memory only if pyarrow gives freed pages back (see
    sim/__init__.py); a user's own ARROW_DEFAULT_MEMORY_POOL is kept."""
    import os
    import subprocess
    import sys
    code = "import sim, pyarrow as pa; print(pa.default_memory_pool().backend_name)"
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    env["PYTHONPATH"] = str(h.ROOT)
    got = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert got.stdout.strip() == "system", got.stderr
    env["ARROW_DEFAULT_MEMORY_POOL"] = "mimalloc"
    got = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert got.stdout.strip() == "mimalloc", got.stderr


def test_parts_are_read_by_the_names_found(spread, tmp_path, monkeypatch):
    """A part is named ``part-<digits>``; the readers take the name they find instead of
    rebuilding it from its number (a 5-digit name once made them fail)."""
    copy = tmp_path / "out"
    shutil.copytree(spread, copy)
    for sub in ("runs", "weekly", "reptable"):
        for part in (copy / sub).glob("part-*.parquet"):
            part.rename(part.with_name(f"part-{int(part.stem.split('-')[1]):05d}.parquet"))
    monkeypatch.setattr(tidy, "BLOCK_RUNS", 2)
    tidy.write_tidy(copy, read_manifest(copy))
    assert pq.read_table(copy / "weekly.parquet").equals(whole_table(copy, "weekly"))
    assert len(read_weekly(copy)) == len(read_weekly(spread))
