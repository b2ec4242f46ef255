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
import hashlib
import json
import os
import platform
import re
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.common.atomic import atomic_path, ensure_writable_dir, write_text_atomic
from sim.common.errors import UserError
from sim.common.sweepdir import (DamagedManifest, MANIFEST, PART_DIRS, PART_NAME, part_name, read_manifest,  # noqa: F401
                                 read_reptable, read_runs, read_weekly)

TEMP_NAME = re.compile(r"^\.part-.*\.tmp\.parquet$")
LOCK = ".sweep.lock"
OURS = (*PART_DIRS, "design.parquet", MANIFEST, "experiment.toml", "summary.csv", LOCK,
        "runs.parquet", "weekly.parquet", "reptable.parquet")  # the last three: sim/sweep/tidy.py
DESIGN_HASH_KEY = "salesim.experiment_hash"
CODE_KEY = "salesim.model_sha256"
VERSIONED = ("numpy", "pandas", "pyarrow", "scipy", "mesa", "dask", "distributed", "tqdm")


def crash_point(stage: str) -> None:
    """Test hook: SIGKILL this process at ``stage`` when ``SALESIM_CRASH_AT`` names it."""
    if os.environ.get("SALESIM_CRASH_AT") == stage:
        os.kill(os.getpid(), signal.SIGKILL)


def write_parquet(df: pd.DataFrame, path: Path, meta: dict[str, str] | None = None) -> None:
    """Write one DataFrame as a Parquet file, atomically (``meta``: extra schema metadata)."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    if meta:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               **{k.encode(): v.encode() for k, v in meta.items()}})
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def write_design(design: pd.DataFrame, path: Path, digest: str) -> None:
    """The design table, carrying the experiment hash so the folder can be checked without
    the manifest."""
    write_parquet(design, path, {DESIGN_HASH_KEY: digest})


def design_hash(path: Path) -> str | None:
    """The experiment hash stored in a design file, or None if it is missing or unreadable."""
    try:
        meta = pq.read_schema(path).metadata or {}
    except Exception:  # noqa: BLE001 - any read failure means the file is damaged or absent
        return None
    value = meta.get(DESIGN_HASH_KEY.encode())
    return value.decode() if value else None


def design_intact(out: Path, design) -> bool:
    """True when ``design.parquet`` reads back and equals the expected design table."""
    try:
        table = pd.read_parquet(out / "design.parquet")
    except Exception:  # noqa: BLE001 - damaged or absent
        return False
    try:
        pd.testing.assert_frame_equal(table, design.table, check_dtype=False)
    except AssertionError:
        return False
    return True


def set_aside(path: Path) -> Path:
    """Rename a damaged file to ``NAME.corrupt`` (numbered if that exists) and return it."""
    target, n = path.with_name(path.name + ".corrupt"), 1
    while target.exists():
        target, n = path.with_name(f"{path.name}.corrupt{n}"), n + 1
    os.replace(path, target)
    return target


def same_sweep(out: Path, digest: str, experiment: Path | None) -> bool:
    """Whether a folder whose manifest is lost holds this experiment's sweep.

    Proof is the experiment hash stored in ``design.parquet``, or, when the design is lost
    too, a byte-identical ``experiment.toml`` copy.
    """
    if design_hash(out / "design.parquet") == digest:
        return True
    copy = out / "experiment.toml"
    try:
        return experiment is not None and copy.is_file() and \
            copy.read_bytes() == experiment.read_bytes()
    except OSError:
        return False


def part_codes(out: Path) -> set[str]:
    """The model code hashes recorded in the committed ``runs/`` parts."""
    codes = set()
    folder = out / "runs"
    for path in sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []:
        try:
            meta = pq.read_schema(path).metadata or {}
        except Exception:  # noqa: BLE001 - a damaged part is set aside by scan()
            continue
        if CODE_KEY.encode() in meta:
            codes.add(meta[CODE_KEY.encode()].decode())
    return codes


def code_identity() -> dict[str, str]:
    """The salesim version and a sha256 of the model's source (world, policies, scenario
    runner and schema, sweep task), so results of two models are never mixed."""
    root = Path(__file__).resolve().parent.parent
    files = sorted([*(root / "world").glob("*.py"), *(root / "policies").glob("*.py"),
                    *(root / "scenario" / n for n in ("schema.py", "runner.py")),
                    root / "sweep" / "task.py"])
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return {"salesim": package_versions().get("salesim", "unknown"),
            "model_sha256": digest.hexdigest()}


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

    @property
    def failed(self) -> set[int]:
        return {r for r, s in self.status.items() if s != "ok"}


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
                 seconds: float = 5.0, code: str | None = None):
        self.out = out
        self.meta = {CODE_KEY: code} if code else None
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
        crash_point("part-weekly")
        write_parquet(self._series(batch, "reps"), self.out / "reptable" / name)
        crash_point("part-reptable")
        write_parquet(self._runs(batch), self.out / "runs" / name, self.meta)
        crash_point("part-runs")
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


def _written(manifest: dict | None) -> list[str]:
    """The names a sweep's manifest says it wrote (only names salesim itself uses)."""
    listed = (manifest or {}).get("files")
    if not isinstance(listed, list):
        listed = list(OURS)  # manifests from before the list: the fixed names of a sweep
    return [name for name in listed if name in OURS and name != LOCK]


