"""Sweep directory on disk: streaming part files, manifest, resume and damaged-part checks.

Finished runs are buffered and written as numbered part files, ``part-NNNNNN.parquet``, in three
folders: ``weekly/`` and ``reptable/`` first, then ``runs/``.  Every file is written atomically,
and the ``runs/`` part is written last: it *commits* the part.  So after a crash, SIGKILL
included, the folder holds only whole files, and a run counts as finished exactly when a
committed ``runs/`` part lists it.  Parts without a ``runs/`` file are leftovers of an
interrupted flush and are deleted on resume; parts that cannot be read are renamed
``*.corrupt`` and their runs run again.
"""

from __future__ import annotations

import fcntl
import json
import os
import platform
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.common.atomic import atomic_path, ensure_writable_dir, write_text_atomic
from sim.common.errors import UserError
from sim.common.sweepdir import (MANIFEST, PART_DIRS, PART_NAME, part_name, read_manifest,  # noqa: F401
                                 read_reptable, read_runs, read_weekly)

TEMP_NAME = re.compile(r"^\.part-.*\.tmp\.parquet$")
LOCK = ".sweep.lock"
OURS = (*PART_DIRS, "design.parquet", MANIFEST, "experiment.toml", "summary.csv", LOCK,
        "runs.parquet", "weekly.parquet", "reptable.parquet")  # the last three: sim/sweep/tidy.py
VERSIONED = ("numpy", "pandas", "pyarrow", "scipy", "mesa", "dask", "distributed", "tqdm")


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write one DataFrame as a Parquet file, atomically."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


# ---------------------------------------------------------------- scanning on resume

@dataclass
class Scan:
    """What a sweep folder already holds."""

    status: dict[int, str] = field(default_factory=dict)  # run_id -> latest status
    next_seq: int = 1
    corrupt: list[str] = field(default_factory=list)  # renamed files, relative to the folder
    corrupt_runs: int = 0
    leftovers: int = 0

    @property
    def ok(self) -> set[int]:
        return {r for r, s in self.status.items() if s == "ok"}


def _sequences(out: Path) -> dict[int, dict[str, Path]]:
    """seq -> {folder: path} for every intact-looking part file; also tracks damaged names."""
    found: dict[int, dict[str, Path]] = {}
    for sub in PART_DIRS:
        folder = out / sub
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if TEMP_NAME.match(path.name):
                path.unlink(missing_ok=True)  # a write cut short; never committed
                continue
            m = PART_NAME.match(path.name)
            if m:
                found.setdefault(int(m.group(1)), {})[sub if not m.group(2) else sub + "!"] = path
    return found


def _readable(path: Path) -> pd.DataFrame | None:
    try:
        return pq.read_table(path).to_pandas()
    except Exception:  # noqa: BLE001 - any read failure means the file is damaged
        return None


def scan(out: Path) -> Scan:
    """Read the committed parts: which runs are done, and set damaged parts aside."""
    result = Scan()
    seqs = _sequences(out)
    if seqs:
        result.next_seq = max(seqs) + 1
    for seq in sorted(seqs):
        files = {k: v for k, v in seqs[seq].items() if not k.endswith("!")}
        if "runs" not in files:
            for path in files.values():
                path.unlink(missing_ok=True)
                result.leftovers += 1
            continue
        runs = _readable(files["runs"])
        whole = runs is not None and all(
            sub in files and _readable(files[sub]) is not None for sub in ("weekly", "reptable"))
        if not whole:
            for path in files.values():
                os.replace(path, path.with_name(path.name + ".corrupt"))
                result.corrupt.append(f"{path.parent.name}/{path.name}.corrupt")
            result.corrupt_runs += 0 if runs is None else len(runs)
            continue
        for run_id, status in zip(runs["run_id"], runs["status"]):
            result.status[int(run_id)] = str(status)
    return result


# ---------------------------------------------------------------- writing parts

