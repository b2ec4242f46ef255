"""The manager as an adaptive principal (issue 15): revenue at risk, beliefs from observations
only, hours by priority, sign-driven actions, monitoring as information, favouritism as
observed unfairness, peer effects.  Small hand-built models; every test can fail."""

from __future__ import annotations

import numpy as np

import model_helpers as mh
from sim.world.behaviour import perceive
from sim.world.leverage import leverage_index, manager_risk_estimate, revenue_at_risk
from sim.world.managers import HoursLedger
from sim.scenario.runner import collect_result

# Columns that only the rep knows (or that the world knows about the rep): its moods, what it
# feels and plans, the tactics it chose, its slump, its offers, its clients' personal ties.
HIDDEN = ("satisfaction", "fairness", "engagement", "stress", "entitlement", "leverage",
          "offers", "brand", "self_interest", "motivation", "grant_belief", "slump",
          "slump_left", "rar", "rar_seen", "search", "mon_sens", "projected",
          "t_quiet_quitting", "t_withholding", "t_cherry_picking", "t_false_urgency",
          "t_peak_underperformance")


def _scramble_hidden(m, seed: int) -> None:
    rng = np.random.default_rng(seed)
    r, a = m.reps, m.active
    for k in HIDDEN:
        col = getattr(r, k)
        if col.dtype == bool:
            col[a] = rng.random(a.size) < 0.5
        elif np.issubdtype(col.dtype, np.integer):
            col[a] = rng.integers(0, 4, a.size)
        else:
            col[a] = rng.random(a.size)
    m.book.relationship[m.owned] = rng.random(m.owned.size)


# ---- leverage as revenue at risk -----------------------------------------------------------

def _risk(lag: int, backups: bool = False, seed: int = 0, know: float = 0.8) -> np.ndarray:
    m = mh.tiny_model(seed, overrides={"policies.hiring.lag_weeks": lag})
    if backups:
        idx = m.owned
        owner = m.book.owner[idx]
        m.book.backup[idx] = np.where(owner == m.active[0], m.active[1], m.active[0])
        m.book.backup_know[idx] = know  # the cover a backup gives is what it has learnt
    m.woy = 10
    perceive(m, m.active)
    return m.reps.rar[m.active].copy()


def test_revenue_at_risk_falls_when_the_hiring_lag_shrinks():
    slow, fast, none = _risk(26), _risk(8), _risk(0)
    assert (fast < slow).all() and (none < fast).all()
    assert none.min() > 0  # the replacement's ramp and the followers still cost something


def test_revenue_at_risk_falls_with_backups():
    bare, backed = _risk(8), _risk(8, backups=True)
    assert (backed < bare).all()
    # A backup named on paper who has learnt nothing of the accounts covers nothing.
    np.testing.assert_allclose(_risk(8, backups=True, know=0.0), bare)


def test_revenue_at_risk_falls_with_records():
    """What is on record is what a new owner starts from: a fully recorded book costs less to
    take over than an unrecorded one (same ties, same calendar)."""
    out = {}
    for rec in (0.0, 1.0):
        m = mh.tiny_model(3)
        m.book.recorded[m.owned] = rec
        m.book.familiar[m.owned] = 1.0
        m.woy = 10
        perceive(m, m.active)
        out[rec] = m.reps.rar[m.active].copy()
    assert (out[1.0] < out[0.0]).all()


def test_peak_timing_comes_from_demand_not_a_calendar_weight():
    """Revenue at risk is largest when the peak falls inside the lag + ramp window; with a flat
    calendar it does not depend on the week at all."""
    for calendar, seasonal in (("holiday_peak", True), ("flat", False)):
        m = mh.tiny_model(1, overrides={"season.calendar": calendar})
        ties = m.book.relationship[m.owned]
        by_week = []
        for woy in range(52):
            m.woy = woy
            by_week.append(revenue_at_risk(m, ties)[m.active].sum())
        by_week = np.array(by_week)
        if seasonal:
            best = int(np.argmax(by_week))
            window = (best + np.arange(m.levers.hiring_lag + m.sc.reps.ramp_weeks)) % 52
            assert m.cal.peak[window].any()
            assert by_week.max() > 1.2 * by_week.min()
        else:
            np.testing.assert_allclose(by_week, by_week[0], rtol=1e-9)


