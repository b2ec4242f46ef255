"""One shared burn-in gives every policy exactly the run it would have had alone.

``sim.world.fork`` simulates the burn-in once and continues a copy of the model under each
policy; ``salesim sweep`` bundles such runs.  These tests compare every table bit for bit with
runs built from week 0, and check that a sweep's results do not depend on the bundling.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from sim.policies.registry import build_policies
from sim.scenario.loading import load_scenario
from sim.scenario.runner import (run_policies, run_policies_replicated, run_scenario,
                                 same_world)
from sim.sweep import experiment as ex
from sim.sweep.grouping import bundle_batches, burn_in_bundles, twin_groups
from sim.sweep.runner import make_tasks
from sim.world import fork as forking
from sim.world.model import SalesModel
from sweep_helpers import assert_same_results, results, sweep

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SMALL = ["org.n_reps=24", "run.burn_in_weeks=16"]


def digest(res) -> str:
    h = hashlib.sha256(json.dumps(res.summary, sort_keys=True, default=str).encode())
    for part in (res.weekly, res.reps, res.panel, res.accounts, res.events, res.handovers):
        for name in sorted(part or {}):
            arr = np.asarray(part[name])
            h.update(name.encode())
            h.update(arr.tobytes() if arr.dtype != object else repr(arr.tolist()).encode())
    return h.hexdigest()


def test_every_shipped_scenario_forked_equals_its_own_run():
    scs = [load_scenario(p, sets=SMALL) for p in sorted(SCENARIOS.glob("*.toml"))]
    shared = run_policies(scs, seed=4, weeks=24)
    alone = [run_scenario(sc, 4, 24) for sc in scs]
    assert [digest(a) for a in shared] == [digest(b) for b in alone]
    # most scenarios only switch policies on, so the test does exercise the shared burn-in
    base = scs[[sc.name for sc in scs].index("baseline")]
    assert sum(same_world(base, sc) for sc in scs) >= 20


def test_seeds_side_by_side_forked_equal_their_own_runs():
    """The burn-ins of several seeds stepped as one model, forked per policy: each result
    equals the run alone; a world that differs falls back to one seed at a time."""
    names = ["baseline", "rotation", "team_bonus", "favouritism"]
    scs = [load_scenario(SCENARIOS / f"{n}.toml", sets=SMALL) for n in names]
    seeds = [4, 5, 6]
    got = run_policies_replicated(scs, seeds, weeks=24)
    assert [[digest(r) for r in row] for row in got] == [
        [digest(run_scenario(sc, s, 24)) for s in seeds] for sc in scs]
    other = [scs[0], load_scenario(SCENARIOS / "season_flat.toml", sets=SMALL)]
    mixed = run_policies_replicated(other, seeds[:2], weeks=24)
    assert [[digest(r) for r in row] for row in mixed] == [
        [digest(run_scenario(sc, s, 24)) for s in seeds[:2]] for sc in other]


def test_worlds_that_differ_are_not_shared():
    base = load_scenario(SCENARIOS / "baseline.toml", sets=SMALL)
    assert same_world(base, load_scenario(SCENARIOS / "rotation.toml", sets=SMALL))
    assert not same_world(base, load_scenario(SCENARIOS / "season_flat.toml", sets=SMALL))
    assert not same_world(base, load_scenario(SCENARIOS / "baseline.toml",
                                              sets=[*SMALL, "reps.stress_cost=0.9"]))


def test_forks_do_not_share_state():
    """Each fork owns its generators and arrays: running one leaves the others unchanged."""
    base = load_scenario(SCENARIOS / "baseline.toml", sets=SMALL)
    model = SalesModel(base, rng=9, weeks=10, panel=False, policies=[])
    forking.burn_in(model)
    first = forking.fork(model, base, [])
    forking.finish(first)
    second = forking.fork(model, base, [])
    forking.finish(second)
    assert np.array_equal(first.collector.weekly["revenue"], second.collector.weekly["revenue"])
    assert model.week == model.burn_in  # the template itself never moved


def test_fork_refuses_a_model_that_is_not_at_the_end_of_its_burn_in():
    base = load_scenario(SCENARIOS / "baseline.toml", sets=SMALL)
    model = SalesModel(base, rng=1, weeks=4, panel=False, policies=[])
    with pytest.raises(ValueError, match="end of its burn-in"):
        forking.fork(model, base, [])
    with_policy = load_scenario(SCENARIOS / "coaching.toml", sets=SMALL)
    busy = SalesModel(with_policy, rng=1, weeks=4, panel=False,
                      policies=build_policies(with_policy))
    with pytest.raises(ValueError, match="no policies"):
        forking.burn_in(busy)


EXPERIMENT = """\
[experiment]
name = "bundled"
base = "{root}/baseline.toml"
seed = 5
replications = 2
weeks = 12
seasons = ["holiday_peak", "flat"]
reference = "baseline"

