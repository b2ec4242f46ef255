"""Whether a sweep's runs take the compiled kernels is a setting of the experiment file
(``compiled``) or of the command line (``--compiled``): it changes speed and memory, never a
row."""

from __future__ import annotations

import json

import pytest

from sim.common.errors import ConfigError
from sim.sweep import experiment as ex
from sim.sweep.checks import execution
from sim.sweep.task import execute_run
from sim.world import kernels

from sweep_helpers import assert_same_results, sweep, write_experiment


def sessions(out):
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))["sessions"]


def test_compiled_from_the_file_leaves_every_row_unchanged(tmp_path):
    plain = write_experiment(tmp_path, name="plain", reps=3)
    fast = write_experiment(tmp_path, name="fast", reps=3)
    fast.write_text(fast.read_text(encoding="utf-8").replace(
        "[experiment]\n", '[experiment]\ncompiled = "on"\n'), encoding="utf-8")
    state = (kernels.ENABLED, kernels.MIN_SIZE)
    assert sweep(plain, "--out", tmp_path / "a", "--workers", "1", "--batch", "1",
                 "--compiled", "off") == 0
    assert sweep(fast, "--out", tmp_path / "b", "--workers", "1", "--batch", "3") == 0
    assert_same_results(tmp_path / "a", tmp_path / "b")
    assert (sessions(tmp_path / "a")[-1]["batch"], sessions(tmp_path / "a")[-1]["compiled"]) \
        == (1, "off")
    assert (sessions(tmp_path / "b")[-1]["batch"], sessions(tmp_path / "b")[-1]["compiled"]) \
        == (3, "on")
    # whether the workers loaded the kernels, as the manifest says of each session
    assert sessions(tmp_path / "a")[-1]["kernels"] is False
    assert sessions(tmp_path / "b")[-1]["kernels"] is kernels.AVAILABLE
    assert (kernels.ENABLED, kernels.MIN_SIZE) == state  # put back after every task


def test_the_command_line_wins_over_the_file(tmp_path):
    path = write_experiment(tmp_path, reps=2, extra="")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "[experiment]\n", '[experiment]\ncompiled = "on"\n'), encoding="utf-8")
    exp = ex.load_experiment(path)
    cells = ex.expand(exp).cells

    class Args:
        batch, compiled, quiet = None, None, True
    assert execution(Args, exp, cells) == (20, "on")  # 16 reps: the default batch by size
    Args.batch, Args.compiled = 1, "off"
    assert execution(Args, exp, cells) == (1, "off")


def test_missing_numba_is_said_once_and_the_numpy_path_runs(tmp_path, monkeypatch, capsys):
    exp = ex.load_experiment(write_experiment(tmp_path))
    monkeypatch.setattr(kernels, "AVAILABLE", False)

    class Args:
        batch, compiled, quiet = None, "on", False
    assert execution(Args, exp, ex.expand(exp).cells)[1] == "on"
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "numba is not installed" in err[0]
    with kernels.mode("on"):
        assert not kernels.setting()[0] and not kernels.on(10**9)  # nothing to switch on


@pytest.mark.parametrize("line, key, value", [
    ('compiled = "fast"', "experiment.compiled", "'fast'"),
    ("compiled = true", "experiment.compiled", "true"),
    ('compiled = ["on"]', "experiment.compiled", "['on']"),
])
def test_bad_execution_settings_name_file_key_and_value(tmp_path, line, key, value):
    path = write_experiment(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "[experiment]\n", f"[experiment]\n{line}\n"), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        ex.load_experiment(path)
    message = str(err.value)
    assert str(path) in message and key in message and value in message
    assert "expected" in message and "\n" not in message


def test_bad_setting_exits_2_and_writes_nothing(tmp_path, capsys):
    path = write_experiment(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "[experiment]\n", '[experiment]\ncompiled = "yes"\n'), encoding="utf-8")
    out = tmp_path / "out"
    assert sweep(path, "--out", out) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "experiment.compiled" in err[0] and '"auto"' in err[0]
    assert not out.exists()


def test_a_task_runs_its_own_path_and_puts_the_setting_back(monkeypatch):
    seen = []

    def fake(task):
        seen.append(kernels.setting())
        raise RuntimeError("stop")
    monkeypatch.setattr("sim.sweep.task.run_model", fake)
    state = kernels.setting()
    for mode in ("on", "off", "auto"):
        result = execute_run({"run_id": 0, "seed": 1, "weeks": 1, "scenario": {},
                              "compiled": mode})
        assert result["status"] == "failed" and result["error"].endswith("stop")
        assert kernels.setting() == state == (kernels.ENABLED, kernels.MIN_SIZE)
    assert seen[0] == (kernels.AVAILABLE, 0)
    assert seen[1][0] is False
    assert seen[2] == state


def test_workers_load_the_kernels_as_they_start_when_the_sweep_needs_them(monkeypatch):
    from sim.sweep.checks import KERNEL_LOAD_REP_WEEKS, compiles, rep_weeks
    from sim.sweep.executors import PoolExecutor
    monkeypatch.delenv("SALESIM_RUN_FUNCTION", raising=False)
    monkeypatch.setattr(kernels, "MIN_SIZE", 5000)
    planner = [{"org": {"n_reps": 80}, "accounts": {"per_rep": 20.0}}]
    assert compiles("auto", 20, planner)          # a batch of 20 x 1,600 accounts
    assert not compiles("auto", 1, planner)       # runs alone: numpy, numba never loaded
    assert compiles("on", 1, planner) and not compiles("off", 20, planner)
    # runs alone, but enough of them per worker to pay for loading the kernels
    load = KERNEL_LOAD_REP_WEEKS
    assert compiles("auto", 1, planner, rep_weeks=2 * load, workers=2)
    assert not compiles("auto", 1, planner, rep_weeks=2 * load - 1, workers=2)
    assert not compiles("off", 1, planner, rep_weeks=10 * load)
    cells = [{"org": {"n_reps": 80}, "run": {"weeks": 156, "burn_in_weeks": 156}},
             {"org": {"n_reps": 20}, "run": {"weeks": 52}}]
    assert rep_weeks(cells, [0, 1, 1]) == 80 * 312 + 2 * 20 * 52
    for wanted in (True, False):
        with PoolExecutor(2, kernels=wanted) as pool:
            loaded = {pool.pool.submit(kernels.compiled).result() for _ in range(4)}
        assert loaded == {wanted}
