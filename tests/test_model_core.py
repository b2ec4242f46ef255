"""The core model (issue 2): accounting identities at every step, the run directory's
summary keys, and a smoke run of every shipped scenario."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import model_helpers as mh
from sim import cli
from sim.agents import TACTICS
from sim.config import load_scenario
from sim.model import SalesModel
from sim.runner import collect_result, lead_times

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))

# Issue 2: "summary.json holds at least these keys"; the architecture adds the last three.
SUMMARY_KEYS = (
    "revenue_total", "revenue_by_year", "peak_share", "nov_dec_share", "gross_margin",
    "comp_cost", "attrition_rate_annual", "top_quintile_attrition_rate", "top20_revenue_share",
    "revenue_gini", "leverage_events", "concessions_granted", "concession_cost",
    "accounts_lost_to_departures", "revenue_lost_to_departures", "manager_overload_share",
    "tactic_rep_weeks", "scenario", "seed", "weeks",
)
RUN_FILES = ("summary.json", "weekly.parquet", "reps.parquet", "accounts.parquet",
             "events.parquet", "rep_table.parquet", "scenario.resolved.toml")

# Settings that exercise turnover, every account-moving policy, caps, draws and pools.
BUSY = {
    "attrition.base_hazard": 0.04, "policies.hiring.lag_weeks": 2,
    "policies.rotation.enabled": True, "policies.rotation.period_weeks": 3,
    "policies.rotation.avoid_peak": False, "policies.favouritism.enabled": True,
    "policies.team_bonus.enabled": True, "policies.playbook.enabled": True,
    "policies.playbook.cross_training": True, "policies.playbook.broad_team": True,
    "policies.playbook.comp_review": True, "policies.playbook.review_every_weeks": 4,
    "comp.cap": 1.5, "comp.draw_weekly": 800.0, "leverage.demand_rate": 0.6,
    "policies.concessions.grant_probability": 0.5,
}
CONFIGS = {"baseline": {}, "busy": BUSY,
           "monthly_flat": {"comp.quota_period": "month", "season.calendar": "flat",
                            "attrition.base_hazard": 0.03}}


@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize("seed", [3, 11])
def test_identities_hold_after_every_step(config, seed):
    """Revenue, pay, headcount, ownership, leavers and events checked week by week."""
    m = mh.tiny_model(seed, weeks=52, overrides=CONFIGS[config])
    audit = mh.StepAudit(m)
    audit.run()
    w = m.collector.weekly
    assert w["revenue"].sum() > 0 and w["comp_cost"].sum() > 0
    if config != "baseline":  # the audit must have seen turnover to test it
        assert w["quits"].sum() > 0 and w["hires"].sum() > 0


def test_rep_totals_and_panel_include_a_leavers_last_week():
    """Revenue summed over reps (rep table, panel) equals the weekly revenue series, also in
    weeks when a rep sold and then quit."""
    m = mh.tiny_model(5, weeks=52, overrides={"attrition.base_hazard": 0.05})
    m.run()
    res = collect_result(m)
    weekly = res.weekly["revenue"]
    assert res.weekly["quits"].sum() > 0
    assert np.isclose(res.reps["revenue"].sum(), weekly.sum(), rtol=1e-9)
    panel_week = np.bincount(res.panel["week"], weights=res.panel["sales_week"],
                             minlength=weekly.size)
    np.testing.assert_allclose(panel_week, weekly, rtol=1e-5)
    pay_week = np.bincount(res.panel["week"], weights=res.panel["pay_week"],
                           minlength=weekly.size)
    np.testing.assert_allclose(pay_week, res.weekly["comp_cost"], rtol=1e-5)


def test_event_table_rep_ids_are_rep_table_ids():
    m = mh.tiny_model(2, weeks=40, overrides={"attrition.base_hazard": 0.05})
    m.run()
    res = collect_result(m)
    ids = res.events["rep_id"][res.events["rep_id"] >= 0]
    assert np.isin(ids, res.reps["rep_id"]).all()
    assert np.unique(res.reps["rep_id"]).size == res.reps["rep_id"].size
    quit_ids = res.events["rep_id"][res.events["kind"] == "quit"]
    left = res.reps["rep_id"][res.reps["left_week"] >= 0]
    assert sorted(quit_ids) == sorted(left)


def test_summary_json_has_every_issue2_key(tmp_path):
    out = tmp_path / "run"
    rc = cli.main(["run", "--seed", "4", "--weeks", "60", "--set", "org.n_reps=16",
                   "--out", str(out)])
    assert rc == 0
    for name in RUN_FILES:
        assert (out / name).is_file(), name
    summary = json.loads((out / "summary.json").read_text())
    missing = [k for k in SUMMARY_KEYS if k not in summary]
    assert not missing, missing
    assert summary["seed"] == 4 and summary["weeks"] == 60 and summary["scenario"] == "baseline"
    assert len(summary["revenue_by_year"]) == 2
    assert math.isclose(sum(summary["revenue_by_year"]), summary["revenue_total"], rel_tol=1e-9)
    assert set(summary["tactic_rep_weeks"]) == set(TACTICS)
    for k in SUMMARY_KEYS[:-3]:
        if k not in ("revenue_by_year", "tactic_rep_weeks"):
            assert isinstance(summary[k], (int, float)) and math.isfinite(summary[k]), k


def _check_summary(summary: dict, model: SalesModel) -> None:
    for k in SUMMARY_KEYS:
        assert k in summary, k
    for k, v in summary.items():
        if k == "median_warning_lead_weeks" and isinstance(v, float) and math.isnan(v):
            assert lead_times(model).size == 0, "NaN lead time although leads exist"
        elif isinstance(v, float):
            assert math.isfinite(v), f"{k} = {v}"
    assert all(math.isfinite(x) for x in summary["revenue_by_year"])
    assert all(math.isfinite(x) and x >= 0 for x in summary["tactic_rep_weeks"].values())
    assert summary["revenue_total"] > 0 and summary["comp_cost"] > 0


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_shipped_scenario_runs(path):
    sc = load_scenario(path, ["org.n_reps=16"])
    assert sc.name == path.stem
    model = SalesModel(sc, rng=7, weeks=20)
    mh.StepAudit(model).run()
    _check_summary(collect_result(model).summary, model)


def test_scenarios_were_found():
    assert len(SCENARIOS) >= 10
    assert ROOT / "scenarios" / "baseline.toml" in SCENARIOS
