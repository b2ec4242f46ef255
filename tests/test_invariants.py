"""Invariants property-tested (issue 8): over random valid scenarios and seeds, at every step,
nothing is NaN or infinite, every index stays in [0, 1], money is never negative, and the
accounting, headcount, ownership, leaver and event identities hold (see model_helpers)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import model_helpers as mh
from sim.world.agents import TACTICS
from sim.world.behaviour import perceive
from sim.world.model import SalesModel

CALENDARS = ("holiday_peak", "gift_retail", "general_retail", "flat", "two_peaks")
unit = st.floats(0.0, 1.0)


@st.composite
def scenarios(draw) -> tuple[dict, int, int]:
    """(overrides, weeks, seed) for a small random but valid scenario."""
    o = {
        "org.n_reps": draw(st.integers(5, 30)),
        "org.span": draw(st.integers(2, 10)),
        "season.calendar": draw(st.sampled_from(CALENDARS)),
        "comp.commission_rate": draw(st.floats(0.01, 0.25)),
        "comp.quota_period": draw(st.sampled_from(("month", "quarter", "year"))),
        "comp.threshold": draw(unit),
        "comp.below_threshold_factor": draw(unit),
        "comp.accelerator": draw(st.floats(1.0, 3.0)),
        "comp.cap": draw(st.one_of(st.just(0.0), st.floats(0.3, 3.0))),
        "comp.draw_weekly": draw(st.one_of(st.just(0.0), st.floats(100.0, 3000.0))),
        "policies.team_bonus.pool_share": draw(st.floats(0.0, 0.5)),
        "policies.team_bonus.scope": draw(st.sampled_from(("team", "company"))),
        "policies.team_bonus.split": draw(st.sampled_from(("equal", "pro_rata"))),
        "comp.off_peak_bonus": draw(st.floats(0.0, 0.5)),
        "attrition.base_hazard": draw(st.floats(0.0, 0.08)),
        "leverage.demand_rate": draw(unit),
        "tactics.enabled": draw(st.lists(st.sampled_from(TACTICS), unique=True)),
        "policies.hiring.lag_weeks": draw(st.integers(0, 10)),
        "policies.hiring.peak_freeze": draw(st.booleans()),
        "policies.hiring.enabled": draw(st.booleans()),
        "policies.concessions.precedent_weight": draw(unit),
    }
    for name in ("rotation", "team_bonus", "favouritism", "playbook", "coaching",
                 "monitoring", "independence", "concessions"):
        o[f"policies.{name}.enabled"] = draw(st.booleans())
    o["policies.rotation.period_weeks"] = draw(st.integers(1, 8))
    o["policies.rotation.avoid_peak"] = draw(st.booleans())
    o["policies.rotation.select"] = draw(st.sampled_from(("top", "random")))
    o["policies.team_bonus.split"] = draw(st.sampled_from(("equal", "pro_rata")))
    o["policies.coaching.target"] = draw(st.sampled_from(("all", "strugglers", "middle",
                                                          "stars")))
    o["policies.coaching.style"] = draw(st.sampled_from(("uniform", "tailored")))
    o["policies.monitoring.support"] = draw(st.booleans())
    o["policies.monitoring.intensity"] = draw(unit)
    o["policies.independence.response_delay_hours"] = draw(st.floats(0.0, 24.0))
    o["policies.independence.over_support"] = draw(unit)
    o["policies.favouritism.skip_level_mentor"] = draw(st.booleans())
    for flag in ("clear_policies", "comp_review", "training", "culture_events",
                 "cross_training", "feedback_channels", "broad_team"):
        o[f"policies.playbook.{flag}"] = draw(st.booleans())
    o["policies.playbook.review_every_weeks"] = draw(st.integers(0, 8))
    o["policies.playbook.year_round_bonus"] = draw(st.floats(0.0, 0.5))
    return o, draw(st.integers(5, 40)), draw(st.integers(0, 2**32 - 1))


def _model(case) -> SalesModel:
    overrides, weeks, seed = case
    sc = mh.tiny_scenario(n_reps=overrides["org.n_reps"], weeks=weeks, overrides=overrides)
    return SalesModel(sc, rng=seed, weeks=weeks)


@settings(max_examples=15, deadline=None)
@given(scenarios())
def test_invariants_hold_at_every_step(case):
    model = _model(case)
    mh.StepAudit(model).run()
    assert model.week == case[1]


@settings(max_examples=15, deadline=None)
@given(scenarios())
def test_week_zero_start_is_already_valid(case):
    """The state built before the first step satisfies the same ranges and ownership rules."""
    m = _model(case)
    r, b = m.reps, m.book
    assert r.view("active").sum() == case[0]["org.n_reps"]
    owner = b.view("owner")
    assert ((owner >= 0) & (owner < r.n)).all()
    for k in mh.REP_UNIT_COLUMNS:
        assert ((r.view(k) >= 0) & (r.view(k) <= 1)).all(), k
    for k in mh.ACCOUNT_UNIT_COLUMNS:
        assert ((b.view(k) >= 0) & (b.view(k) <= 1)).all(), k
    for table in (r, b):
        for k, (dtype, _) in table.COLUMNS.items():
            if np.dtype(dtype).kind == "f":
                assert np.isfinite(table.view(k)).all(), k
    assert (r.view("quota") > 0).all()


def test_model_keeps_running_with_no_reps_left():
    """Everyone quits in week 0 and nobody is hired: the org runs on empty, with a team pool
    whose period ends come and go (property-test finding, see /tmp/model_bugs.md B2).
    With sensitivity 0 the weekly quit hazard is the base hazard itself: 1."""
    for extra in ({"policies.team_bonus.enabled": True, "policies.team_bonus.scope": "company"},
                  {"policies.team_bonus.enabled": True}):
        m = mh.tiny_model(1, n_reps=5, weeks=30,
                          overrides={"attrition.base_hazard": 1.0, "attrition.sensitivity": 0.0,
                                     "policies.hiring.enabled": False, **extra})
        mh.StepAudit(m).run()
        w = m.collector.weekly
        assert w["headcount"][-1] == 0 and w["quits"][0] == 5
        assert w["revenue"][1:].sum() == 0 and w["comp_cost"][1:].sum() == 0


def test_leverage_stays_finite_when_a_team_has_no_trailing_revenue():
    """A team of fresh hires (trailing revenue 0) that took over books with a history: leverage
    stays a number in [0, 1], and backups that cover every account lower it
    (property-test finding, see /tmp/model_bugs.md B3)."""
    m = mh.tiny_model(0, overrides={"policies.playbook.enabled": True,
                                    "policies.playbook.cross_training": True})
    a = m.active
    m.reps.rev_annual[a] = 0.0
    b = m.book
    b.backup_know[: b.n][b.view("backup") >= 0] = 1.0  # backups that have learnt their accounts
    perceive(m, a)
    lev = m.reps.leverage[a]
    assert np.isfinite(lev).all()
    assert ((lev >= 0) & (lev <= 1)).all()
    # Revenue at risk: full cover leaves only the clients who would follow; without the
    # backups, more follow and nobody covers the rest, so more is at risk.
    covered = m.reps.cover[a] >= 1.0
    assert covered.any()
    with_backups = m.reps.rar[a].copy()
    m.book.backup[:] = -1
    perceive(m, a)
    assert (with_backups[covered] < m.reps.rar[a][covered]).all()
