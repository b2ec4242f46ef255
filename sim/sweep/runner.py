"""``salesim sweep``: run an experiment's design, streaming results to a resumable folder.

Environment settings (all optional):

``SALESIM_FLUSH_RUNS`` / ``SALESIM_FLUSH_SECONDS``
    write a part file after this many finished runs or this many seconds (default 200 / 5).
``SALESIM_FAIL_RUN_IDS``
    test hook: comma-separated run ids that raise instead of running.
``SALESIM_CRASH_AT``
    test hook: SIGKILL the sweep at a stage of its start or finish (``manifest-starting``,
    ``experiment``, ``design``, ``manifest``, ``part-weekly``, ``part-reptable``, ``part-runs``,
    ``summary``, ``manifest-running`` ...), to check that the same command then resumes.
``SALESIM_RUN_FUNCTION``
    test hook: ``module:function`` called instead of ``sim.scenario.runner:run_scenario``.
``SALESIM_SHARED_BURN_IN``
    ``0`` runs every run on its own; by default runs that differ only in their policies and
    share a seed run as one task with one burn-in (same results, see sim.world.fork).
"""

from __future__ import annotations

import difflib
import functools
import math
import os
import signal
import sys
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

import sim.sweep.experiment as ex
from sim.common.atomic import write_bytes_atomic
from sim.common.errors import ConfigError, UserError
from sim.sweep.grouping import bundle_batches, burn_in_bundles, replica_batches, twin_groups
from sim.sweep.checks import (batch_size, check_workers, execution, run_timeout,
                              sweep_compiles)
from sim.sweep.executors import make_executor
from sim.sweep.tidy import write_tidy
from sim.sweep.packing import run_packed, runs_in
from sim.sweep.task import execute_run
from sim.common.sweepdir import PART_DIRS
from sim.sweep.storage import (LOCK, OURS, PartWriter, clear_results, code_identity, crash_point,
                               part_codes,
                               design_intact, package_versions, prepare, scan, write_design,
                               write_manifest)

DEFAULT_FLUSH_RUNS = 200
DEFAULT_FLUSH_SECONDS = 5.0
SHOWN_ROWS = 10
DRY_RUN_LISTED = 100_000  # larger designs are sized by --dry-run without listing runs
SHOWN_FAILURES = 5
RUN_FUNCTION: str | None = None  # None: the real model; tests may point this elsewhere


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def env_number(name: str, default: float, kind=int):
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise UserError(f"environment {name}={raw!r}: expected a number") from None
    if value <= 0:
        raise UserError(f"environment {name}={raw!r}: expected a number above 0")
    return value


def fail_ids() -> set[int]:
    raw = os.environ.get("SALESIM_FAIL_RUN_IDS", "")
    try:
        return {int(x) for x in raw.replace(" ", "").split(",") if x}
    except ValueError:
        raise UserError(f"environment SALESIM_FAIL_RUN_IDS={raw!r}: expected run ids "
                        "separated by commas") from None


def make_tasks(exp: ex.Experiment, design: ex.Design, groups: dict[int, list[int]],
               timeout: float | None = None, batch: int = 1, compiled: str = "auto",
               workers: int = 1):
    """One task per group of twin runs, built lazily (the executor pulls them as it goes).
    Runs of the real model that can share a burn-in go together as one bundle task; such
    bundles under up to ``batch`` seeds go as one task whose burn-ins are stepped side by
    side (``replicas`` = "policies"; fewer seeds a task if ``workers`` would otherwise
    lack one), and the other replications of one design point as batches of up to
    ``batch`` runs stepped side by side (``replicas`` = True)."""
    table = design.table.set_index("run_id")
    function = os.environ.get("SALESIM_RUN_FUNCTION") or RUN_FUNCTION
    failing = fail_ids()

    def task(run_id):
        row = table.loc[run_id]
        cell = design.cells[int(row["point_id"])]
        return {"run_id": int(run_id), "seed": int(row["seed"]), "weeks": cell["run"]["weeks"],
                "scenario": cell, "kpis": exp.kpis, "run_function": function,
                "fail": bool(failing.intersection(groups[run_id])), "timeout": timeout,
                "compiled": compiled}

    shared = function is None and os.environ.get("SALESIM_SHARED_BURN_IN", "1") != "0"
    bundles = burn_in_bundles(design, groups) if shared else [[r] for r in groups]
    stacked, stacked_bundles = set(), set()
    if function is None and batch > 1:
        # Bundles of several seeds share one stacked burn-in; lone runs of one point stack.
        bundles, stacked_bundles = bundle_batches(design, bundles, batch, workers)
        alone = {b[0] for b in bundles if len(b) == 1}
        bundles = replica_batches(design, bundles, batch, workers)
        stacked = {b[0] for b in bundles if len(b) > 1 and b[0] in alone}
    for bundle in bundles:
        if len(bundle) == 1:
            yield task(bundle[0])
        else:
            out = {"run_id": int(bundle[0]), "bundle": [task(r) for r in bundle]}
            if bundle[0] in stacked:
                out["replicas"] = True
            elif bundle[0] in stacked_bundles:
                out["replicas"] = "policies"
            yield out