def clear_results(out: Path, manifest: dict | None, keep: Path | None = None) -> list[str]:
    """Delete what a sweep wrote in ``out`` and its manifest lists; return what went.

    Inside the part folders only files named like parts (and their temporary or ``.corrupt``
    forms) are removed, and a folder only when that leaves it empty, so anything else a user
    put there survives.  ``keep`` (the experiment file being run) is never removed.
    """
    keep = keep.resolve() if keep is not None else None
    gone = []
    for name in _written(manifest):
        path = out / name
        if keep is not None and path.resolve() == keep:
            continue
        if name in PART_DIRS and path.is_dir() and not path.is_symlink():
            for item in path.iterdir():
                if (PART_NAME.match(item.name) or TEMP_NAME.match(item.name)) and item.is_file():
                    item.unlink()
            try:
                path.rmdir()
            except OSError:
                pass  # the user's own files stay, and so does their folder
            gone.append(name + "/")
        elif path.is_file() or path.is_symlink():
            path.unlink()
            gone.append(name)
    return gone


def collisions(out: Path, keep: Path | None = None) -> list[str]:
    """Entries of a folder without a sweep that carry a sweep's names (so they are not ours)."""
    keep = keep.resolve() if keep is not None else None
    return sorted(p.name + ("/" if p.is_dir() else "") for p in out.iterdir()
                  if p.name in OURS and p.name != LOCK and p.resolve() != keep
                  and not (p.is_dir() and p.name in PART_DIRS and not any(p.iterdir())))


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


def prepare(out: Path, name: str, digest: str, force: bool, experiment: Path | None = None):
    """Create or check the sweep folder and lock it.  Returns (lock, manifest or None).

    A folder that holds another experiment, or files that are not a sweep's, is refused unless
    ``force``.  With ``force`` only what the other experiment's manifest lists is deleted, never
    ``experiment`` (the file being run); a folder without a sweep keeps all its files, and one
    whose files carry a sweep's names (``runs/``, ``design.parquet`` ...) is refused even then.
    """
    ensure_writable_dir(out)
    handle = lock(out)
    try:
        recovered = False
        try:
            manifest = read_manifest(out)
        except DamagedManifest as err:
            if not same_sweep(out, digest, experiment):
                raise UserError(f"{out / MANIFEST}: damaged, and the folder cannot be matched "
                                "to this experiment, so nothing was changed; run `salesim "
                                f"repair {out}` to rebuild it") from err
            set_aside(out / MANIFEST)
            print(f"salesim: {out / MANIFEST} was damaged (kept as {MANIFEST}.corrupt); the "
                  "design matches this experiment, so a new manifest is written and the "
                  "finished runs are kept", file=sys.stderr)
            manifest, recovered = None, True
        if manifest is None and not recovered and collisions(out, experiment) \
                and same_sweep(out, digest, experiment):
            print(f"salesim: {out} has no {MANIFEST}, but its design matches this experiment; "
                  "a new manifest is written and the finished runs are kept", file=sys.stderr)
            recovered = True
        if manifest is not None and manifest.get("hash") != digest:
            if not force:
                raise UserError(
                    f"{out}: holds results of a different experiment "
                    f"('{manifest.get('experiment')}', hash {str(manifest.get('hash'))[:12]}) "
                    f"than '{name}' (hash {digest[:12]}); choose another --out, or pass --force "
                    "to delete those results")
            if experiment is not None and experiment.resolve().parent == out.resolve() \
                    and experiment.name in _written(manifest):
                raise UserError(f"{experiment}: the experiment file being run is inside the "
                                f"sweep folder it would replace; move it out of {out} first")
            clear_results(out, manifest, keep=experiment)
            return handle, None  # what is left is the user's; parts only ever replace parts
        if manifest is None and not recovered:
            clash = collisions(out, experiment)
            if clash:
                raise UserError(f"{out}: holds {', '.join(clash[:3])}"
                                f"{' ...' if len(clash) > 3 else ''} but no sweep manifest, so "
                                "salesim cannot tell them from your own files and will not "
                                "touch them (not even with --force); choose another --out, or "
                                f"run `salesim repair {out}` if this was a sweep")
            foreign = sorted(p.name for p in out.iterdir() if p.name != LOCK)
            if experiment is not None:
                foreign = [n for n in foreign if (out / n).resolve() != experiment.resolve()]
            if foreign and not force:
                raise UserError(f"{out}: folder is not empty and holds no sweep (found "
                                f"{', '.join(foreign[:3])}{' ...' if len(foreign) > 3 else ''}"
                                "); choose an empty or new --out, or pass --force to write "
                                "next to those files (they are kept)")
    except BaseException:
        handle.close()
        raise
    return handle, manifest