class PartWriter:
    """Buffers finished runs and writes them as one part every ``every`` runs or ``seconds``."""

    def __init__(self, out: Path, design: pd.DataFrame, next_seq: int, every: int = 200,
                 seconds: float = 5.0):
        self.out = out
        self.design = design.set_index("run_id", drop=False)
        self.seq = next_seq
        self.every = max(1, every)
        self.seconds = seconds
        self.buffer: list[dict] = []
        self.oldest = 0.0
        for sub in PART_DIRS:
            (out / sub).mkdir(parents=True, exist_ok=True)

    def add(self, result: dict) -> None:
        if not self.buffer:
            self.oldest = time.monotonic()
        self.buffer.append(result)

    def due(self) -> bool:
        return bool(self.buffer) and (len(self.buffer) >= self.every
                                      or time.monotonic() - self.oldest >= self.seconds)

    def flush(self) -> int:
        """Write the buffered runs as one part; returns how many runs it held."""
        if not self.buffer:
            return 0
        batch = sorted(self.buffer, key=lambda r: r["run_id"])
        name = part_name(self.seq)
        write_parquet(self._series(batch, "weekly"), self.out / "weekly" / name)
        write_parquet(self._series(batch, "reps"), self.out / "reptable" / name)
        write_parquet(self._runs(batch), self.out / "runs" / name)
        self.seq += 1
        self.buffer = []
        return len(batch)

    def _runs(self, batch: list[dict]) -> pd.DataFrame:
        ids = [r["run_id"] for r in batch]
        df = self.design.loc[ids].reset_index(drop=True)
        df["status"] = [r["status"] for r in batch]
        df["error"] = pd.array([r["error"] for r in batch], dtype="string")
        kpis = pd.DataFrame([r["kpis"] for r in batch], dtype="float64")
        return pd.concat([df, kpis], axis=1)

    @staticmethod
    def _series(batch: list[dict], key: str) -> pd.DataFrame:
        frames = []
        for r in batch:
            data = r.get(key)
            if not data:
                continue
            n = len(next(iter(data.values())))
            frames.append(pd.DataFrame({"run_id": np.full(n, r["run_id"], dtype="int64"),
                                        **data}))
        if not frames:
            return pd.DataFrame({"run_id": pd.Series([], dtype="int64")})
        return pd.concat(frames, ignore_index=True)


def clear_results(out: Path) -> None:
    """Delete what a sweep wrote in ``out`` (used with --force for another experiment)."""
    for sub in PART_DIRS:
        shutil.rmtree(out / sub, ignore_errors=True)
    for name in ("design.parquet", "manifest.json", "experiment.toml", "summary.csv"):
        (out / name).unlink(missing_ok=True)


# ---------------------------------------------------------------- folder, lock and manifest

def write_manifest(out: Path, data: dict) -> None:
    write_text_atomic(out / MANIFEST, json.dumps(data, indent=2, default=str) + "\n")


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("salesim", *VERSIONED):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


def lock(out: Path):
    """Hold an exclusive lock on the folder for the life of the returned file object."""
    fh = open(out / LOCK, "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise UserError(f"{out}: another salesim sweep is writing to this folder; wait for it "
                        "to finish or choose another --out") from None
    return fh


def prepare(out: Path, name: str, digest: str, force: bool):
    """Create or check the sweep folder and lock it.  Returns (lock, manifest or None).

    A folder that holds another experiment, or files that are not a sweep's, is refused unless
    ``force``; with ``force`` the other experiment's results are deleted first.
    """
    ensure_writable_dir(out)
    handle = lock(out)
    manifest = read_manifest(out)
    if manifest is not None and manifest.get("hash") != digest:
        if not force:
            handle.close()
            raise UserError(
                f"{out}: holds results of a different experiment ('{manifest.get('experiment')}'"
                f", hash {str(manifest.get('hash'))[:12]}) than '{name}' (hash {digest[:12]}); "
                "choose another --out, or pass --force to delete those results")
        clear_results(out)
        manifest = None
    if manifest is None and force:
        clear_results(out)
    elif manifest is None:
        foreign = sorted(p.name for p in out.iterdir() if p.name != LOCK)
        if foreign:
            handle.close()
            raise UserError(f"{out}: folder is not empty and holds no sweep (found "
                            f"{', '.join(foreign[:3])}{' ...' if len(foreign) > 3 else ''}); "
                            "choose an empty or new --out, or pass --force to write there")
    return handle, manifest
