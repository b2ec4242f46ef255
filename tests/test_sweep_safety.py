"""Issue 17, severe cases: --force removes only what salesim wrote and its manifest lists."""

from __future__ import annotations

import json

import pytest
import sweep_helpers as h

from sim.sweep.storage import read_runs



@pytest.fixture(autouse=True)
def model(monkeypatch):
    h.use_fake_model(monkeypatch)


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("force", [False, True])
def test_users_runs_folder_without_a_sweep_is_never_deleted(tmp_path, capsys, force):
    path = h.write_experiment(tmp_path, reps=1)
    mine = tmp_path / "mine"
    (mine / "runs").mkdir(parents=True)
    (mine / "runs" / "notes.txt").write_text("my own runs")
    (mine / "design.parquet").write_text("my own design, not a parquet file")
    args = ["--force"] if force else []
    assert h.sweep(path, "--out", mine, *args) == 2
    err = one_line_error(capsys)
    assert "will not touch them" in err and "runs/" in err
    assert (mine / "runs" / "notes.txt").read_text() == "my own runs"
    assert (mine / "design.parquet").read_text().startswith("my own design")
    assert not (mine / "manifest.json").exists()


def test_force_next_to_unrelated_files_keeps_them(tmp_path, capsys):
    path = h.write_experiment(tmp_path, reps=1)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    assert h.sweep(path, "--out", mine) == 2
    assert h.sweep(path, "--out", mine, "--force", "--workers", "1") == 0
    assert (mine / "notes.txt").read_text() == "keep me"
    assert len(read_runs(mine)) == 8


def test_force_keeps_the_experiment_file_and_user_files_in_a_sweep_folder(tmp_path, capsys):
    first = h.write_experiment(tmp_path, reps=1)
    out = tmp_path / "o"
    assert h.sweep(first, "--out", out, "--workers", "1") == 0
    # the user keeps an experiment file and notes inside the sweep folder, and in runs/
    other = h.write_experiment(out, name="other", seed=3, reps=2)
    (out / "notes.txt").write_text("mine")
    (out / "runs" / "README").write_text("mine too")
    assert h.sweep(other, "--out", out, "--force", "--workers", "1") == 0
    assert other.read_text().startswith("[experiment]")
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "runs" / "README").read_text() == "mine too"
    assert json.loads((out / "manifest.json").read_text())["experiment"] == "other"
    assert len(read_runs(out)) == 16


def test_force_never_replaces_the_experiment_file_being_run(tmp_path, capsys):
    first = h.write_experiment(tmp_path, reps=1)
    out = tmp_path / "o"
    assert h.sweep(first, "--out", out, "--workers", "1") == 0
    # edit the folder's own copy into another experiment and run it in place with --force
    copy = out / "experiment.toml"
    text = copy.read_text().replace("seed = 7", "seed = 8")
    copy.write_text(text)
    capsys.readouterr()
    assert h.sweep(copy, "--out", out, "--force") == 2
    err = one_line_error(capsys)
    assert "inside the sweep folder" in err
    assert copy.read_text() == text
    assert len(read_runs(out)) == 8  # the old results are untouched too


def test_manifest_lists_what_the_sweep_wrote(tmp_path):
    path = h.write_experiment(tmp_path, reps=1)
    out = tmp_path / "o"
    assert h.sweep(path, "--out", out, "--workers", "1") == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["files"]) >= {"runs", "weekly", "reptable", "design.parquet",
                                      "experiment.toml", "manifest.json"}
    assert manifest["code"]["model_sha256"] and manifest["status"] == "complete"
