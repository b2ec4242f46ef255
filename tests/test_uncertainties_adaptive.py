"""``[uncertainties]`` parsing and designs, adaptive replications, and the EMA connector."""

from __future__ import annotations

import json

import numpy as np
import pytest

import sweep_helpers as h
import sim.sweep.runner as sweep_mod
from sim.common.errors import ConfigError
from sim.sweep.experiment import expand, load_experiment, replication_seeds
from sim.sweep.uncertainties import POINT_COLUMN, parse_uncertainties, uncertainty_points

BASE = """\
[experiment]
name = "u"
seed = 9
replications = 2
weeks = 2
[policies]
baseline = {}
rotation = { "policies.rotation.enabled" = true }
"""


def exp_file(tmp_path, text):
    path = tmp_path / "u.toml"
    path.write_text(BASE + text)
    return path


def test_uncertainties_cross_every_policy_and_stay_apart_from_factors(tmp_path):
    path = exp_file(tmp_path, """
[factors]
"comp.commission_rate" = [0.06, 0.1]
[uncertainties]
method = "morris"
n = 3
"org.detect_skill_mean" = { dist = "triangular", lo = 0.2, mode = 0.5, hi = 0.9 }
"reps.ramp_weeks" = [10, 30]
""")
    exp = load_experiment(path)
    assert exp.uncertainties.size() == 3 * 3  # trajectories x (D + 1)
    design = expand(exp)
    assert design.n_runs == 2 * 9 * 2 * 2
    assert design.uncertainty_keys == ["org.detect_skill_mean", "reps.ramp_weeks"]
    assert design.factor_keys == ["comp.commission_rate"]
    t = design.table
    # every policy meets the same uncertainty values and seeds at each point
    by = t.groupby(["factor_point", "replication"])
    assert (by["org.detect_skill_mean"].nunique() == 1).all() and (by["seed"].nunique() == 1).all()
    assert t["reps.ramp_weeks"].between(10, 30).all()
    assert (t["reps.ramp_weeks"] == t["reps.ramp_weeks"].round()).all()
    assert t["org.detect_skill_mean"].between(0.2, 0.9).all()
    assert sorted(t[POINT_COLUMN].unique()) == list(range(9))
    cell = design.cells[int(t.loc[t[POINT_COLUMN] == 4, "point_id"].iloc[0])]
    assert cell["org"]["detect_skill_mean"] == t.loc[t[POINT_COLUMN] == 4,
                                                      "org.detect_skill_mean"].iloc[0]


@pytest.mark.parametrize("text, message", [
    ('method = "sobol"\nn = 6\n"org.detect_skill_mean" = [0.2, 0.8]', "power of two"),
    ('method = "lhs"\nn = 4\n"org.detect_skil_mean" = [0.2, 0.8]', "not a scenario parameter"),
    ('method = "lhs"\nn = 4\n"org.detect_skill_mean" = [0.8, 0.2]', "lo < hi"),
    ('method = "lhs"\nn = 4\n"org.detect_skill_mean" = [0.2, 1.8]', "allowed range"),
    ('method = "lhs"\nn = 4\n"season.calendar" = [0, 1]', "only numeric"),
    ('method = "lhs"\nn = 4\n"org.detect_skill_mean" = { dist = "beta", lo = 0, hi = 1 }',
     "expected [low, high]"),
    ('method = "lhs"\nn = 4\n"policies.rotation.share" = [0.1, 0.3]', "either an uncertainty"),
    ('method = "lhs"\nn = 4\nlevels = 4\n"org.detect_skill_mean" = [0.2, 0.8]', "only a Morris"),
])
def test_bad_uncertainties_are_refused_with_one_line(tmp_path, text, message):
    path = exp_file(tmp_path, "[uncertainties]\n" + text + "\n")
    if "rotation.share" in text:
        path.write_text(path.read_text().replace(
            '{ "policies.rotation.enabled" = true }',
            '{ "policies.rotation.enabled" = true, "policies.rotation.share" = 0.2 }'))
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_experiment(path)


def test_truncated_normal_stays_within_bounds_and_centres_on_its_mean():
    spec = parse_uncertainties("t", {"method": "lhs", "n": 400, "seed": 2, "org.detect_skill_mean":
                                     {"dist": "normal", "mean": 0.5, "sd": 0.1, "lo": 0.3,
                                      "hi": 0.9}}, 0)
    x = np.array([p["org.detect_skill_mean"] for p in uncertainty_points(spec)])
    assert x.min() >= 0.3 and x.max() <= 0.9
    assert abs(np.median(x) - 0.5) < 0.02 and 0.08 < x.std() < 0.11


# ---------------------------------------------------------------- adaptive replications

AUTO = """\
[experiment]
name = "auto"
seed = 21
replications = "auto"
target_halfwidth = {{ revenue_total = 1.0 }}
max_replications = 12
batch = 3
weeks = 1
kpis = ["revenue_total"]
reference = "baseline"
seasons = ["flat"]
[set]
"org.n_reps" = 2
"comp.commission_rate" = {rate}
[policies]
baseline = {{}}
rotation = {{ "policies.rotation.enabled" = true }}
"""


