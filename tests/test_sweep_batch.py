"""A sweep steps the replications of a design point side by side (``--batch R``) and writes
exactly what it writes when each run goes alone."""

from __future__ import annotations

from sim.sweep import experiment as ex
from sim.sweep.checks import BATCH_MAX, batch_size
from sim.sweep.grouping import burn_in_bundles, replica_batches, twin_groups
from sim.sweep.runner import make_tasks

from sweep_helpers import assert_same_results, sweep, write_experiment


def test_batched_sweep_writes_what_single_runs_write(tmp_path):
    exp = write_experiment(tmp_path, reps=3)
    alone, batched = tmp_path / "alone", tmp_path / "batched"
    assert sweep(exp, "--out", alone, "--workers", "1", "--batch", "1") == 0
    assert sweep(exp, "--out", batched, "--workers", "2", "--batch", "2") == 0
    assert_same_results(alone, batched)


def test_batches_hold_one_point_under_different_seeds(tmp_path):
    exp = ex.load_experiment(write_experiment(tmp_path, reps=5), None)
    design = ex.expand(exp)
    groups = twin_groups(design, [int(r) for r in design.table["run_id"]])
    tasks = list(make_tasks(exp, design, groups, None, batch=3))
    table = design.table.set_index("run_id")
    covered = []
    for task in tasks:
        members = task.get("bundle", [task])
        assert len(members) <= 3
        points = {int(table.loc[m["run_id"], "point_id"]) for m in members}
        seeds = [m["seed"] for m in members]
        assert len(points) == 1 and len(set(seeds)) == len(seeds)
        assert task.get("replicas", False) == (len(members) > 1)
        covered += [m["run_id"] for m in members]
    assert sorted(covered) == sorted(groups)
    # 5 replications in batches of at most 3: every point gives a batch of 3 and one of 2
    assert sorted(len(t.get("bundle", [t])) for t in tasks)[:2] == [2, 2]
    assert replica_batches(design, burn_in_bundles(design, groups), 1) == \
        burn_in_bundles(design, groups)


def test_default_batch_follows_the_size_of_the_org():
    cells = [{"org": {"n_reps": 80}}]
    assert batch_size(None, cells) == 10
    assert batch_size(None, [{"org": {"n_reps": 20}}]) == BATCH_MAX
    assert batch_size(None, [{"org": {"n_reps": 2000}}]) == 1
    assert batch_size(None, [{"org": {"n_reps": 200}}]) == 4
    assert batch_size(7, cells) == 7


def test_bad_batch_exits_2_and_writes_nothing(tmp_path, capsys):
    exp = write_experiment(tmp_path)
    out = tmp_path / "out"
    assert sweep(exp, "--out", out, "--batch", "0") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--batch 0" in err[0] and "expected" in err[0]
    assert not out.exists()
