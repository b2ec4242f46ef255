"""Issue 17: a crash at any moment leaves a folder that the same command resumes, row for row;
``salesim repair`` rebuilds what can be derived; resume refuses other model code."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import sweep_helpers as h

from sim import cli
import sim.sweep.runner as sweep_mod
import sim.sweep.storage as storage
from sim.sweep.storage import read_runs

FAKE = "sweep_fake_model:run"
FAST = {"SALESIM_FLUSH_RUNS": "4", "SALESIM_RUN_FUNCTION": FAKE}
STAGES = ["manifest-starting", "experiment", "design", "manifest", "manifest-running",
          "part-weekly", "part-reptable", "part-runs", "summary", "manifest-complete"]


@pytest.fixture(autouse=True)
def model(monkeypatch):
    h.use_fake_model(monkeypatch)


@pytest.fixture
def reference(tmp_path):
    path = h.write_experiment(tmp_path, reps=2)  # 16 runs
    assert h.sweep(path, "--out", tmp_path / "ref", "--workers", "1") == 0
    return path, tmp_path / "ref"


def sweep_process(path, out, cwd, **env):
    return subprocess.run([h.python(), "-m", "sim", "sweep", str(path), "--out", str(out),
                           "--workers", "1", "--quiet"], env=h.subprocess_env(**FAST, **env),
                          cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("stage", STAGES)
def test_killed_at_any_stage_the_same_command_resumes_row_for_row(tmp_path, reference, stage):
    path, ref = reference
    out = tmp_path / "killed"
    first = sweep_process(path, out, tmp_path, SALESIM_CRASH_AT=stage)
    assert first.returncode == -signal.SIGKILL, first.stderr
    again = sweep_process(path, out, tmp_path)
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr
    h.assert_same_results(ref, out)
    pd.testing.assert_frame_equal(pd.read_parquet(ref / "design.parquet"),
                                  pd.read_parquet(out / "design.parquet"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["counts"]["done"] == 16


def test_truncated_manifest_is_rebuilt_on_resume(tmp_path, reference, capsys):
    path, ref = reference
    out = tmp_path / "o"
    assert h.sweep(path, "--out", out, "--workers", "1") == 0
    for name in ("part-000003.parquet", "part-000004.parquet"):
        (out / "runs" / name).unlink()
    text = (out / "manifest.json").read_text()
    (out / "manifest.json").write_text(text[:len(text) // 2])
    capsys.readouterr()
    assert h.sweep(path, "--out", out, "--workers", "1") == 0
    err = capsys.readouterr().err
    assert "manifest.json was damaged" in err and "8 of 16 runs already done" in err
    assert (out / "manifest.json.corrupt").exists()
    h.assert_same_results(ref, out)


def test_deleted_design_is_rebuilt_on_resume(tmp_path, reference):
    path, ref = reference
    out = tmp_path / "o"
    assert h.sweep(path, "--out", out, "--workers", "1") == 0
    (out / "design.parquet").unlink()
    assert h.sweep(path, "--out", out, "--workers", "1") == 0
    pd.testing.assert_frame_equal(pd.read_parquet(ref / "design.parquet"),
                                  pd.read_parquet(out / "design.parquet"))


def test_damaged_manifest_of_another_experiment_is_not_touched(tmp_path, reference, capsys):
    path, ref = reference
    other = h.write_experiment(tmp_path, name="other", seed=3, reps=1)
    (ref / "manifest.json").write_text("{ not json")
    before = sorted(p.name for p in (ref / "runs").iterdir())
    assert h.sweep(other, "--out", ref, "--force") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "salesim repair" in err and "nothing was changed" in err
    assert sorted(p.name for p in (ref / "runs").iterdir()) == before
    assert (ref / "manifest.json").read_text() == "{ not json"


def repair(out, *extra) -> tuple[int, str]:
    return cli.main(["repair", str(out), *map(str, extra)])


def test_repair_truncated_manifest(tmp_path, reference, capsys):
    path, ref = reference
    manifest = json.loads((ref / "manifest.json").read_text())
    text = (ref / "manifest.json").read_text()
    (ref / "manifest.json").write_text(text[:100])
    capsys.readouterr()
    assert repair(ref) == 0
    err = capsys.readouterr().err
    assert "manifest.json was damaged" in err and "rebuilt from the design" in err
    rebuilt = json.loads((ref / "manifest.json").read_text())
    assert rebuilt["hash"] == manifest["hash"]
    assert rebuilt["counts"] == {"total": 16, "done": 16, "failed": 0, "pending": 0}
    assert cli.main(["summarize", str(ref)]) == 0
    assert repair(ref) == 0
    assert "OK, nothing to repair" in capsys.readouterr().err


def test_repair_deleted_design(tmp_path, reference, capsys):
    path, ref = reference
    expected = pd.read_parquet(ref / "design.parquet")
    (ref / "design.parquet").unlink()
    assert cli.main(["summarize", str(ref)]) == 2
    assert "salesim repair" in capsys.readouterr().err
    assert repair(ref) == 0
    assert "design.parquet was missing or damaged: rebuilt" in capsys.readouterr().err
    pd.testing.assert_frame_equal(expected, pd.read_parquet(ref / "design.parquet"))
    assert cli.main(["summarize", str(ref)]) == 0


def test_repair_corrupt_design_and_lost_manifest_from_the_folder_copy(tmp_path, reference,
                                                                     capsys):
    path, ref = reference
    expected = pd.read_parquet(ref / "design.parquet")
    (ref / "design.parquet").write_bytes(b"PAR1 garbage")
    (ref / "manifest.json").unlink()
    (ref / "runs" / "part-000002.parquet").write_bytes(b"cut")
    assert repair(ref) == 0
    err = capsys.readouterr().err
    assert "design.parquet was missing or damaged" in err and "manifest.json rebuilt" in err
    assert "3 damaged part file(s)" in err  # the runs, weekly and reptable files of part 2
    pd.testing.assert_frame_equal(expected, pd.read_parquet(ref / "design.parquet"))
    assert json.loads((ref / "manifest.json").read_text())["counts"]["done"] == 12
    assert h.sweep(path, "--out", ref, "--workers", "1") == 0
    assert len(read_runs(ref)) == 16


def test_repair_refuses_an_experiment_that_disagrees_with_the_runs(tmp_path, reference, capsys):
    path, ref = reference
    (ref / "design.parquet").unlink()
    (ref / "manifest.json").unlink()
    (ref / "experiment.toml").write_text((ref / "experiment.toml").read_text()
                                         .replace("seed = 7", "seed = 8"))
    assert repair(ref) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "disagrees with the finished runs" in err
    assert not (ref / "design.parquet").exists()
    assert repair(ref, "--experiment", path) == 0


def test_resume_with_other_model_code_is_refused(tmp_path, reference, monkeypatch, capsys):
    path, ref = reference
    real = storage.code_identity()
    other = {**real, "model_sha256": "f" * 64}
    monkeypatch.setattr(sweep_mod, "code_identity", lambda: other)
    capsys.readouterr()
    assert h.sweep(path, "--out", ref) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "must not mix" in err and "--rerun-all" in err
    # the manifest lost: the parts still carry the code
    (ref / "manifest.json").unlink()
    assert h.sweep(path, "--out", ref) == 2
    assert "other model code" in capsys.readouterr().err
    assert h.sweep(path, "--out", ref, "--rerun-all", "--workers", "1") == 0
    assert "16 of 16 runs already done" not in capsys.readouterr().err
    assert len(read_runs(ref)) == 16


def test_a_hanging_run_times_out_and_retry_failed_reruns_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SWEEP_FAKE_SLEEP", "0")
    path = h.write_experiment(tmp_path, reps=1)
    real = sweep_mod.execute_run

    def slow_first(task):
        if task["run_id"] == 0 and not (tmp_path / "fixed").exists():
            monkeypatch.setenv("SWEEP_FAKE_SLEEP", "5")
        else:
            monkeypatch.setenv("SWEEP_FAKE_SLEEP", "0")
        return real(task)

    monkeypatch.setattr(sweep_mod, "execute_run", slow_first)
    out = tmp_path / "o"
    assert h.sweep(path, "--out", out, "--workers", "1", "--run-timeout", "0.5") == 1
    runs = read_runs(out)
    assert runs.loc[runs["run_id"] == 0, "error"].iloc[0].startswith("timeout")
    assert (runs.loc[runs["run_id"] != 0, "status"] == "ok").all()
    (tmp_path / "fixed").touch()
    assert h.sweep(path, "--out", out, "--workers", "1", "--run-timeout", "0.5") == 1
    assert h.sweep(path, "--out", out, "--workers", "1", "--retry-failed") == 0
    assert (read_runs(out)["status"] == "ok").all()


def test_a_run_killed_before_summary_json_can_rerun_into_its_folder(tmp_path, monkeypatch):
    import sim.scenario.rundir as rundir
    real = rundir.write_text_atomic

    def killed_at_summary(path, text):
        if Path(path).name == "summary.json":
            raise KeyboardInterrupt  # stands in for SIGKILL: the tables are written, no summary
        return real(path, text)

    out = tmp_path / "run"
    argv = ["run", "--weeks", "6", "--set", "org.n_reps=6", "--out", str(out)]
    monkeypatch.setattr(rundir, "write_text_atomic", killed_at_summary)
    assert cli.main(argv) == 130
    assert (out / "weekly.parquet").exists() and not (out / "summary.json").exists()
    monkeypatch.setattr(rundir, "write_text_atomic", real)
    assert cli.main(argv) == 0
    assert (out / "summary.json").exists()


def test_bad_run_timeout_is_refused_before_writing(tmp_path, capsys):
    path = h.write_experiment(tmp_path, reps=1)
    for value in ("0", "-1", "nan", "1e12"):
        assert h.sweep(path, "--out", tmp_path / "o", "--run-timeout", value) == 2
        assert "--run-timeout" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