def check_kpis(exp: ex.Experiment, design: ex.Design) -> None:
    """Refuse KPI names the model does not produce, using a two-week probe run."""
    if not exp.kpis:
        return
    task = next(make_tasks(exp, design, {0: [0]}))
    probe = execute_run({**task, "weeks": 2, "kpis": [], "fail": False})
    if probe["status"] != "ok":
        return  # the sweep itself will record the model's error
    names = list(probe["kpis"])
    for i, kpi in enumerate(exp.kpis):
        if not any(n == kpi or n.startswith(kpi + ".") for n in names):
            close = difflib.get_close_matches(kpi, names, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            known = ", ".join(sorted({n.split(".")[0] for n in names}))
            raise ConfigError(f"{exp.path}: experiment.kpis[{i}] = '{kpi}': not a KPI of the "
                              f"model; {hint}known: {known}")


def checked_design(exp: ex.Experiment) -> ex.Design:
    """The expanded design after every check the sweep makes before writing (also used by
    ``salesim validate``, so the two agree)."""
    design = ex.expand(exp)
    check_kpis(exp, design)
    return design


def dry_run(exp: ex.Experiment, design: ex.Design) -> int:
    """Print the design size and its first rows; write nothing."""
    print(f"{exp.name}: {ex.size_text(exp)}")
    unique = len(twin_groups(design, list(design.table["run_id"])))
    if unique < design.n_runs:
        print(f"({unique} model runs: runs whose scenario and seed are identical share one)")
    if design.n_runs > exp.max_runs:
        print(f"(above experiment.max_runs = {exp.max_runs}: a real sweep needs --yes)")
    print(f"first {min(SHOWN_ROWS, design.n_runs)} of {design.n_runs} runs:")
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(design.table.head(SHOWN_ROWS).to_string(index=False))
    return 0


def dry_run_size(exp: ex.Experiment) -> int:
    """--dry-run for a design too large to list: its size, computed without expanding it."""
    print(f"{exp.name}: {ex.size_text(exp)}")
    print(f"(too many runs to list; above experiment.max_runs = {exp.max_runs}, a real sweep "
          "needs --yes)" if math.prod(ex.design_size(exp)) > exp.max_runs
          else "(too many runs to list)")
    return 0


def start_folder(out: Path, exp: ex.Experiment, design: ex.Design, digest: str,
                 manifest: dict | None) -> dict:
    """Write the manifest, experiment copy and design, or check and reuse the existing ones.

    The manifest goes first (status ``starting``), so every file salesim writes here is listed
    by a manifest before it exists; a start cut short is finished by the next run of the same
    command.  A missing or unreadable ``design.parquet`` or ``experiment.toml`` is derived again
    from the experiment (the manifest's hash proves it is the same one).
    """
    if manifest is None:
        manifest = {"experiment": exp.name, "source": str(exp.path), "hash": digest,
                    "created": now(), "started": now(), "finished": None, "status": "starting",
                    "files": [name for name in OURS if name != LOCK],
                    "reference": exp.reference, "kpis": exp.kpis,
                    "factors": design.factor_keys, "seasons": list(exp.seasons),
                    "policies": list(exp.policies), "replications": exp.replications,
                    "versions": package_versions(), "code": code_identity(), "sessions": [],
                    "counts": {"total": design.n_runs, "done": 0, "failed": 0,
                               "pending": design.n_runs}}
        write_manifest(out, manifest)
        crash_point("manifest-starting")
    copy = out / "experiment.toml"
    if copy.resolve() != exp.path.resolve() and (
            manifest.get("status") == "starting" or not copy.is_file()):
        write_bytes_atomic(copy, exp.path.read_bytes())
        crash_point("experiment")
    if manifest.get("status") == "starting" or not design_intact(out, design):
        write_design(design.table, out / "design.parquet", digest)
        crash_point("design")
    if manifest.get("status") == "starting":
        manifest["status"] = "new"
        write_manifest(out, manifest)
        crash_point("manifest")
    return manifest


def resume_note(out: Path, found, total: int) -> str | None:
    parts = []
    if found.status:
        parts.append(f"resuming {out}: {len(found.ok)} of {total} runs already done")
    if found.corrupt:
        parts.append(f"{len(found.corrupt)} damaged part file(s) moved aside "
                     f"({', '.join(found.corrupt[:3])}{' ...' if len(found.corrupt) > 3 else ''})"
                     f"; their {found.corrupt_runs} runs will run again")
    return "salesim: " + "; ".join(parts) if parts else None


def failure_report(failures: list[tuple[int, int, str]], total: int, out: Path) -> str:
    lines = [f"salesim: {len(failures)} of {total} runs failed (recorded in {out}/runs with "
             "status 'failed'; resume with --retry-failed to run them again):"]
    for run_id, seed, error in failures[:SHOWN_FAILURES]:
        lines.append(f"  run {run_id} (seed {seed}): {error}")
    if len(failures) > SHOWN_FAILURES:
        lines.append(f"  ... and {len(failures) - SHOWN_FAILURES} more")
    return "\n".join(lines)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


@contextmanager
def sigterm_as_interrupt():
    """Treat SIGTERM (a batch scheduler's pre-emption) like Ctrl-C, so finished runs are saved."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def check_code(out: Path, manifest: dict | None, rerun_all: bool) -> dict | None:
    """Refuse to mix results of two models: the folder's code must be this code.

    With ``rerun_all`` the old runs are deleted (only part files the manifest lists) and the
    design runs again from scratch in the same folder.
    """
    here = code_identity()
    if manifest is None:  # a new folder, or a rebuilt manifest: the parts carry the code
        others = part_codes(out) - {here["model_sha256"]}
        if others and not rerun_all:
            raise UserError(f"{out}: holds runs made by other model code (model "
                            f"{sorted(others)[0][:12]}, this is {here['model_sha256'][:12]}); "
                            "results of two models must not mix: choose a new --out, or pass "
                            "--rerun-all to run the whole design again here")
        if others:
            clear_results(out, {"files": list(PART_DIRS)})
        return None
    there = manifest.get("code")
    if there == here:
        return manifest
    if not rerun_all:
        was = (f"salesim {there.get('salesim')}, model {str(there.get('model_sha256'))[:12]}"
               if isinstance(there, dict) else "a salesim that did not record its code")
        raise UserError(f"{out}: its runs were made by {was}, this is salesim "
                        f"{here['salesim']}, model {here['model_sha256'][:12]}; results of two "
                        "models must not mix: choose a new --out, or pass --rerun-all to run "
                        "the whole design again here")
    clear_results(out, {"files": list(PART_DIRS)})
    return None


def run_sweep(args) -> int:
    exp = ex.load_experiment(args.experiment, args.replications)
    ex.check_size(exp, yes=args.yes or args.dry_run)
    if args.dry_run and math.prod(ex.design_size(exp)) > DRY_RUN_LISTED:
        return dry_run_size(exp)
    workers = check_workers(args.workers, args.executor, args.scheduler)
    if getattr(args, "batch", None) is not None:
        batch_size(args.batch, [])  # a bad --batch stops the sweep before it writes
    design = ex.expand(exp) if args.dry_run else checked_design(exp)
    if args.dry_run:
        return dry_run(exp, design)
    if exp.adaptive is not None:  # replications = "auto": rounds of paired replications
        from sim.sweep.adaptive import run_adaptive
        return run_adaptive(args, exp, design)
    out = Path(args.out) if args.out else Path("results") / "sweeps" / exp.name
    timeout = run_timeout(getattr(args, "run_timeout", None), design.cells)
    digest = ex.experiment_hash(exp, design)
    handle, manifest = prepare(out, exp.name, digest, args.force, exp.path)
    try:
        manifest = check_code(out, manifest, getattr(args, "rerun_all", False))
        with sigterm_as_interrupt():
            manifest = start_folder(out, exp, design, digest, manifest)
            return execute(args, out, exp, design, manifest, workers, timeout)
    finally:
        handle.close()


class Progress:
    """Counts, failures, the progress bar and the manifest of one sweep session."""

    def __init__(self, out: Path, manifest: dict, total: int, done: int, writer: PartWriter,
                 bar, kept: int = 0):
        self.out, self.manifest, self.total, self.done = out, manifest, total, done
        self.writer, self.bar, self.kept = writer, bar, kept  # kept: earlier failures
        self.failures: list[tuple[int, int, str]] = []
        self.session = {"started": now(), "finished": None, "runs": 0, "model_runs": 0,
                        "failed": 0}
        manifest["sessions"].append(self.session)

    def record(self, result: dict, run_ids: list[int], seeds: dict) -> None:
        """Store one model run's result under each of its (twin) run ids."""
        self.session["model_runs"] += 1
        for run_id in run_ids:
            self.writer.add({**result, "run_id": run_id})
            self.session["runs"] += 1
            if result["status"] == "ok":
                self.done += 1
            else:
                self.failures.append((run_id, int(seeds[run_id]), result["error"]))
                self.session["failed"] = len(self.failures)
                self.bar.set_postfix(failed=len(self.failures), refresh=False)
            self.bar.update(1)

    def save(self, status: str) -> None:
        """Write buffered runs as a part, then the manifest with the current counts."""
        self.writer.flush()
        failed = len(self.failures) + self.kept
        self.manifest["counts"] = {"total": self.total, "done": self.done, "failed": failed,
                                   "pending": self.total - self.done - failed}
        self.manifest["status"] = status
        self.session["finished"] = now() if status != "running" else None
        if status == "complete":
            self.manifest["finished"] = now()
            crash_point("summary")
        write_manifest(self.out, self.manifest)
        crash_point(f"manifest-{status}")


def execute(args, out: Path, exp: ex.Experiment, design: ex.Design, manifest: dict,
            workers: int | None = None, timeout: float | None = None) -> int:
    """Run every run not yet done, stream results to ``out`` and keep the manifest current."""
    from tqdm import tqdm

    found = scan(out)
    note = resume_note(out, found, design.n_runs)
    if note:
        print(note, file=sys.stderr)
    kept = set() if getattr(args, "retry_failed", False) else found.failed
    skip = found.ok | kept
    if kept:
        print(f"salesim: {len(kept)} run(s) that failed before are kept as failed; pass "
              "--retry-failed to run them again", file=sys.stderr)
    groups = twin_groups(design, [int(r) for r in design.table["run_id"] if int(r) not in skip])
    seeds = dict(zip(design.table["run_id"], design.table["seed"]))
    writer = PartWriter(out, design.table, found.next_seq,
                        env_number("SALESIM_FLUSH_RUNS", DEFAULT_FLUSH_RUNS),
                        env_number("SALESIM_FLUSH_SECONDS", DEFAULT_FLUSH_SECONDS, float),
                        code_identity()["model_sha256"])
    bar = tqdm(total=design.n_runs, initial=len(found.ok), unit="run", desc=exp.name,
               file=sys.stderr, disable=args.quiet or not sys.stderr.isatty(),
               dynamic_ncols=True)
    progress = Progress(out, manifest, design.n_runs, len(found.ok), writer, bar, len(kept))
    status = "interrupted"
    try:
        batch, compiled = execution(args, exp, design.cells)
        loads = sweep_compiles(exp, design, list(groups), batch, compiled, workers)
        with make_executor(args.executor, workers, args.scheduler, loads) as executor:
            progress.session["executor"] = executor.describe()
            progress.save("running")
            t0 = time.monotonic()  # once the workers are up: the rate counts runs only
            progress.session["batch"], progress.session["compiled"] = batch, compiled
            progress.session["kernels"] = loads  # whether the workers loaded the kernels
            tasks = make_tasks(exp, design, groups, timeout, batch, compiled, workers or 1)
            # Workers pack each task's results into one block (sim.sweep.packing): cheap to
            # send, unpacked here into the same dicts the part writer always took.
            packed = functools.partial(run_packed, execute_run)
            for result in executor.results(packed, tasks):
                for run in runs_in(result) if result is not None else ():
                    progress.record(run, groups[run["run_id"]], seeds)
                if writer.due():
                    progress.save("running")
            seconds = time.monotonic() - t0
        status = "failed" if progress.failures or kept else "complete"
    finally:
        bar.close()
        progress.save(status)
    write_tidy(out, manifest)  # runs/weekly/reptable.parquet for tools other than salesim
    return report(args, exp, progress, seconds)


def report(args, exp: ex.Experiment, progress: Progress, seconds: float) -> int:
    """The closing line, the failures if any, and the exit code."""
    runs, total = progress.session["runs"], progress.total
    if not args.quiet:
        rate = runs / seconds if seconds > 0 else 0.0
        print(f"salesim: sweep '{exp.name}': {progress.done} of {total} runs done in "
              f"{progress.out} ({runs} this session from {progress.session['model_runs']} "
              f"model runs, {rate:.2f} runs/s)", file=sys.stderr)
    if progress.failures:
        print(failure_report(progress.failures, total, progress.out), file=sys.stderr)
        return 1
    return 1 if progress.kept else 0