def test_leverage_is_not_measured_against_the_team():
    """A rep's leverage does not depend on how many teammates it has or what they sell."""
    m = mh.tiny_model(2)
    a = m.active
    m.woy = 20
    perceive(m, a)
    before = m.reps.rar[a].copy()
    m.reps.rev_annual[a[1:]] *= 5  # teammates' trailing sales (reps, not accounts) change
    perceive(m, a)
    np.testing.assert_allclose(m.reps.rar[a], before)
    assert leverage_index(m, np.array([0.0]))[0] == 0.0


# ---- decisions read beliefs only ------------------------------------------------------------

def _decisions(m):
    """Every manager decision of one week, taken on a fresh copy of the stream state."""
    from copy import deepcopy
    state = deepcopy(m.streams._gens)
    r, a = m.reps, m.active
    kind = np.arange(a.size) % 3
    threat = a % 2 == 0
    out = {"grant": m.policy_decide_demand(a, kind, threat)}
    ledger = HoursLedger(r.n, np.where(r.view("active"), r.view("team"), -1), m.n_teams,
                         m.budget, m.levers.priority)
    for pol in m.policies:
        if pol.name in ("manager", "monitoring"):
            pol.week_start(m)
            pol.hour_demands(m, ledger)
    mgr = mh.policy(m, "manager")
    mon = mh.policy(m, "monitoring")
    out.update(talk=mgr.talk.copy(), safe=mgr.safe.copy(), rot=mgr.rot.copy(),
               intensity=mon.intensity.copy(), risk=manager_risk_estimate(m, a),
               hours=ledger.rep_demand.copy())
    m.streams._gens = state
    return out


def test_manager_decisions_ignore_hidden_state_when_observations_are_the_same():
    m = mh.tiny_model(3, weeks=40, overrides={"policies.monitoring.support": True})
    for _ in range(30):
        m.step()
    r, a = m.reps, m.active
    assert (r.mb_flight[a] > m.sc.policies.manager.flight_threshold).any() or \
        (r.mb_lever[a] > m.sc.policies.manager.leverage_threshold).any()
    first = _decisions(m)
    _scramble_hidden(m, 11)
    second = _decisions(m)
    for k in first:
        np.testing.assert_array_equal(first[k], second[k], err_msg=k)
    # ... and they do change when what the manager believes changes.
    r.mb_flight[a] = 0.99
    r.mb_lever[a] = 0.99
    third = _decisions(m)
    assert third["talk"].size > first["talk"].size and third["safe"].size > first["safe"].size


# ---- hours by priority -----------------------------------------------------------------------

def test_coaching_first_serves_coaching_before_requests_and_fire_fighting_the_reverse():
    team = np.array([0, 0])
    served = {}
    for priority in ("fire_fighting", "coaching_first"):
        ledger = HoursLedger(2, team, 1, np.array([4.0]), priority)
        ledger.add("requests", np.array([0, 1]), 1.5)
        ledger.add("coaching", np.array([0, 1]), 1.5)
        ledger.add("urgency", np.array([0]), 1.0)
        ledger.settle()
        served[priority] = (ledger.fraction_for("coaching", np.array([0]))[0],
                            ledger.fraction_for("requests", np.array([0]))[0])
    assert served["coaching_first"][0] == 1.0 and served["coaching_first"][1] < 1.0
    assert served["fire_fighting"][1] == 1.0 and served["fire_fighting"][0] < 1.0


# ---- signs lead to action; detection skill matters -----------------------------------------

def _run(seed, weeks=78, **over):
    m = mh.tiny_model(seed, n_reps=24, weeks=weeks, overrides=over)
    m.run()
    return m


