"""Analysis layer: Sobol indices against the Ishigami answer, failed runs in a Saltelli design,
PRIM on a planted box, regret of a dominated policy, and ``salesim analyze`` end to end."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import analysis_fake_model as fake
import sweep_helpers as h
import sim.sweep.runner as sweep_mod
from sim import cli
from sim.analysis import discovery, robustness, sensitivity
from sim.analysis.study import Outcome, load_study, make_study, scenario_values
from sim.sweep.uncertainties import POINT_COLUMN, parse_uncertainties, uncertainty_points

HI = 1 + 2 * math.pi
ISHIGAMI = {"accounts.potential_median": [1, HI], "accounts.difficulty_a": [1, HI],
            "accounts.hours_needed": [1, HI]}


def ishigami_study(n: int, failed_points: tuple[int, ...] = ()):
    """A study of one policy whose KPI ``y`` is the Ishigami function of the design points."""
    spec = parse_uncertainties("test", {"method": "sobol", "n": n, "seed": 11, **ISHIGAMI}, 0)
    points = uncertainty_points(spec)
    design = pd.DataFrame([{"run_id": i, "point_id": i, "factor_point": i, "replication": 0,
                            "seed": 1, "season": "flat", "policy": "base", POINT_COLUMN: i, **p}
                           for i, p in enumerate(points)])
    y = [fake.ishigami_value(*(p[k] - fake.SHIFT for k in spec.keys)) for p in points]
    runs = pd.DataFrame({"run_id": design["run_id"], "y": y,
                         "status": ["failed" if i in failed_points else "ok"
                                    for i in range(len(points))]})
    runs.loc[runs["status"] == "failed", "y"] = np.nan
    study = make_study(design, runs, spec, "base")
    return spec, scenario_values(study, Outcome("y", "base"))["y"].to_numpy()


def test_sobol_indices_of_ishigami_match_the_analytic_values():
    spec, y = ishigami_study(1024)
    ind = sensitivity.sobol_indices(spec, y, seed=3)
    first, total = fake.ishigami_analytic()
    np.testing.assert_allclose(ind.table["S1"], first, atol=0.05)
    np.testing.assert_allclose(ind.table["ST"], total, atol=0.05)
    assert (ind.table["ST_low"] <= ind.table["ST"]).all()
    assert (ind.table["ST_high"] >= ind.table["ST"]).all()
    assert "none" in ind.failed_note


def test_failed_runs_drop_their_whole_saltelli_block_with_a_warning():
    spec, y_all = ishigami_study(1024)
    block = spec.block  # D + 2 = 5 rows per base sample
    failed = (3, 2 * block + 1, 2 * block + 4, 700 * block)  # three distinct blocks
    spec, y = ishigami_study(1024, failed)
    assert np.isnan(y).sum() == len(failed)
    with pytest.warns(RuntimeWarning, match="drop-incomplete-blocks"):
        ind = sensitivity.sobol_indices(spec, y, seed=3)
    assert ind.blocks_used == 1024 - 3 and ind.blocks_total == 1024
    assert "3 of 1024 Saltelli base samples" in ind.failed_note
    first, total = fake.ishigami_analytic()
    np.testing.assert_allclose(ind.table["ST"], total, atol=0.06)
    # the same as analysing only the complete blocks
    keep = np.ones(1024, bool)
    keep[[0, 2, 700]] = False
    reduced = spec.__class__(spec.method, 1021, spec.seed, spec.levels, spec.params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        direct = sensitivity.sobol_indices(reduced, y_all.reshape(1024, block)[keep].ravel(), 3)
    np.testing.assert_allclose(ind.table["ST"], direct.table["ST"])


def test_too_few_complete_blocks_give_no_indices_and_say_so():
    spec, y = ishigami_study(2, failed_points=(0,))
    with pytest.warns(RuntimeWarning):
        ind = sensitivity.sobol_indices(spec, y)
    assert not ind.ok and "no indices" in ind.failed_note and "ST" not in ind.table


def test_prim_finds_a_planted_box():
    rng = np.random.default_rng(4)
    x = pd.DataFrame(rng.random((600, 4)), columns=["a", "b", "c", "d"])
    inside = ((x["a"] < 0.3) & (x["b"] > 0.6)).to_numpy()
    noise = rng.random(600) < 0.03
    box = discovery.prim_box(x, inside ^ noise)
    assert set(box.limits) == {"a", "b"}
    assert abs(box.limits["a"][1] - 0.3) < 0.07 and abs(box.limits["b"][0] - 0.6) < 0.07
    assert box.coverage >= 0.75 and box.density >= 0.75
    assert "a is below" in box.words and "b is above" in box.words
    carts = discovery.cart_boxes(x, inside ^ noise)
    assert carts and {"a", "b"} <= set(carts[0].limits)


def test_prim_with_too_few_cases_returns_no_box():
    x = pd.DataFrame({"a": np.linspace(0, 1, 50)})
    assert discovery.prim_box(x, np.zeros(50, bool)) is None


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 40), st.integers(0, 10_000))
def test_regret_of_a_dominated_policy_is_never_below_its_dominator(n, seed):
    rng = np.random.default_rng(seed)
    values = pd.DataFrame({"A": rng.normal(0, 10, n), "B": rng.normal(0, 10, n)})
    values["D"] = values["A"] - rng.exponential(3, n) * (rng.random(n) < 0.7)
    r = robustness.robustness(values, "reference", "A")
    regret = r.regret
    assert (regret["D"] >= regret["A"] - 1e-12).all()
    t = r.table.set_index("policy")
    assert t.loc["D", "mean_regret"] >= t.loc["A", "mean_regret"] - 1e-12
    assert t.loc["D", "max_regret"] >= t.loc["A", "max_regret"] - 1e-12
    assert t.loc["D", "satisficing_share"] <= t.loc["A", "satisficing_share"]
    assert t.loc["D", "rank_regret"] >= t.loc["A", "rank_regret"]


def test_rankings_that_disagree_are_reported():
    # P wins big in one scenario and falls slightly short in the others; Q is steady
    values = pd.DataFrame({"P": [100.0, 9, 9, 9], "Q": [10.0, 10, 10, 10]})
    r = robustness.robustness(values, threshold=9.5)
    t = r.table.set_index("policy")
    assert t.loc["P", "rank_regret"] == 1 and t.loc["Q", "rank_regret"] == 2  # max 1 vs 90
    assert t.loc["Q", "rank_satisficing"] == 1 and t.loc["P", "satisficing_share"] == 0.25
    assert "P by regret, Q by satisficing" in r.disagreement
    assert robustness.robustness(values, threshold=5).disagreement == ""


SWEEP = """\
[experiment]
name = "ish"
seed = 3
replications = 1
weeks = 2
kpis = ["y"]
reference = "baseline"
seasons = ["flat"]
[set]
"org.n_reps" = 4
[policies]
baseline = {{}}
rotation = {{ "policies.rotation.enabled" = true }}
[uncertainties]
method = "{method}"
n = {n}
"accounts.potential_median" = [1.0, {hi}]
"accounts.difficulty_a" = [1.0, {hi}]
"accounts.hours_needed" = [1.0, {hi}]
"""


@pytest.fixture
def fake_model(monkeypatch):
    monkeypatch.setattr(sweep_mod, "RUN_FUNCTION", "analysis_fake_model:ishigami")
    monkeypatch.delenv("SALESIM_FAIL_RUN_IDS", raising=False)


def test_analyze_a_sweep_with_a_failed_run(tmp_path, fake_model, monkeypatch, capsys):
    path = tmp_path / "ish.toml"
    path.write_text(SWEEP.format(method="sobol", n=8, hi=HI))
    monkeypatch.setenv("SALESIM_FAIL_RUN_IDS", "7")  # one rotation run of base sample 0
    assert h.sweep(path, "--out", tmp_path / "s", "--workers", "1") == 1
    study = load_study(tmp_path / "s")
    assert study.spec.size() == 40
    assert cli.main(["analyze", str(tmp_path / "s"), "--kpi", "y", "--outcome", "y@rotation"]) == 0
    out = tmp_path / "s" / "analysis"
    for name in ("sensitivity", "boxes", "robustness", "regret_by_scenario", "scenarios"):
        assert (out / f"{name}.csv").is_file() and (out / f"{name}.parquet").is_file()
    sens = pd.read_parquet(out / "sensitivity.parquet")
    assert set(sens["parameter"]) == set(ISHIGAMI)
    assert set(sens["outcome"]) == {"y@rotation-baseline", "y@rotation"}
    assert (out / "sobol_y_at_rotation.png").is_file()
    assert sens["failed_runs"].str.contains("1 of 8 Saltelli base samples").all()
    assert sens["failed_runs"].str.contains("drop-incomplete-blocks").all()
    page = (out / "analysis.html").read_text()
    assert "drop-incomplete-blocks" in page and "sobol_rotation.png" in page
    assert (out / "sobol_rotation.png").stat().st_size > 1000
    assert len(capsys.readouterr().out.strip().splitlines()) >= 2  # findings printed


def test_analyze_refuses_a_sweep_without_uncertainties(tmp_path, fake_model):
    path = h.write_experiment(tmp_path, reps=1)
    assert h.sweep(path, "--out", tmp_path / "s", "--workers", "1") == 0
    assert cli.main(["analyze", str(tmp_path / "s")]) == 2


def test_bootstrap_intervals_are_reproducible_for_seed_zero():
    spec, y = ishigami_study(8)
    a = sensitivity.sobol_indices(spec, y, seed=0).table
    b = sensitivity.sobol_indices(spec, y, seed=0).table
    pd.testing.assert_frame_equal(a, b)


ONE_POLICY = SWEEP.replace('reference = "baseline"', 'reference = "rotation"').replace(
    "baseline = {{}}\n", "")


def test_analyze_gives_the_indices_of_a_one_policy_study(tmp_path, fake_model, capsys):
    """A robustness study of one policy (experiments/sobol_study.toml) has no paired
    difference: analyze gives the Sobol indices of its KPI, and says what it depends on."""
    path = tmp_path / "one.toml"
    path.write_text(ONE_POLICY.format(method="sobol", n=256, hi=HI))
    assert h.sweep(path, "--out", tmp_path / "s", "--workers", "1") == 0
    assert cli.main(["analyze", str(tmp_path / "s"), "--kpi", "y"]) == 0
    sens = pd.read_parquet(tmp_path / "s" / "analysis" / "sensitivity.parquet")
    assert set(sens["outcome"]) == {"y@rotation"}
    assert set(sens["parameter"]) == set(ISHIGAMI)
    top = sens.loc[sens["ST"].idxmax(), "parameter"]
    assert top == "accounts.potential_median"  # x1: the largest total-order index (0.56)
    findings = capsys.readouterr().out
    assert "y under rotation depends most on" in findings, findings
