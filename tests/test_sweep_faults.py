"""Sweep faults: SIGKILL and resume, failing runs, damaged parts, foreign and busy folders."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pandas as pd
import pytest
import sweep_helpers as h

from sim import cli
import sim.sweep.task as runtask
import sim.sweep.runner as sweep_mod
from sim.sweep.storage import lock, read_runs, read_weekly

FAST_PARTS = {"SALESIM_FLUSH_RUNS": "4"}


@pytest.fixture(autouse=True)
def model(monkeypatch):
    monkeypatch.setattr(sweep_mod, "RUN_FUNCTION", h.RUN_FUNCTION)
    monkeypatch.delenv("SALESIM_FAIL_RUN_IDS", raising=False)
    for key, value in FAST_PARTS.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def reference(tmp_path):
    """An uninterrupted sweep of the tiny experiment (4 replications, 32 runs)."""
    path = h.write_experiment(tmp_path, reps=4)
    assert h.sweep(path, "--out", tmp_path / "ref", "--workers", "1") == 0
    return path, tmp_path / "ref"


def parts(out, sub="runs"):
    """Committed part files (not the hidden temporary files of a write in progress)."""
    return sorted(p.name for p in (out / sub).glob("part-*.parquet"))


def start_sweep(path, out, cwd, **env):
    """A ``python -m sim sweep`` subprocess in its own session (so the test can clean up)."""
    return subprocess.Popen([h.python(), "-m", "sim", "sweep", str(path), "--out", str(out),
                             "--workers", "2", "--quiet"], env=h.subprocess_env(**env),
                            cwd=cwd, stderr=subprocess.PIPE, text=True, start_new_session=True)


def stop_midway(proc, out, sig, min_parts=3) -> str:
    """Send ``sig`` once ``min_parts`` parts are committed; returns the process's stderr."""
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if (out / "runs").is_dir() and len(parts(out)) >= min_parts:
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the sweep ended before it could be stopped"
        os.kill(proc.pid, sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return err


def test_resume_after_sigkill_matches_uninterrupted(tmp_path):
    path = h.write_experiment(tmp_path, reps=8)  # 64 runs
    assert h.sweep(path, "--out", tmp_path / "ref", "--workers", "1") == 0
    out = tmp_path / "killed"
    proc = start_sweep(path, out, tmp_path, **FAST_PARTS)
    stop_midway(proc, out, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    done = read_runs(out)
    assert 12 <= len(done) < 64 and (done["status"] == "ok").all()
    resumed = subprocess.run([h.python(), "-m", "sim", "sweep", str(path), "--out", str(out),
                              "--workers", "2", "--quiet"], env=h.subprocess_env(**FAST_PARTS),
                             cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(done)} of 64 runs already done" in resumed.stderr
    h.assert_same_results(tmp_path / "ref", out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["counts"]["done"] == 64
    assert len(manifest["sessions"]) == 2


def test_sigterm_saves_finished_runs_and_exits_130(tmp_path):
    path = h.write_experiment(tmp_path, reps=8)
    out = tmp_path / "o"
    # parts every 50 runs or 0.5 s: SIGTERM must save the runs still in the buffer
    proc = start_sweep(path, out, tmp_path, SALESIM_FLUSH_RUNS="50",
                       SALESIM_FLUSH_SECONDS="0.5")
    err = stop_midway(proc, out, signal.SIGTERM, min_parts=1)
    assert proc.returncode == 130
    assert err.strip().splitlines()[-1] == "salesim: interrupted; finished results are kept"
    manifest = json.loads((out / "manifest.json").read_text())
    runs = read_runs(out)
    assert manifest["status"] == "interrupted" and manifest["sessions"][0]["finished"]
    assert manifest["counts"]["done"] == len(runs) == manifest["sessions"][0]["runs"] < 64


def test_failing_runs_are_recorded_and_the_sweep_finishes(tmp_path, reference, monkeypatch,
                                                          capsys):
    path, ref = reference
    out = tmp_path / "o"
    monkeypatch.setenv("SALESIM_FAIL_RUN_IDS", "5,17")
    assert h.sweep(path, "--out", out, "--workers", "2") == 1
    err = capsys.readouterr().err
    runs = read_runs(out)
    assert len(runs) == 32
    failed = runs[runs["status"] == "failed"]
    assert list(failed["run_id"]) == [5, 17]
    assert failed["error"].str.contains("SALESIM_FAIL_RUN_IDS").all()
    assert failed["revenue_total"].isna().all()
    design = pd.read_parquet(out / "design.parquet").set_index("run_id")
    assert list(failed["seed"]) == list(design.loc[[5, 17], "seed"])
    assert "2 of 32 runs failed" in err and f"run 5 (seed {design.loc[5, 'seed']})" in err
    assert not set(read_weekly(out)["run_id"]) & {5, 17}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"] == {"total": 32, "done": 30, "failed": 2, "pending": 0}
    # a plain resume keeps the failures (a run that hung would hang again) and says so
    monkeypatch.delenv("SALESIM_FAIL_RUN_IDS")
    assert h.sweep(path, "--out", out, "--workers", "1") == 1
    assert "2 run(s) that failed before are kept" in capsys.readouterr().err
    assert list(read_runs(out).query("status == 'failed'")["run_id"]) == [5, 17]
    # --retry-failed runs only the failed runs, and then matches an uninterrupted sweep
    assert h.sweep(path, "--out", out, "--workers", "1", "--retry-failed") == 0
    assert "30 of 32 runs already done" in capsys.readouterr().err
    h.assert_same_results(ref, out)


def test_model_error_is_recorded_with_its_message(tmp_path, monkeypatch):
    real = runtask.run_model

    def flaky(task):
        if task["run_id"] % 7 == 3:
            raise ZeroDivisionError("no reps left in team 2")
        return real(task)

    real_batch = runtask.run_replicas

    def flaky_batch(tasks):  # a batch holding a failing run fails; each then runs alone
        if any(t["run_id"] % 7 == 3 for t in tasks):
            raise ZeroDivisionError("no reps left in team 2")
        return real_batch(tasks)

    monkeypatch.setattr(runtask, "run_model", flaky)
    monkeypatch.setattr(runtask, "run_replicas", flaky_batch)
    out = tmp_path / "o"
    assert h.sweep(h.write_experiment(tmp_path), "--out", out, "--workers", "1") == 1
    runs = read_runs(out)
    bad = runs[runs["status"] == "failed"]
    assert list(bad["run_id"]) == [3, 10, 17]
    assert set(bad["error"]) == {"ZeroDivisionError: no reps left in team 2"}


def test_a_worker_that_dies_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    monkeypatch.setattr(sweep_mod, "RUN_FUNCTION", "sweep_fake_model:run")
    text = h.TINY.format(name="die", seed=2, reps=1).replace(
        '"comp.commission_rate" = [0.06, 0.1]', '"comp.cap" = [0.0, 99.0, 1.0]')
    out = tmp_path / "o"
    assert h.sweep(h.write_experiment(tmp_path, text=text), "--out", out, "--workers", "2") == 1
    runs = read_runs(out)
    assert len(runs) == 12
    dying = runs["comp.cap"] == 99.0
    assert (runs.loc[dying, "status"] == "failed").all()
    assert runs.loc[dying, "error"].str.startswith("worker lost").all()
    assert (runs.loc[~dying, "status"] == "ok").all()  # runs in flight with them were retried


def test_different_experiment_is_refused_unless_force(tmp_path, reference, capsys):
    path, ref = reference
    other = h.write_experiment(tmp_path, name="other", seed=99, reps=2)
    before = parts(ref)
    assert h.sweep(other, "--out", ref) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "holds results of a different experiment ('tiny'" in err and "--force" in err
    assert parts(ref) == before
    # changing a single setting of the same file is a different experiment too
    path.write_text(path.read_text().replace("weeks = 20", "weeks = 21"))
    assert h.sweep(path, "--out", ref) == 2
    assert h.sweep(other, "--out", ref, "--force", "--workers", "1") == 0
    runs = read_runs(ref)
    assert len(runs) == 16 and json.loads((ref / "manifest.json").read_text())["experiment"] \
        == "other"


def test_damaged_parts_are_moved_aside_and_rerun(tmp_path, reference, capsys):
    path, ref = reference
    out = tmp_path / "o"
    assert h.sweep(path, "--out", out, "--workers", "1") == 0
    assert len(parts(out)) == 8  # 32 runs, a part every 4
    victim = out / "runs" / "part-000002.parquet"
    victim.write_bytes(victim.read_bytes()[:200])  # truncated
    weekly = out / "weekly" / "part-000005.parquet"
    weekly.write_bytes(b"not parquet at all")
    capsys.readouterr()
    assert h.sweep(path, "--out", out, "--workers", "1") == 0
    err = capsys.readouterr().err.splitlines()
    note = [line for line in err if "damaged" in line]
    assert len(note) == 1
    assert "runs/part-000002.parquet.corrupt" in note[0] and "their 4 runs" in note[0]
    assert (out / "weekly" / "part-000005.parquet.corrupt").exists()
    assert (out / "runs" / "part-000005.parquet.corrupt").exists()
    h.assert_same_results(ref, out)


def test_uncommitted_parts_from_a_cut_flush_are_dropped(tmp_path, reference, capsys):
    path, ref = reference
    out = tmp_path / "o"
    assert h.sweep(path, "--out", out, "--workers", "1") == 0
    (out / "runs" / "part-000003.parquet").unlink()  # killed after weekly/reptable, before runs
    (out / "weekly" / ".part-000009.parquet.1.2.3.tmp.parquet").write_bytes(b"half")
    assert h.sweep(path, "--out", out, "--workers", "1") == 0
    assert "28 of 32 runs already done" in capsys.readouterr().err
    assert not (out / "weekly" / "part-000003.parquet").exists()
    assert not any(p.name.startswith(".part-") for p in (out / "weekly").iterdir())
    h.assert_same_results(ref, out)
    assert not read_weekly(out).duplicated(["run_id", "week"]).any()


def test_finished_sweep_resumes_to_nothing(tmp_path, reference, capsys):
    path, ref = reference
    before = parts(ref)
    assert h.sweep(path, "--out", ref) == 0
    assert "32 of 32 runs already done" in capsys.readouterr().err
    assert parts(ref) == before


def test_foreign_folder_and_busy_folder_are_refused(tmp_path, capsys):
    path = h.write_experiment(tmp_path)
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    assert h.sweep(path, "--out", foreign) == 2
    assert "holds no sweep (found notes.txt)" in capsys.readouterr().err
    busy = tmp_path / "busy"
    busy.mkdir()
    handle = lock(busy)
    try:
        assert h.sweep(path, "--out", busy) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "another salesim sweep is writing" in err
    finally:
        handle.close()
    assert cli.main(["summarize", str(foreign)]) == 2
    assert "not a sweep folder" in capsys.readouterr().err