[set]
"org.n_reps" = 16
"run.burn_in_weeks" = 10

[policies]
baseline = {{}}
rotation = "{root}/rotation.toml"
coaching = "{root}/coaching.toml"
"""


def _experiment(tmp_path) -> Path:
    path = tmp_path / "bundled.toml"
    path.write_text(EXPERIMENT.format(root=SCENARIOS), encoding="utf-8")
    return path


def test_sweep_bundles_the_policies_of_a_point_and_seed(tmp_path):
    exp = ex.load_experiment(_experiment(tmp_path))
    design = ex.expand(exp)
    groups = twin_groups(design, list(design.table["run_id"]))
    bundles = burn_in_bundles(design, groups)
    assert sorted(len(b) for b in bundles) == [3] * 4  # 2 seasons x 2 replications
    table = design.table.set_index("run_id")
    for bundle in bundles:
        rows = table.loc[bundle]
        assert rows["seed"].nunique() == 1 and rows["season"].nunique() == 1
        assert sorted(rows["policy"]) == ["baseline", "coaching", "rotation"]


def test_sweep_stacks_the_bundles_of_a_point_across_seeds(tmp_path):
    exp = ex.load_experiment(_experiment(tmp_path))
    design = ex.expand(exp)
    groups = twin_groups(design, list(design.table["run_id"]))
    bundles = burn_in_bundles(design, groups)
    batched, firsts = bundle_batches(design, bundles, 2)
    assert sorted(len(b) for b in batched) == [6, 6]  # a season's 3 policies x 2 seeds
    assert firsts == {b[0] for b in batched}
    assert bundle_batches(design, bundles, 1) == (bundles, set())
    # two workers and one season: its two seeds split so that each worker has a task
    one_season = [b for b in bundles if b[0] in batched[0]]
    assert sorted(len(b) for b in bundle_batches(design, one_season, 2, workers=2)[0]) == [3, 3]
    assert len(bundle_batches(design, bundles, 2, workers=2)[0]) == 2
    tasks = list(make_tasks(exp, design, groups, batch=2))
    assert [t.get("replicas") for t in tasks] == ["policies", "policies"]
    table = design.table.set_index("run_id")
    for t in tasks:
        rows = table.loc[[m["run_id"] for m in t["bundle"]]]
        assert rows["season"].nunique() == 1 and rows["seed"].nunique() == 2


def test_sweep_results_do_not_depend_on_the_shared_burn_in(tmp_path, monkeypatch):
    path = _experiment(tmp_path)
    assert sweep(path, "--out", tmp_path / "shared", "--workers", "1") == 0
    monkeypatch.setenv("SALESIM_SHARED_BURN_IN", "0")
    assert sweep(path, "--out", tmp_path / "alone", "--workers", "1") == 0
    assert_same_results(tmp_path / "shared", tmp_path / "alone")


def test_a_failing_member_fails_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESIM_FAIL_RUN_IDS", "1")
    assert sweep(_experiment(tmp_path), "--out", tmp_path / "out", "--workers", "1") != 0
    runs = results(tmp_path / "out")[0]
    status = dict(zip(runs["run_id"], runs["status"]))
    assert status.pop(1) == "failed"
    assert set(status.values()) == {"ok"}
