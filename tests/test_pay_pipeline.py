"""Mechanism tests of issue 13: per-rep quotas, the deal pipeline and its timing choices,
look-ahead effort under a known ratchet, the participation constraint, commission 0,
burn-in and common random numbers.  Small hand-built models (tests/model_helpers.py)."""

from __future__ import annotations

import math

import numpy as np

import model_helpers as mh
from sim.scenario.runner import collect_result
from sim.world.behaviour import choose_effort, marginal_pay
from sim.world.compensation import yearly_quota
from sim.world.pipeline import timing_choice

QUARTER_END = 12  # week of year of the first quarter's last week (13-week quarters)


def _at_last_week_of_quarter(overrides=None):
    m = mh.tiny_model(n_reps=12, weeks=40, overrides={**mh.NO_TURNOVER, **(overrides or {})})
    while m.week < QUARTER_END:
        m.step()
    m.woy = QUARTER_END
    return m


def _only_deals(m, owners, progress, speed, size):
    """Replace the pipeline by one deal per entry, on an account of its owner."""
    o, b = m.pipeline.opp, m.book
    o.keep(np.zeros(o.n, dtype=bool))
    idx = m.owned
    acc = np.array([idx[b.owner[idx] == s][0] for s in owners])
    o.add(len(owners), uid=np.arange(len(owners)), account=acc, size=size,
          p_win=m.sc.pipeline.win_base, progress=progress, speed=speed, born=0,
          hold=m.week, pulled=False)


def _setup_reps(m, reps, attainment):
    """Three reps with a full ramp, a run rate of 80% of quota, and period sales as given."""
    r = m.reps
    r.ramp[reps] = 1.0
    r.rev_annual[reps] = 0.8 * r.quota_year[reps]
    r.period_sales[reps] = np.asarray(attainment) * r.quota[reps]
    r.projected[reps] = r.period_sales[reps]


def test_short_of_quota_pulls_in_and_past_cap_pushes_out():
    m = _at_last_week_of_quarter({"comp.cap": 2.0, "comp.accelerator": 2.0})
    assert m.plan.weeks_left[m.woy] == 1
    a = m.active[:4]
    short, capped, low, mid = a
    _setup_reps(m, a, [0.95, 5.0, 0.3, 0.8])
    conv = np.zeros(m.reps.n)
    conv[a] = 1.0
    q = m.reps.quota
    work = m.sc.pipeline.work_weeks
    # Each rep gets a deal that is not ready (would close next period) and a ready one.
    owners = np.array([short, capped, low, mid, short, capped, low, mid])
    progress = np.r_[[0.8 * work] * 4, [work] * 4]
    speed = np.r_[[0.05] * 4, [1.0] * 4]
    size = 0.1 * q[owners]
    _only_deals(m, owners, progress, speed, size)
    pull, push = timing_choice(m, m.pipeline, owners, conv)
    assert pull[0], "a rep just short of quota in the last week should pull the deal in"
    assert not pull[2], "a rep far below quota gains nothing by pulling at a discount"
    assert push[5], "a rep far past its cap should push a ready deal into the next period"
    assert not push[7], "a rep below quota closes its ready deal now"
    assert not push[4] and not pull[5] and not pull[7]


def test_pipeline_timing_changes_outcomes_in_the_weekly_pass():
    """In a whole run, pull-ins and pushes happen only in the last weeks of a period."""
    m = mh.tiny_model(n_reps=16, weeks=60, overrides={"comp.cap": 2.0})
    mh.StepAudit(m).run()
    w = m.collector.weekly
    woy = w["week_of_year"].astype(int)
    timed = w["deals_pulled"] + w["deals_pushed"]
    window = m.plan.weeks_left[woy] <= m.sc.pipeline.timing_weeks
    assert timed[window].sum() > 0
    assert timed[~window].sum() == 0
    assert w["deals_won"].sum() > 0 and w["revenue"].sum() > 0


def test_known_ratchet_makes_a_rep_well_above_quota_ease_off():
    efforts = {}
    for known in (False, True):
        m = _at_last_week_of_quarter({"comp.ratchet": 1.0, "comp.ratchet_known": known})
        m.woy = QUARTER_END - 3  # late in the period
        a = m.active[:2]
        _setup_reps(m, a, [1.5, 0.6])
        m.reps.rev_annual[a] = 1.3 * m.reps.quota_year[a]  # it expects to beat quota again
        m.reps.sales_var[a] = 0.0
        mp = marginal_pay(m, a)
        efforts[known] = (mp, choose_effort(m, a, mp))
    (m_off, e_off), (m_on, e_on) = efforts[False], efforts[True]
    assert m_on[0] < 0.8 * m_off[0], "the ratchet's cost should cut the value of sales above quota"
    assert e_on[0] < e_off[0] - 0.02, "a rep well above quota should ease off"
    assert math.isclose(m_on[1], m_off[1]), "below quota the ratchet costs nothing this period"


