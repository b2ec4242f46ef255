"""The public Python API in sim/__init__.py and the policy plug-in seam."""

import numpy as np

import sim
from sim.policies.base import Policy
from sim.policies.registry import build_policies
from sim.scenario.runner import run_scenario
from sim.world.model import SalesModel


def test_run_from_a_file_with_overrides_matches_the_runner():
    result = sim.run("scenarios/coaching.toml", seed=3, weeks=12, sets=["org.n_reps=12"])
    sc = sim.load_scenario("scenarios/coaching.toml", ["org.n_reps=12"])
    direct = run_scenario(sc, seed=3, weeks=12)
    assert result.summary["seed"] == 3
    assert result.summary["revenue_total"] == direct.summary["revenue_total"]
    assert np.array_equal(result.weekly["revenue"], direct.weekly["revenue"])


def test_model_without_policies_builds_the_scenarios_own():
    sc = sim.load_scenario("scenarios/rotation.toml", ["org.n_reps=12"])
    implicit = SalesModel(sc, rng=5, weeks=8)
    explicit = SalesModel(sc, rng=5, weeks=8, policies=build_policies(sc))
    assert ([p.name for p in implicit.scheduled_policies]
            == [p.name for p in explicit.scheduled_policies])
    assert "rotation" in [p.name for p in implicit.scheduled_policies]
    implicit.run()
    explicit.run()
    assert np.array_equal(implicit.collector.weekly["revenue"], explicit.collector.weekly["revenue"])


def test_injected_policies_are_the_ones_that_run():
    sc = sim.load_scenario("scenarios/rotation.toml", ["org.n_reps=12"])
    calls = []

    class Probe(Policy):
        name = "probe"

        def __init__(self):
            super().__init__(None)

        def week_start(self, model):
            calls.append(model.week)

    model = SalesModel(sc, rng=5, weeks=3, policies=[Probe()])
    model.run()
    assert calls == [model.burn_in + k for k in range(3)]  # policies act after the burn-in
    assert [p.name for p in model.policies] == ["probe"]
