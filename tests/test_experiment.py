"""Experiments: file checks, design expansion, common random numbers, executors, summaries."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import sweep_helpers as h
from scipy import stats

from sim import cli
import sim.sweep.task as runtask
import sim.sweep.runner as sweep_mod
from sim.sweep.design import SampleSpec, expand_points, sampled_points
from sim.sweep.experiment import expand, experiment_hash, load_experiment, replication_seeds
from sim.sweep.storage import read_runs
from sim.sweep.summarize import summarize


@pytest.fixture(autouse=True)
def model(monkeypatch):
    """Sweeps in these tests run the test model (see sweep_helpers.RUN_FUNCTION)."""
    monkeypatch.setattr(sweep_mod, "RUN_FUNCTION", h.RUN_FUNCTION)
    monkeypatch.delenv("SALESIM_FAIL_RUN_IDS", raising=False)


# ---------------------------------------------------------------- design expansion

def test_grid_is_every_combination_first_key_slowest():
    points = expand_points({"a.x": [1, 2, 3], "b.y": ["p", "q"]}, None)
    assert points == [{"a.x": a, "b.y": b} for a in (1, 2, 3) for b in ("p", "q")]
    assert expand_points({}, None) == [{}]


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_sampling_is_deterministic_in_range_and_seed_dependent(method):
    spec = SampleSpec(method, 16, {"comp.cap": (1.0, 3.0), "org.span": (4, 9)}, 11,
                      frozenset({"org.span"}))
    first, again = sampled_points(spec), sampled_points(spec)
    assert first == again and len(first) == 16
    caps = np.array([p["comp.cap"] for p in first])
    spans = [p["org.span"] for p in first]
    assert ((caps >= 1.0) & (caps < 3.0)).all()
    assert all(isinstance(s, int) and 4 <= s <= 9 for s in spans)
    other = sampled_points(SampleSpec(method, 16, spec.ranges, 12, spec.integer))
    assert other != first


def test_latin_hypercube_puts_one_point_in_each_stratum():
    spec = SampleSpec("lhs", 20, {"comp.cap": (0.0, 2.0), "comp.accelerator": (1.0, 3.0)}, 5)
    points = sampled_points(spec)
    for key, (lo, hi) in spec.ranges.items():
        strata = sorted(int((p[key] - lo) / (hi - lo) * 20) for p in points)
        assert strata == list(range(20))


def test_grid_crossed_with_sample(tmp_path):
    path = h.write_experiment(tmp_path, extra='[factors.sample]\nmethod = "sobol"\nn = 4\n'
                              'ranges = { "comp.cap" = [1.0, 3.0] }\n')
    exp = load_experiment(path)
    design = expand(exp)
    # 2 commission rates x 4 sampled caps x 2 seasons x 2 policies x 3 replications
    assert design.n_runs == 2 * 4 * 2 * 2 * 3
    assert list(design.table.columns[-2:]) == ["comp.commission_rate", "comp.cap"]
    assert design.table["comp.cap"].nunique() == 4
    again = expand(load_experiment(path))
    pd.testing.assert_frame_equal(design.table, again.table)
    assert experiment_hash(exp, design) == experiment_hash(exp, again)


def test_design_rows_cells_and_overlays(tmp_path):
    exp = load_experiment(h.write_experiment(tmp_path))
    design = expand(exp)
    t = design.table
    assert list(t["run_id"]) == list(range(24))
    assert len(design.cells) == 8 and t["point_id"].max() == 7
    for _, row in t.iterrows():
        cell = design.cells[row["point_id"]]
        assert cell["org"]["n_reps"] == 16 and cell["run"]["weeks"] == 20
        assert cell["season"]["calendar"] == row["season"]
        assert cell["policies"]["rotation"]["enabled"] == (row["policy"] == "rotation")
        assert cell["comp"]["commission_rate"] == row["comp.commission_rate"]


def test_policy_file_contributes_only_what_it_changes(tmp_path):
    (tmp_path / "base.toml").write_text("[org]\nn_reps = 30\n")
    (tmp_path / "rot.toml").write_text('extends = "base.toml"\n[policies.rotation]\nshare = 0.4\n')
    path = h.write_experiment(tmp_path, text='[experiment]\nname = "f"\nseed = 1\n'
                              'replications = 1\nbase = "base.toml"\n[set]\n"org.span" = 5\n'
                              '"run.burn_in_weeks" = 0\n'
                              '[policies]\nbaseline = {}\nrot = "rot.toml"\n'
                              'coach = { policies.coaching = { every_weeks = 2 } }\n')
    exp = load_experiment(path)
    assert exp.policies["rot"] == {"policies.rotation.enabled": True,
                                   "policies.rotation.share": 0.4}
    assert exp.policies["coach"] == {"policies.coaching.every_weeks": 2,
                                     "policies.coaching.enabled": True}
    cells = expand(exp).cells
    assert [c["org"]["n_reps"] for c in cells] == [30, 30, 30]
    assert [c["org"]["span"] for c in cells] == [5, 5, 5]


# ---------------------------------------------------------------- seeds

def test_common_random_numbers(tmp_path):
    exp = load_experiment(h.write_experiment(tmp_path, reps=4))
    t = expand(exp).table
    seeds = replication_seeds(exp.seed, 4)
    assert len(set(seeds)) == 4
    for r, group in t.groupby("replication"):
        assert set(group["seed"]) == {seeds[r]}  # the same seed in every design point
    ss = np.random.SeedSequence(exp.seed).spawn(4)
    assert seeds == [int(c.generate_state(1)[0]) for c in ss]
    assert replication_seeds(exp.seed, 6)[:4] == seeds  # more replications keep earlier seeds


def test_paired_runs_share_randomness(tmp_path):
    """Two policies that do not differ at all give identical KPIs replication by replication."""
    path = h.write_experiment(tmp_path, text='[experiment]\nname = "same"\nseed = 3\n'
                              'replications = 3\nweeks = 20\n[set]\n"org.n_reps" = 16\n'
                              '"run.burn_in_weeks" = 0\n'
                              '[policies]\na = {}\nb = { "comp.quota_period" = "quarter" }\n')
    assert h.sweep(path, "--out", tmp_path / "o", "--workers", "1") == 0
    runs = read_runs(tmp_path / "o")
    a = runs[runs.policy == "a"].set_index("replication")
    b = runs[runs.policy == "b"].set_index("replication")
    pd.testing.assert_series_equal(a["revenue_total"], b["revenue_total"])
    assert a["revenue_total"].nunique() == 3


def test_twin_runs_execute_once_and_share_their_rows(tmp_path):
    """A rotation factor leaves the baseline unchanged: its twins run once per replication."""
    text = h.TINY.format(name="twins", seed=4, reps=2).replace(
        '"comp.commission_rate" = [0.06, 0.1]', '"policies.rotation.share" = [0.1, 0.3, 0.5]'
    ).replace('"policies.rotation.enabled" = true', 'policies.rotation = { period_weeks = 4, '
              'avoid_peak = false }')
    out, path = tmp_path / "o", h.write_experiment(tmp_path, text=text)
    assert h.sweep(path, "--out", out, "--workers", "1") == 0
    runs = read_runs(out)
    session = json.loads((out / "manifest.json").read_text())["sessions"][0]
    # 3 levels x 2 seasons x 2 policies x 2 replications; baseline: 2 seasons x 2 reps only
    assert (len(runs), session["runs"], session["model_runs"]) == (24, 24, 16)
    base = runs[runs.policy == "baseline"]
    assert base.groupby(["season", "replication"])["revenue_total"].nunique().eq(1).all()
    assert base["policies.rotation.share"].nunique() == 3
    rot = runs[runs.policy == "rotation"]
    assert rot.groupby(["season", "replication"])["revenue_total"].nunique().gt(1).any()
    # a shared row equals what the twin's own scenario gives when run directly
    design = expand(load_experiment(path))
    twin = base.iloc[-1]
    direct = runtask.execute_run({"run_id": 0, "seed": int(twin["seed"]), "weeks": 20,
                                  "scenario": design.cells[twin["point_id"]], "kpis": []})
    assert direct["kpis"]["revenue_total"] == twin["revenue_total"]


# ---------------------------------------------------------------- executors

def test_identical_results_serial_two_workers_and_dask(tmp_path):
    path = h.write_experiment(tmp_path)
    assert h.sweep(path, "--out", tmp_path / "one", "--workers", "1") == 0
    assert h.sweep(path, "--out", tmp_path / "two", "--workers", "2") == 0
    assert h.sweep(path, "--out", tmp_path / "dask", "--executor", "dask", "--workers", "2") == 0
    runs, weekly, reps = h.results(tmp_path / "one")
    assert len(runs) == 24 and (runs["status"] == "ok").all()
    assert list(runs["run_id"]) == list(range(24))
    assert weekly.groupby("run_id").size().eq(20).all()
    assert {"week", "revenue", "headcount"} <= set(weekly.columns)
    assert reps["run_id"].nunique() == 24
    h.assert_same_results(tmp_path / "one", tmp_path / "two")
    h.assert_same_results(tmp_path / "one", tmp_path / "dask")


def test_existing_dask_scheduler(tmp_path):
    from distributed import LocalCluster

    path = h.write_experiment(tmp_path, reps=1)
    assert h.sweep(path, "--out", tmp_path / "one", "--workers", "1") == 0
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        assert h.sweep(path, "--out", tmp_path / "remote", "--scheduler",
                       cluster.scheduler_address) == 0
    h.assert_same_results(tmp_path / "one", tmp_path / "remote")
    manifest = json.loads((tmp_path / "remote" / "manifest.json").read_text())
    assert manifest["sessions"][0]["executor"]["kind"] == "dask-scheduler"


# ---------------------------------------------------------------- command line

def test_dry_run_prints_size_and_rows_and_writes_nothing(tmp_path, capsys):
    path = h.write_experiment(tmp_path)
    assert h.sweep(path, "--out", tmp_path / "o", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "2 factor points x 2 seasons x 2 policies x 3 replications = 24 runs" in out
    assert "run_id" in out and "comp.commission_rate" in out
    assert not (tmp_path / "o").exists()


def test_dry_run_reports_a_design_over_the_limit(tmp_path, capsys):
    path = h.write_experiment(tmp_path, text=h.TINY.format(name="big", seed=1, reps=3)
                              .replace("replications = 3", "replications = 3\nmax_runs = 10"))
    assert h.sweep(path, "--dry-run") == 0
    assert "needs --yes" in capsys.readouterr().out


def test_summary_statistics_and_paired_differences(tmp_path):
    path = h.write_experiment(tmp_path, reps=4)
    out = tmp_path / "o"
    assert h.sweep(path, "--out", out, "--workers", "1") == 0
    assert cli.main(["summarize", str(out)]) == 0
    table = pd.read_csv(out / "summary.csv")
    runs = read_runs(out)
    # a point row against a direct computation
    row = table[(table.kind == "point") & (table.point_id == 3) & (table.kpi == "revenue_total")]
    values = runs[runs.point_id == 3]["revenue_total"]
    half = stats.t.ppf(0.975, 3) * values.std(ddof=1) / 2
    assert row["n"].item() == 4
    assert math.isclose(row["mean"].item(), values.mean(), rel_tol=1e-12)
    assert math.isclose(row["ci_low"].item(), values.mean() - half, rel_tol=1e-9)
    # a paired difference: rotation minus baseline, same season and commission rate
    d = table[(table.kind == "diff") & (table.policy == "rotation") & (table.season == "flat")
              & (table["comp.commission_rate"] == 0.1) & (table.kpi == "revenue_total")]
    key = (runs.season == "flat") & (runs["comp.commission_rate"] == 0.1)
    rot = runs[key & (runs.policy == "rotation")].set_index("replication")["revenue_total"]
    base = runs[key & (runs.policy == "baseline")].set_index("replication")["revenue_total"]
    diff = rot - base
    assert d["reference"].item() == "baseline" and d["n"].item() == 4
    assert math.isclose(d["mean"].item(), diff.mean(), rel_tol=1e-9)
    assert math.isclose(d["sd"].item(), diff.std(ddof=1), rel_tol=1e-9)
    assert set(table.kind) == {"point", "diff"}
    assert not (table[table.kind == "diff"].policy == "baseline").any()


def test_summary_leaves_out_failed_runs_and_their_pairs():
    design = pd.DataFrame({"run_id": [0, 1, 2, 3], "point_id": [0, 0, 1, 1],
                           "factor_point": 0, "replication": [0, 1, 0, 1], "seed": [5, 6, 5, 6],
                           "season": "flat", "policy": ["ref", "ref", "new", "new"]})
    runs = design.assign(status=["ok", "ok", "ok", "failed"], error=None,
                         kpi=[1.0, 3.0, 2.0, np.nan])
    table = summarize(runs, design, "ref")
    diff = table[table.kind == "diff"].iloc[0]
    assert (diff["n"], diff["mean"]) == (1, 1.0) and math.isnan(diff["ci_low"])
    point = table[(table.kind == "point") & (table.point_id == 0)].iloc[0]
    assert (point["n"], point["mean"], point["sd"]) == (2, 2.0, math.sqrt(2))


# ---------------------------------------------------------------- bad input: one line, exit 2

BAD = [
    ("zero-replications", ("replications = 3", "replications = 0"),
     "experiment.replications = 0: expected a whole number from 1 to 100,000"),
    ("empty-factor", ('"comp.commission_rate" = [0.06, 0.1]', '"comp.commission_rate" = []'),
     'factors."comp.commission_rate" = []: expected a non-empty list of values'),
    ("unknown-factor", ('"comp.commission_rate"', '"comp.comission_rate"'),
     "not a scenario setting; did you mean 'comp.commission_rate'?"),
    ("bad-factor-value", ("[0.06, 0.1]", "[0.06, 1.5]"),
     "comp.commission_rate = 1.5: out of range; allowed: a number from 0 to 1"),
    ("unknown-policy-file", ('rotation = { "policies.rotation.enabled" = true }',
                             'rotation = "no/such.toml"'),
     "policies.rotation = 'no/such.toml': no such scenario file"),
    ("bad-reference", ('reference = "baseline"', 'reference = "base"'),
     "experiment.reference = 'base': expected one of the policies: baseline, rotation"),
    ("unknown-season", ('"flat"]', '"flatt"]'), "experiment.seasons[1] = 'flatt': expected"),
    ("unknown-setting", ("weeks = 20", "weeks = 20\nworkers = 2"),
     "experiment.workers = 2: unknown setting; allowed: name, description"),
    ("over-max-runs", ("weeks = 20", "weeks = 20\nmax_runs = 10"),
     "experiment.max_runs = 10: the design has 2 factor points x 2 seasons x 2 policies x 3 "
     "replications = 24 runs; pass --yes to run it anyway"),
    ("sobol-not-power-of-two", ("[policies]", '[factors.sample]\nmethod = "sobol"\nn = 6\n'
                                'ranges = { "comp.cap" = [1, 2] }\n[policies]'),
     "factors.sample.n = 6: Sobol samples need a power of two"),
    ("bad-range", ("[policies]", '[factors.sample]\nmethod = "lhs"\nn = 6\n'
                   'ranges = { "comp.cap" = [2, 1] }\n[policies]'),
     "expected [low, high] with low < high"),
    ("text-range", ("[policies]", '[factors.sample]\nmethod = "lhs"\nn = 6\n'
                    'ranges = { "policies.team_bonus.scope" = [0, 1] }\n[policies]'),
     "only numeric settings can be sampled"),
    ("toml-syntax", ("seed = 7", "seed = = 7"), "invalid TOML"),
    ("unknown-kpi", ("weeks = 20", 'weeks = 20\nkpis = ["revenue_total", "revenue_totl"]'),
     "experiment.kpis[1] = 'revenue_totl': not a KPI of the model; did you mean "
     "'revenue_total'?"),
]


@pytest.mark.parametrize("change,expected", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_experiment_gives_one_line_and_exit_2(tmp_path, capsys, change, expected):
    text = h.TINY.format(name="bad", seed=7, reps=3)
    assert change[0] in text
    path = h.write_experiment(tmp_path, text=text.replace(change[0], change[1], 1))
    code = cli.main(["sweep", str(path), "--out", str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"salesim: error: {path}") and expected in err, err
    assert not (tmp_path / "o").exists()


def test_missing_experiment_file(tmp_path, capsys):
    assert cli.main(["sweep", str(tmp_path / "nope.toml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nope.toml" in err


def test_unwritable_output_folder(tmp_path, capsys):
    (tmp_path / "taken").write_text("a file where the folder should go")
    code = h.sweep(h.write_experiment(tmp_path), "--out", tmp_path / "taken" / "o")
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "output directory is not writable" in err and "is a file, not a folder" in err


def test_over_max_runs_runs_with_yes(tmp_path):
    text = h.TINY.format(name="y", seed=7, reps=1).replace("weeks = 20", "weeks = 20\nmax_runs = 4")
    path = h.write_experiment(tmp_path, text=text)
    assert h.sweep(path, "--out", tmp_path / "o", "--workers", "1", "--yes") == 0
    assert len(read_runs(tmp_path / "o")) == 8