def test_detection_skill_changes_what_managers_do_and_the_outcome():
    blind = [_run(s, **{"org.detect_skill_mean": 0.0}) for s in (0, 1)]
    sharp = [_run(s, **{"org.detect_skill_mean": 1.0}) for s in (0, 1)]
    acts = [sum(m.events.count("manager_action") for m in ms) for ms in (blind, sharp)]
    assert acts[1] > acts[0] * 1.5
    kpis = [[collect_result(m).summary for m in ms] for ms in (blind, sharp)]
    differ = [b["revenue_total"] != s["revenue_total"] or b["quits"] != s["quits"]
              for b, s in zip(*kpis)]
    assert all(differ)


def test_a_noticed_sign_raises_the_belief_that_triggers_a_retention_talk():
    m = mh.tiny_model(4, overrides={**mh.NO_TURNOVER, "org.detect_skill_mean": 1.0})
    r, a = m.reps, m.active
    rep = a[0]
    m.step()
    before = r.mb_flight[rep]
    for _ in range(4):
        r.s_competitor_contact[rep] = True  # the sign is emitted in perceive(): force it
        r.offers[rep] = 0.9
        m.mgr_detect[:] = 1.0
        m.step()
    assert r.mb_flight[rep] > before
    talks = mh.new_events(m, 0, "manager_action")
    assert rep in talks["rep"][talks["value"] == 0]


# ---- monitoring as information ---------------------------------------------------------------

def _shirker_run(monitor: bool, monkeypatch, seed: int = 6):
    """One rep quiet-quits every week (its choice is forced, so that the test is about what a
    monitoring manager can see, not about when quiet quitting pays)."""
    import sim.world.model as model_mod

    over = {**mh.NO_TURNOVER, "policies.monitoring.enabled": monitor,
            "policies.monitoring.sanction": "warning_then_exit",
            "policies.monitoring.intensity": 0.5, "policies.monitoring.struggling_intensity": 0.5,
            "tactics.enabled": ["quiet_quitting"]}
    m = mh.tiny_model(seed, overrides=over)
    r, a = m.reps, m.active
    shirker = a[3]
    chosen = model_mod.choose_tactics

    def forced(model, act):
        chosen(model, act)
        r.t_quiet_quitting[shirker] = True

    monkeypatch.setattr(model_mod, "choose_tactics", forced)
    caught = 0
    for _ in range(30):
        m.step()
        caught += int(r.last_caught[shirker] == m.week - 1)
    monkeypatch.undo()
    return m, shirker, caught


def test_monitoring_catches_a_shirker_that_an_unmonitored_manager_misses(monkeypatch):
    watched, s1, caught = _shirker_run(True, monkeypatch)
    blind, s2, missed = _shirker_run(False, monkeypatch)
    assert caught > 0 and missed == 0
    assert watched.reps.mb_shirk[s1] > blind.reps.mb_shirk[s2]
    sanctions = mh.new_events(watched, 0, "sanction")
    assert s1 in sanctions["rep"]


def test_monitoring_stress_differs_across_reps():
    m = mh.tiny_model(1, overrides=mh.NO_TURNOVER)
    sens = m.reps.mon_sens[m.active]
    assert sens.std() > 0.2 and np.isclose(np.median(sens), np.exp(-0.18), atol=0.4)


def test_pressure_harms_client_ties_not_conversion():
    calm = mh.tiny_model(2, overrides=mh.NO_TURNOVER)
    tense = mh.tiny_model(2, overrides=mh.NO_TURNOVER)
    for _ in range(10):
        tense.reps.stress[tense.active] = 1.0
        calm.reps.stress[calm.active] = 0.0
        calm.step()
        tense.step()
    idx = np.intersect1d(calm.owned, tense.owned)
    assert tense.book.relationship[idx].mean() < calm.book.relationship[idx].mean()


# ---- favouritism ----------------------------------------------------------------------------

def test_favouritism_without_steering_changes_nothing():
    base = _run(5, weeks=60)
    fav = _run(5, weeks=60, **{"policies.favouritism.enabled": True,
                               "policies.favouritism.steer": 0.0,
                               "policies.favouritism.skip_level_mentor": True})
    a, b = collect_result(base).summary, collect_result(fav).summary
    for k in ("revenue_total", "quits", "mean_engagement", "attrition_rate_annual"):
        assert a[k] == b[k], k


