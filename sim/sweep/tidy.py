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
from sim.common.sweepdir import read_reptable, read_runs, read_weekly
from sim.scenario.kpi_meta import (ABSENT_IS_MINUS_ONE, INTEGER_COLUMNS, INTEGER_PREFIXES,
                                   column_meta)

TIDY = ("runs.parquet", "weekly.parquet", "reptable.parquet")
DESIGN_KEYS = ("point_id", "replication", "seed", "season", "policy")


def _is_integer(name: str) -> bool:
    return name in INTEGER_COLUMNS or name.startswith(INTEGER_PREFIXES)


def clean(df: pd.DataFrame) -> pd.DataFrame:
    """Integer columns as (nullable) integers, ``-1`` for an absent week as null."""
    df = df.copy()
    for col in df.columns:
        if not pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_bool_dtype(df[col]):
            continue
        values = df[col]
        if col in ABSENT_IS_MINUS_ONE:
            values = values.where(values != -1)
        if _is_integer(col):
            finite = values.dropna()
            if len(finite) and not np.all(np.isclose(finite, np.round(finite))):
                continue  # not whole numbers after all: keep as written
            values = values.round().astype("Int64")
        df[col] = values
    return df


def _with_design(df: pd.DataFrame, runs: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    keys = [c for c in (*DESIGN_KEYS, *factors) if c in runs.columns]
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
    """Write the three consolidated files into ``out``; returns their paths."""
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
    written = []
    for name, df, table in (("runs.parquet", runs, "runs"),
                            ("weekly.parquet", read_weekly(out), "weekly"),
                            ("reptable.parquet", read_reptable(out), "reptable")):
        if table != "runs":
            df = _with_design(clean(df), ok, factors) if len(df) else df
        write_table(to_table(df, table, extra), out / name)
        written.append(out / name)
    return written
