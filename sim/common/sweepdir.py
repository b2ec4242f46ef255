"""The on-disk layout of a sweep folder, and the readers of what a finished run left there.

Shared by :mod:`sim.sweep` (which writes the folder) and :mod:`sim.report` (which only reads
it), so that neither package imports the other.  A part is *committed* once its ``runs/`` file
exists; readers look at committed parts only.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from sim.common.errors import UserError

PART_DIRS = ("weekly", "reptable", "runs")  # write order: runs/ last commits a part
PART_NAME = re.compile(r"^part-(\d+)\.parquet(\.corrupt)?$")
MANIFEST = "manifest.json"


def part_name(seq: int) -> str:
    return f"part-{seq:06d}.parquet"


def _committed(out: Path) -> list[tuple[int, Path]]:
    folder = out / "runs"
    if not folder.is_dir():
        return []
    parts = [(int(m.group(1)), p) for p in folder.iterdir()
             if (m := PART_NAME.match(p.name)) and not m.group(2)]
    return sorted(parts)


def read_runs(out: str | Path) -> pd.DataFrame:
    """One row per run (the latest record of each run), ordered by ``run_id``."""
    frames = []
    for seq, path in _committed(Path(out)):
        df = pq.read_table(path).to_pandas()
        df["_seq"] = seq
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=["run_id", "status", "error"])
    runs = pd.concat(frames, ignore_index=True)
    runs = runs.drop_duplicates("run_id", keep="last").sort_values("run_id", kind="stable")
    return runs.drop(columns="_seq").reset_index(drop=True)


def latest_records(out: Path) -> tuple[dict[int, int], dict[int, Path]]:
    """Which committed part holds the latest record of each run: ``{run_id: seq}``, and the
    part files by ``seq`` (their ``runs/`` file)."""
    latest: dict[int, int] = {}
    paths: dict[int, Path] = {}
    for seq, path in _committed(Path(out)):
        paths[seq] = path
        for run_id in pq.read_table(path, columns=["run_id"]).column(0).to_pylist():
            latest[run_id] = seq
    return latest, paths


def series_rows(out: Path, sub: str, part: Path, seq: int, latest: dict[int, int],
                run_ids=None) -> pd.DataFrame:
    """The rows of part ``seq`` (its ``runs/`` file ``part``; the name is taken as found, not
    rebuilt from ``seq``) of ``weekly/`` or ``reptable/`` that are their run's latest record
    (and, if given, belong to ``run_ids``), in the part's order."""
    df = pq.read_table(out / sub / part.name).to_pandas()
    ids = df["run_id"]
    keep = ids.map(latest).to_numpy() == seq
    if run_ids is not None:
        keep &= ids.isin(run_ids).to_numpy()
    return df[keep]


def _read_series(out: Path, sub: str, order: list[str]) -> pd.DataFrame:
    """Rows of ``weekly/`` or ``reptable/`` from committed parts only, by run_id."""
    latest, paths = latest_records(out)
    frames = [series_rows(out, sub, path, seq, latest) for seq, path in paths.items()]
    if not frames:
        return pd.DataFrame(columns=["run_id"])
    df = pd.concat(frames, ignore_index=True)
    keys = [c for c in order if c in df.columns]
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


SERIES_ORDER = {"weekly": ["run_id", "week"], "reptable": ["run_id", "rep_id"]}


def read_weekly(out: str | Path) -> pd.DataFrame:
    """The compact weekly series of every finished run, ordered by run_id and week."""
    return _read_series(Path(out), "weekly", SERIES_ORDER["weekly"])


def read_reptable(out: str | Path) -> pd.DataFrame:
    """The per-rep rows of every finished run, ordered by run_id and rep_id."""
    return _read_series(Path(out), "reptable", SERIES_ORDER["reptable"])



class DamagedManifest(UserError):
    """manifest.json exists but cannot be read as a sweep manifest."""


def read_manifest(out: Path) -> dict | None:
    """The sweep manifest, None when there is none; DamagedManifest when it is unreadable."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        why = " ".join(str(err).split())[:120]
        raise DamagedManifest(f"{out / MANIFEST}: cannot read the sweep manifest ({why}); run "
                              f"`salesim repair {out}` to rebuild it from the design and part "
                              "files") from None
    if not isinstance(data, dict) or not isinstance(data.get("hash"), str):
        raise DamagedManifest(f"{out / MANIFEST}: not a sweep manifest (no experiment hash); "
                              f"run `salesim repair {out}` to rebuild it")
    return data