def test_a_skip_level_mentor_reverses_appealed_steering():
    over = {**mh.NO_TURNOVER, "policies.favouritism.enabled": True,
            "policies.favouritism.steer": 1.0, "policies.favouritism.share_favoured": 0.3}
    seen = {}
    for mentor in (False, True):
        m = mh.tiny_model(8, overrides={**over, "policies.favouritism.skip_level_mentor": mentor,
                                        "policies.favouritism.appeal_rate": 1.0})
        m.step()
        m.leavers.extend(m.active[~m.reps.favoured[m.active]][:3].tolist())
        m.step()
        seen[mentor] = m.reps.seen_steered[m.active].sum()
    assert seen[False] > 0 and seen[True] == 0


# ---- peer effects ---------------------------------------------------------------------------

def test_a_teammates_quit_raises_its_teams_search():
    runs = {}
    for quit_ in (False, True):
        m = mh.tiny_model(9, overrides=mh.NO_TURNOVER)
        for w in range(8):
            if quit_ and w == 1:
                m.leavers.append(int(m.active[0]))
            m.step()
        runs[quit_] = m
    team = runs[True].reps.team[0]
    mates = lambda m: m.active[m.reps.team[m.active] == team]
    other = lambda m: m.active[m.reps.team[m.active] != team]
    q, c = runs[True], runs[False]
    stayed, elsewhere = mates(q), other(q)  # the same reps in both runs
    assert q.reps.peer_loss[stayed].min() > c.reps.peer_loss[stayed].max()
    assert q.reps.search[stayed].mean() > 1.15 * c.reps.search[stayed].mean()
    np.testing.assert_allclose(q.reps.search[elsewhere], c.reps.search[elsewhere], atol=1e-12)


def test_a_lower_rate_than_teammates_lowers_fairness():
    m = mh.tiny_model(3, overrides=mh.NO_TURNOVER)
    r, a = m.reps, m.active
    low = a[0]
    for _ in range(10):
        r.rate[low] = 0.5 * m.sc.comp.commission_rate
        m.step()
    mates = a[(r.team[a] == r.team[low]) & (a != low)]
    assert r.fairness[low] < r.fairness[mates].mean() - 0.1


# ---- the playbook as mechanisms ---------------------------------------------------------------

def test_a_published_grant_rule_keeps_reps_from_asks_it_would_refuse():
    """Clear policies publish the rule: a rep whose own estimate says the rule would refuse
    does not ask; one whose estimate says it would grant still asks."""
    asked = {}
    for published in (False, True):
        m = mh.tiny_model(1, overrides={"leverage.demand_rate": 1.0})
        m.levers.published_rule = published
        r, a = m.reps, m.active
        r.entitlement[a], r.fairness[a], r.grant_belief[a] = 1.0, 0.0, 1.0
        r.offers[a] = 0.2  # below a threat; the rep's own chance of leaving
        r.leverage[a] = 1.0
        r.rar_seen[a] = np.where(a % 2 == 0, 0.0, 1e12)  # nothing / a fortune at risk
        start = m.events.n
        from sim.world.leverage import leverage_plays
        leverage_plays(m, a)
        asked[published] = set(mh.new_events(m, start, "demand")["rep"].tolist())
    assert asked[False] == set(m.active.tolist())
    assert asked[True] == set(m.active[m.active % 2 == 1].tolist())


def test_every_priority_order_serves_every_activity():
    """Each order lists every activity once, so no activity's share is left undefined."""
    from sim.world.managers import ACTIVITIES, PRIORITIES

    for priority in PRIORITIES:
        led = HoursLedger(2, np.array([0, 0]), 1, np.array([100.0]), priority)
        for act in ACTIVITIES:
            led.add(act, np.array([0, 1]), 1.0)
        led.settle()
        assert np.isfinite(led.fraction).all() and (led.fraction == 1.0).all(), priority
        tight = HoursLedger(2, np.array([0, 0]), 1, np.array([3.0]), priority)
        for act in ACTIVITIES:
            tight.add(act, np.array([0, 1]), 1.0)
        tight.settle()
        assert np.isclose(tight.served.sum(), 3.0), priority
