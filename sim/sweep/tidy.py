"""Consolidated, self-describing outputs of a sweep: ``runs.parquet``, ``weekly.parquet`` and
``reptable.parquet`` at the top of the sweep folder.

The part files under ``runs/``, ``weekly/`` and ``reptable/`` are a write-ahead format: after
failed runs and a resume they hold several records of one run, and only salesim's readers
keep the latest.  The consolidated files are for everything else (DuckDB, pandas, R):

* one row per run (``runs``), per run and week (``weekly``), per run and rep (``reptable``);
  ``weekly`` and ``reptable`` hold finished runs only;
* every row carries its design point: ``point_id``, ``replication``, ``seed``, ``season``,
  ``policy`` and the factor values;
* counts and indices are integers; a value that does not exist is null (not ``-1``);
* each column's unit and description are in the Parquet field metadata (keys ``unit`` and
  ``description``), and the whole map as JSON under the schema key ``salesim``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.common.atomic import atomic_path
from sim.common.sweepdir import SERIES_ORDER, latest_records, read_runs, series_rows
from sim.scenario.kpi_meta import (ABSENT_IS_MINUS_ONE, INTEGER_COLUMNS, INTEGER_PREFIXES,
                                   column_meta)

TIDY = ("runs.parquet", "weekly.parquet", "reptable.parquet")
BLOCK_RUNS = 50  # runs per slice of the weekly and rep tables while they are written
DESIGN_KEYS = ("point_id", "replication", "seed", "season", "policy")


def _is_integer(name: str) -> bool:
    return name in INTEGER_COLUMNS or name.startswith(INTEGER_PREFIXES)


def clean(df: pd.DataFrame, whole: dict[str, bool] | None = None) -> pd.DataFrame:
    """Integer columns as (nullable) integers, ``-1`` for an absent week as null.

    An integer column with a value that is not a whole number stays as written; ``whole``
    gives that verdict per column when it was reached over more rows than ``df`` holds."""
    df = df.copy()
    for col in df.columns:
        if not pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_bool_dtype(df[col]):
            continue
        values = df[col]
        if col in ABSENT_IS_MINUS_ONE:
            values = values.where(values != -1)
        if _is_integer(col):
            if not (whole.get(col, True) if whole is not None else _all_whole(values)):
                continue  # not whole numbers after all: keep as written
            values = values.round().astype("Int64")
        df[col] = values
    return df


def _all_whole(values: pd.Series) -> bool:
    finite = values.dropna()
    return not len(finite) or bool(np.all(np.isclose(finite, np.round(finite))))


def _design_keys(runs: pd.DataFrame, factors: list[str]) -> list[str]:
    return [c for c in (*DESIGN_KEYS, *factors) if c in runs.columns]


def _with_design(df: pd.DataFrame, runs: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    keys = _design_keys(runs, factors)
    df = df.drop(columns=[c for c in keys if c in df.columns])
    out = runs[["run_id", *keys]].merge(df, on="run_id", how="inner")
    return out


def currency_of(out: Path) -> str:
    """``report.currency`` of the sweep's experiment file, else USD."""
    import tomllib
    try:
        data = tomllib.loads((out / "experiment.toml").read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return "USD"
    value = data.get("report", {}).get("currency") if isinstance(data.get("report"), dict) \
        else None
    return value.strip() if isinstance(value, str) and value.strip() else "USD"


def to_table(df: pd.DataFrame, table: str, extra: dict) -> pa.Table:
    """A pyarrow table with each column's unit and description in its field metadata."""
    arrow = pa.Table.from_pandas(df, preserve_index=False)
    fields, described = [], {}
    cur = extra.get("currency", "USD")
    for f in arrow.schema:
        unit, words = column_meta(table, f.name)
        unit = unit.replace("currency", cur)
        described[f.name] = {"unit": unit, "description": words}
        fields.append(f.with_metadata({"unit": unit, "description": words}))
    meta = dict(arrow.schema.metadata or {})
    meta[b"salesim"] = json.dumps({"table": table, "columns": described, **extra}).encode()
    return arrow.cast(pa.schema(fields, metadata=meta))


def write_table(table: pa.Table, path: Path) -> None:
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def write_tidy(out: str | Path, manifest: dict | None = None) -> list[Path]:
    """Write the three consolidated files into ``out``; returns their paths.

    The weekly and rep tables are written slice by slice (``BLOCK_RUNS`` runs at a time,
    in run order), so a sweep of any size consolidates in bounded memory."""
    out = Path(out)
    manifest = manifest or {}
    runs = read_runs(out)
    if runs.empty:
        return []
    factors = [f for f in manifest.get("factors") or [] if f in runs.columns]
    extra = {"experiment": manifest.get("experiment"), "reference": manifest.get("reference"),
             "factors": factors, "currency": currency_of(out)}
    runs = clean(runs)
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    write_table(to_table(runs, "runs", extra), out / "runs.parquet")
    latest, paths = latest_records(out)
    for table in ("weekly", "reptable"):
        write_series(out, table, latest, paths, ok, factors, extra)
    return [out / name for name in TIDY]


def write_series(out: Path, table: str, latest: dict[int, int], paths: dict[int, Path],
                 ok: pd.DataFrame, factors: list[str], extra: dict) -> None:
    """``<table>.parquet``: the latest rows of every finished run, ordered as
    :func:`sim.common.sweepdir.read_weekly` orders them, with their design point; the
    same rows and types as cleaning the whole table at once, one slice in memory at a time."""
    whole, columns = _survey(out, table, latest, paths)
    order = SERIES_ORDER[table]
    ids = sorted(latest)
    keys = _design_keys(ok, factors)
    design_types = {f.name: f.type for f in pa.Table.from_pandas(
        ok[["run_id", *keys]], preserve_index=False).schema}
    writer, schema = None, None
    with atomic_path(out / f"{table}.parquet") as tmp:
        try:
            for lo in range(0, len(ids), BLOCK_RUNS):
                block = ids[lo:lo + BLOCK_RUNS]
                frames = [series_rows(out, table, paths[seq], seq, latest, block)
                          for seq in sorted({latest[r] for r in block})]
                df = pd.concat(frames, ignore_index=True).reindex(columns=columns)
                if not len(df):
                    continue
                df = df.sort_values([c for c in order if c in columns], kind="stable")
                arrow = to_table(_with_design(clean(df.reset_index(drop=True), whole), ok,
                                              factors), table, extra)
                if writer is None:
                    schema = pa.schema([f.with_type(design_types.get(f.name, f.type))
                                        for f in arrow.schema], metadata=arrow.schema.metadata)
                    writer = pq.ParquetWriter(tmp, schema, compression="zstd")
                writer.write_table(arrow.cast(schema))
            if writer is None:  # no rows at all: the bare columns, as an empty read gives
                writer = pq.ParquetWriter(tmp, to_table(pd.DataFrame(columns=columns or [
                    "run_id"]), table, extra).schema, compression="zstd")
        finally:
            if writer is not None:
                writer.close()


def _survey(out: Path, table: str, latest: dict[int, int],
            paths: dict[int, Path]) -> tuple[dict[str, bool], list[str]]:
    """Over all parts of ``table``: whether each integer column holds whole numbers only
    (among the rows kept), and the columns in the order a concatenation would give."""
    whole: dict[str, bool] = {}
    columns: list[str] = []
    for seq, part in paths.items():
        schema = pq.read_schema(out / table / part.name)
        columns += [n for n in schema.names if n not in columns]
        floats = [n for n, t in zip(schema.names, schema.types)
                  if _is_integer(n) and pa.types.is_floating(t) and whole.get(n, True)]
        if not floats:
            continue
        df = series_rows(out, table, part, seq, latest)
        for col in floats:
            values = df[col]
            if col in ABSENT_IS_MINUS_ONE:
                values = values.where(values != -1)
            whole[col] = _all_whole(values)
    return whole, columns
