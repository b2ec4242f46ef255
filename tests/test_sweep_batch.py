"""A sweep steps the replications of a design point side by side (``--batch R``) and writes
exactly what it writes when each run goes alone."""

from __future__ import annotations

from sim.sweep import experiment as ex
from sim.sweep.checks import BATCH_MAX, batch_size
from sim.sweep.grouping import batch_sizes, burn_in_bundles, replica_batches, twin_groups
from sim.sweep.runner import make_tasks

from sweep_helpers import TINY, assert_same_results, sweep, write_experiment


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


def _one_point(tmp_path, reps):
    """A design of one point (one season, one policy, one factor level) x ``reps`` seeds."""
    text = TINY.format(name="one", seed=7, reps=reps).replace(
        'seasons = ["holiday_peak", "flat"]', 'seasons = ["flat"]').replace(
        'rotation = {{ "policies.rotation.enabled" = true }}\n'.replace("{{", "{").replace("}}", "}"),
        "").replace("[0.06, 0.1]", "[0.06]")
    design = ex.expand(ex.load_experiment(write_experiment(tmp_path, text=text), None))
    groups = twin_groups(design, [int(r) for r in design.table["run_id"]])
    return design, burn_in_bundles(design, groups)


def test_batches_are_even_and_give_every_worker_a_task(tmp_path):
    design, bundles = _one_point(tmp_path, 10)
    assert len(bundles) == 10
    sizes = lambda size, workers: sorted(len(b) for b in replica_batches(design, bundles, size,
                                                                         workers))
    assert sizes(8, 1) == [5, 5]        # not 8 and 2
    assert sizes(10, 1) == [10]         # one worker: one batch
    assert sizes(10, 2) == [5, 5]       # two workers: one batch each
    assert sizes(10, 3) == [3, 3, 4]
    assert sizes(4, 2) == [3, 3, 4]     # enough tasks already: only evened
    assert sizes(10, 20) == [1] * 10    # never fewer than one run a task
    # the runs are all there, in run order within each batch
    batches = replica_batches(design, bundles, 10, 3)
    assert sorted(r for b in batches for r in b) == sorted(b[0] for b in bundles)
    assert all(b == sorted(b) for b in batches)
    # tasks that are not batched count towards the workers' share
    assert batch_sizes({"a": 10}, 10, 2, others=1) == {"a": [10]}
    assert batch_sizes({"a": 10}, 10, 3, others=1) == {"a": [5, 5]}
    assert batch_sizes({"a": 10, "b": 30}, 10, 8) == {"a": [5, 5], "b": [5, 5, 5, 5, 5, 5]}


def test_default_batch_follows_the_size_of_the_org():
    cells = [{"org": {"n_reps": 80}}]
    assert batch_size(None, cells) == 20
    assert batch_size(None, [{"org": {"n_reps": 20}}]) == BATCH_MAX
    assert batch_size(None, [{"org": {"n_reps": 2000}}]) == 1
    assert batch_size(None, [{"org": {"n_reps": 200}}]) == 8
    assert batch_size(None, [{"org": {"n_reps": 801}}]) == 1
    assert batch_size(7, cells) == 7


def test_bad_batch_exits_2_and_writes_nothing(tmp_path, capsys):
    exp = write_experiment(tmp_path)
    out = tmp_path / "out"
    assert sweep(exp, "--out", out, "--batch", "0") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--batch 0" in err[0] and "expected" in err[0]
    assert not out.exists()