@pytest.fixture
def effect_model(monkeypatch):
    monkeypatch.setattr(sweep_mod, "RUN_FUNCTION", "analysis_fake_model:effect")
    monkeypatch.delenv("SALESIM_FAIL_RUN_IDS", raising=False)


def auto_sweep(tmp_path, rate: float, name: str):
    path = tmp_path / f"{name}.toml"
    path.write_text(AUTO.format(rate=rate))
    out = tmp_path / name
    assert h.sweep(path, "--out", out, "--workers", "1") == 0
    manifest = json.loads((out / "manifest.json").read_text())
    return path, out, manifest


def test_auto_replications_stop_early_on_a_large_effect(tmp_path, effect_model):
    _, out, manifest = auto_sweep(tmp_path, 1.0, "large")  # effect 1000, noise sd 100
    adaptive = manifest["adaptive"]
    assert adaptive["replications_used"] == 3
    assert "clear sign" in adaptive["stopped_because"]
    assert len(h.read_runs(out)) == 2 * 3  # the later replications never ran


def test_auto_replications_go_on_for_a_small_effect_and_resume(tmp_path, effect_model, capsys):
    path, out, manifest = auto_sweep(tmp_path, 0.0, "small")  # no effect: sign never clear
    adaptive = manifest["adaptive"]
    assert adaptive["replications_used"] == 12
    assert "cap of 12 replications" in adaptive["stopped_because"]
    assert [r["replications"] for r in adaptive["rounds"]] == [3, 6, 9, 12]
    runs = h.read_runs(out)
    assert len(runs) == 2 * 12
    # the seeds of the first replications are those a fixed count would give
    design = h.pd.read_parquet(out / "design.parquet")
    assert design.groupby("replication")["seed"].first().tolist() == replication_seeds(21, 12)
    # resuming runs nothing new and reaches the same decision
    assert h.sweep(path, "--out", out, "--workers", "1") == 0
    again = json.loads((out / "manifest.json").read_text())["adaptive"]
    assert again["replications_used"] == 12 and all(r["ran"] == 0 for r in again["rounds"])
    assert (out / "adaptive.csv").read_text().count("open") >= 1


def test_auto_settings_are_checked(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(AUTO.format(rate=0.1).replace("max_replications = 12", "max_replications = 2"))
    with pytest.raises(ConfigError, match="max_replications"):
        load_experiment(path)
    path.write_text(AUTO.format(rate=0.1).replace('replications = "auto"', "replications = 3"))
    with pytest.raises(ConfigError, match='only used with replications = "auto"'):
        load_experiment(path)


# ---------------------------------------------------------------- EMA Workbench connector

def test_ema_connector_runs_with_the_sequential_evaluator():
    from ema_workbench import SequentialEvaluator, perform_experiments

    from sim.analysis.ema import ScenarioFunction, ema_model
    from sim.sweep.experiment import load_scenario_dict
    base = load_scenario_dict(None)
    base["org"]["n_reps"] = 8
    model = ema_model(base, uncertainties={"org.detect_skill_mean": None,
                                           "comp.commission_rate": (0.06, 0.12)},
                      levers=["policies.rotation.enabled"], kpis=["revenue_total", "gross_profit"],
                      replications=2, seed=5, weeks=3)
    names = [u.name for u in model.uncertainties]
    assert names == ["org__detect_skill_mean", "comp__commission_rate"]
    assert (model.uncertainties[0].lower_bound, model.uncertainties[0].upper_bound) == (0, 1)
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = perform_experiments(model, scenarios=2, policies=1,
                                                    evaluator=evaluator)
    assert len(experiments) == 2 and outcomes["revenue_total"].shape == (2,)
    row = experiments.iloc[0]
    fn = ScenarioFunction(base, ["revenue_total"], 3)
    values = {n: row[n] for n in (*names, "policies__rotation__enabled")}
    direct = [fn(seed, **values)["revenue_total"] for seed in replication_seeds(5, 2)]
    assert outcomes["revenue_total"][0] == pytest.approx(np.mean(direct))


def test_a_relative_target_is_a_share_of_the_reference_mean(tmp_path, effect_model):
    path = tmp_path / "rel.toml"
    path.write_text(AUTO.format(rate=0.0).replace("target_halfwidth = { revenue_total = 1.0 }",
                                                  "target_halfwidth = 0.5"))
    out = tmp_path / "rel"
    assert h.sweep(path, "--out", out, "--workers", "1") == 0
    adaptive = json.loads((out / "manifest.json").read_text())["adaptive"]
    # half of a mean of 10,000 is far wider than the noise: resolved after the first batch
    assert adaptive["replications_used"] == 3
    assert "1 narrower than the target" in adaptive["stopped_because"]
    table = h.pd.read_csv(out / "adaptive.csv")
    assert table["target"].iloc[0] == pytest.approx(0.5 * 10_000, rel=0.05)
