"""``salesim repair DIR``: check a sweep folder like a database integrity check, fix what can
be derived, and say what was fixed.

What a sweep folder holds is of two kinds.  Part files (``runs/``, ``weekly/``, ``reptable/``)
are the results and cannot be made again without running the model; everything else is derived:
``design.parquet`` from the experiment file, ``manifest.json`` from the design and the parts,
``experiment.toml`` from the experiment file.  Repair never deletes a result: damaged parts are
renamed ``*.corrupt`` (as resume does), a damaged manifest is kept as ``manifest.json.corrupt``.
The experiment is taken from ``--experiment``, else the manifest's ``source``, else the folder's
copy; it is accepted only if the finished runs' design columns agree with its design.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

import sim.sweep.experiment as ex
from sim.common.atomic import write_bytes_atomic
from sim.common.errors import UserError
from sim.common.sweepdir import DamagedManifest, read_runs
from sim.sweep.storage import (LOCK, MANIFEST, OURS, code_identity, design_hash, design_intact,
                               lock, package_versions, read_manifest, scan, set_aside,
                               write_design, write_manifest)


def _candidates(out: Path, given: str | None, manifest: dict | None) -> list[Path]:
    paths = [Path(given)] if given else []
    if manifest and isinstance(manifest.get("source"), str):
        paths.append(Path(manifest["source"]))
    paths.append(out / "experiment.toml")
    return [p for p in dict.fromkeys(paths) if p.is_file()]


def agrees(design: ex.Design, runs: pd.DataFrame) -> bool:
    """Every finished run's design columns equal that run's row of the design."""
    if runs.empty:
        return True
    cols = [c for c in design.table.columns if c in runs.columns]
    table = design.table.set_index("run_id")
    if not set(runs["run_id"]) <= set(table.index) or len(cols) < len(design.table.columns):
        return False
    mine = runs.set_index("run_id")[cols[1:]].astype(str)
    theirs = table.loc[runs["run_id"], cols[1:]].astype(str)
    return bool((mine.to_numpy() == theirs.to_numpy()).all())


def find_experiment(out: Path, given: str | None, manifest: dict | None, runs: pd.DataFrame):
    """The experiment (and its design and hash) that made this folder, or a UserError."""
    tried = []
    for path in _candidates(out, given, manifest):
        try:
            exp = ex.load_experiment(path)
            design = ex.expand(exp)
        except UserError as err:
            tried.append(f"{path} ({str(err)[:80]})")
            continue
        digest = ex.experiment_hash(exp, design)
        if manifest and manifest.get("hash") not in (None, digest):
            tried.append(f"{path} (a different experiment than the manifest's)")
            continue
        stored = design_hash(out / "design.parquet")
        if stored not in (None, digest) or not agrees(design, runs):
            tried.append(f"{path} (its design disagrees with the finished runs)")
            continue
        return exp, design, digest
    raise UserError(f"{out}: cannot find the experiment that made this sweep"
                    f"{': tried ' + '; '.join(tried) if tried else ''}; pass it with "
                    "--experiment FILE")


def fresh_manifest(exp: ex.Experiment, design: ex.Design, digest: str) -> dict:
    return {"experiment": exp.name, "source": str(exp.path), "hash": digest, "created": None,
            "started": None, "finished": None, "status": "repaired",
            "files": [n for n in OURS if n != LOCK], "reference": exp.reference,
            "kpis": exp.kpis, "factors": design.factor_keys, "seasons": list(exp.seasons),
            "policies": list(exp.policies), "replications": exp.replications,
            "versions": package_versions(), "code": code_identity(), "sessions": [],
            "counts": {}}


def repair(out: Path, given: str | None = None) -> list[str]:
    """Check and fix ``out``; return one line per fix (empty when it was sound)."""
    if not out.is_dir():
        raise UserError(f"{out}: no such folder")
    fixes: list[str] = []
    handle = lock(out)
    try:
        try:
            manifest = read_manifest(out)
        except DamagedManifest:
            kept = set_aside(out / MANIFEST)
            fixes.append(f"{MANIFEST} was damaged: kept as {kept.name}, rebuilt below")
            manifest = None
        found = scan(out)  # sets damaged parts aside, drops uncommitted ones
        if found.corrupt:
            fixes.append(f"{len(found.corrupt)} damaged part file(s) set aside as *.corrupt; "
                         f"their {found.corrupt_runs} runs will run again on resume")
        if found.leftovers:
            fixes.append(f"{found.leftovers} uncommitted part file(s) of a cut flush removed")
        if manifest is None and not found.status and not (out / "design.parquet").exists() \
                and not (out / "experiment.toml").exists():
            raise UserError(f"{out}: holds no sweep (no manifest, design, experiment copy or "
                            "finished runs); nothing to repair")
        exp, design, digest = find_experiment(out, given, manifest, read_runs(out))
        if not design_intact(out, design) or design_hash(out / "design.parquet") != digest:
            if (out / "design.parquet").exists():
                set_aside(out / "design.parquet")
            write_design(design.table, out / "design.parquet", digest)
            fixes.append(f"design.parquet was missing or damaged: rebuilt from {exp.path} "
                         f"({design.n_runs} runs)")
        if not (out / "experiment.toml").is_file():
            write_bytes_atomic(out / "experiment.toml", exp.path.read_bytes())
            fixes.append(f"experiment.toml was missing: copied from {exp.path}")
        if manifest is None:
            manifest = fresh_manifest(exp, design, digest)
            fixes.append(f"{MANIFEST} rebuilt from the design and the part files")
        ok, failed = len(found.ok & set(design.table["run_id"])), len(found.failed)
        counts = {"total": design.n_runs, "done": ok, "failed": failed,
                  "pending": design.n_runs - ok - failed}
        if manifest.get("counts") != counts:
            if manifest.get("counts"):
                fixes.append(f"manifest counts corrected to {ok} done, {failed} failed, "
                             f"{counts['pending']} pending")
            manifest["counts"] = counts
            if manifest.get("status") in ("complete", "running") and counts["pending"]:
                manifest["status"] = "interrupted"
        if fixes:
            write_manifest(out, manifest)
    finally:
        handle.close()
    return fixes


def cmd_repair(args) -> int:
    out = Path(args.dir)
    fixes = repair(out, getattr(args, "experiment", None))
    if not fixes:
        print(f"{out}: OK, nothing to repair", file=sys.stderr)
    for line in fixes:
        print(f"salesim repair: {out}: {line}", file=sys.stderr)
    return 0