def test_uncertainty_narrows_as_the_period_end_nears():
    """With the same expected total just below quota, the expected accelerator share falls
    as the weeks left shrink (the look-ahead uses the variance times weeks left)."""
    m = _at_last_week_of_quarter({"comp.accelerator": 3.0, "comp.threshold": 0.0})
    a = m.active[:1]
    m.reps.sales_var[a] = (0.1 * m.reps.quota[a]) ** 2
    out = []
    for woy in (1, QUARTER_END):
        m.woy = woy
        m.reps.effort[a] = m.sc.reps.min_effort
        m.reps.ymax[a] = 0.0  # no further sales expected: the total is what is sold
        m.reps.period_sales[a] = 0.9 * m.reps.quota[a]
        out.append(marginal_pay(m, a)[0])
    early, late = out
    assert early > late * 1.1, (early, late)


def test_reps_leave_a_plan_that_pays_below_their_outside_option():
    quits = {}
    for rate in (0.08, 0.01):
        m = mh.tiny_model(n_reps=24, weeks=52, overrides={**mh.NO_TURNOVER,
                                                          "comp.commission_rate": rate})
        mh.StepAudit(m).run()
        quits[rate] = m.collector.weekly["quits"].sum()
        if rate == 0.01:
            a = m.active
            assert (m.reps.expected_pay[a] < m.reps.outside_pay[a]).mean() > 0.8
    assert quits[0.01] > 3 * max(quits[0.08], 1), quits


def test_commission_zero_runs_to_the_end():
    m = mh.tiny_model(n_reps=16, weeks=60, overrides={"comp.commission_rate": 0.0,
                                                          "leverage.demand_rate": 0.0})
    mh.StepAudit(m).run()  # checks finiteness and accounting every week
    s = collect_result(m).summary
    assert s["comp_cost"] == 0 and s["revenue_total"] > 0
    assert s["quits"] > 0.5 * 16, "nobody stays for no pay"


def test_hiring_change_leaves_demand_draws_identical():
    runs = {}
    for lag in (2, 20):
        m = mh.tiny_model(seed=5, n_reps=16, weeks=60,
                          overrides={"policies.hiring.lag_weeks": lag})
        offsets = []
        for _ in range(m.weeks):
            m.step()
            offsets.append(m.pipeline.demand.offset)
        runs[lag] = (m, offsets)
    (m1, o1), (m2, o2) = runs[2], runs[20]
    assert not np.array_equal(m1.collector.weekly["headcount"], m2.collector.weekly["headcount"])
    assert o1 == o2
    assert np.array_equal(m1.pipeline.demand.u, m2.pipeline.demand.u)
    assert np.array_equal(m1.pipeline.demand.z, m2.pipeline.demand.z)


def test_quota_basis_follows_territory_or_history():
    m = mh.tiny_model(n_reps=12, weeks=10, overrides=mh.NO_TURNOVER)
    a = m.active
    b = m.book
    pot = np.bincount(b.owner[m.owned], weights=b.potential[m.owned], minlength=m.reps.n)[a]
    m.sc.comp.quota_basis = "potential"
    qp = yearly_quota(m, a)
    assert np.corrcoef(qp, pot)[0, 1] > 0.999
    assert math.isclose(np.median(qp), m.sc.comp.quota_annual, rel_tol=0.05)
    m.sc.comp.quota_basis = "history"
    m.reps.rev_annual[a] = np.linspace(1e5, 2e6, a.size)
    qh = yearly_quota(m, a)
    initial = m.reps.hired[a] < 0
    assert (np.diff(qh[initial]) > 0).all()


def test_cap_is_a_multiple_of_own_on_target_commission():
    m = mh.tiny_model(n_reps=4, weeks=1, overrides={"comp.cap": 2.0})
    plan = m.plan
    q = np.array([1e5, 4e5])
    rate = np.array([0.08, 0.08])
    ote = plan.on_target(q, rate)
    assert np.allclose(plan.commission(q, q, rate), ote)
    assert np.allclose(plan.commission(50 * q, q, rate), 2 * ote)


def test_burn_in_measures_only_the_window_and_switches_policies_on_after_it():
    sc = mh.tiny_scenario(n_reps=12, weeks=20, overrides={"run.burn_in_weeks": 15,
                                                          "policies.coaching.enabled": True})
    from sim.world.model import SalesModel
    m = SalesModel(sc, rng=3)
    assert m.policies == [] and m.scheduled_policies
    for _ in range(14):
        m.step()
    assert m.policies == []
    m.step()  # the last burn-in week; policies act from the next week on
    assert m.policies and not m.collector.weekly["revenue"].any()
    m.step()
    assert m.collector.weekly["week"][0] == 0 and m.collector.weekly["revenue"][0] > 0
    while m.week < 35:
        m.step()
    s = collect_result(m).summary
    assert s["weeks"] == 20
    assert math.isclose(s["revenue_total"], m.book.view("revenue_total").sum(), rel_tol=1e-9)
