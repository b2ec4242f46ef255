"""Policy mechanisms (issue 4 "Done when"), each shown on a small hand-built model, plus the
managers' hours ledger."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import model_helpers as mh
from sim.world.accounts import follow_probability
from sim.world.behaviour import marginal_pay, perceive
from sim.scenario.loading import load_scenario
from sim.world.managers import ACTIVITIES, HoursLedger
from sim.world.model import SalesModel

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def _shipped(name: str, seed: int, weeks: int = 20) -> SalesModel:
    """A shipped scenario with 16 reps and nobody leaving, run for ``weeks``."""
    sc = load_scenario(SCENARIOS / f"{name}.toml", ["org.n_reps=16", "run.burn_in_weeks=0"])
    for path, value in mh.NO_TURNOVER.items():
        mh.set_path(sc, path, value)
    m = SalesModel(sc, rng=seed, weeks=weeks)
    m.run()
    return m


# ---- rotation -----------------------------------------------------------------------------

ROTATE = {"policies.rotation.enabled": True, "policies.rotation.period_weeks": 1,
          "policies.rotation.avoid_peak": False, "policies.rotation.share": 0.5,
          "policies.rotation.select": "top", "policies.rotation.handover_quality": 0.6}


def test_rotation_hands_accounts_over_keeping_the_firm_tie():
    m = mh.tiny_model(1, overrides=ROTATE)
    b, r, ap = m.book, m.reps, m.sc.accounts
    idx = m.owned
    b.relationship[idx], b.recorded[idx], b.firm[idx] = 0.9, 0.3, 0.7
    owner0 = b.owner.copy()
    start = m.events.n
    mh.policy(m, "rotation").week_start(m)
    moved = mh.new_events(m, start, "rotation")
    acc = moved["account"]
    assert acc.size > 0
    np.testing.assert_array_equal(moved["value"], owner0[acc])
    # The new owner: a low personal tie, familiarity from the (now better) records, and the
    # firm tie untouched.
    q = 0.6
    rec = 0.3 + 0.5 * q * 0.7
    np.testing.assert_allclose(b.recorded[acc], rec)
    np.testing.assert_allclose(b.relationship[acc], ap.reassign_relationship)
    np.testing.assert_allclose(b.familiar[acc], q * rec)
    np.testing.assert_allclose(b.firm[acc], 0.7)
    new = b.owner[acc]
    assert (new != owner0[acc]).all() and (r.team[new] == r.team[owner0[acc]]).all()
    assert r.active[new].all()
    stay = np.setdiff1d(idx, acc)
    assert (b.relationship[stay] == 0.9).all() and (b.owner[stay] == owner0[stay]).all()
    # "top": the higher-potential half of each book moved.
    for rep in np.unique(owner0[acc]):
        book = idx[owner0[idx] == rep]
        top = book[np.argsort(-b.potential[book])[: int(np.ceil(0.5 * book.size))]]
        assert set(top.tolist()) == set(acc[owner0[acc] == rep].tolist())


def test_rotation_waits_until_the_peak_is_over():
    m = mh.tiny_model(2, weeks=104, overrides={**ROTATE, "policies.rotation.period_weeks": 4,
                                               "policies.rotation.avoid_peak": True})
    m.run()
    ev = m.events
    weeks = ev.view("week")[ev.view("kind") == ev.CODE["rotation"]]
    woy = np.unique(weeks) % 52
    assert woy.size > 10
    assert not m.cal.peak[woy].any()
    assert (m.cal.lookahead[woy] <= 0.3).all()


# ---- team bonus ---------------------------------------------------------------------------

def _marginal(overrides: dict) -> tuple[SalesModel, np.ndarray]:
    m = mh.tiny_model(3, overrides=overrides)
    a = m.active
    perceive(m, a)
    return m, marginal_pay(m, a)


def test_the_team_pool_lowers_a_stars_marginal_pay():
    m, alone = _marginal({})
    _, pooled = _marginal({"policies.team_bonus.enabled": True,
                           "policies.team_bonus.pool_share": 0.2,
                           "policies.team_bonus.split": "equal"})
    a = m.active
    star = int(np.argmax(m.reps.rev_annual[a]))
    assert pooled[star] < alone[star]
    size = m.pool_group_size(a)
    np.testing.assert_allclose(pooled / alone, 0.8 + 0.2 / size)
    _, company = _marginal({"policies.team_bonus.enabled": True,
                            "policies.team_bonus.pool_share": 0.2,
                            "policies.team_bonus.scope": "company"})
    assert company[star] < pooled[star]  # the wider the pool, the weaker the own effect


# ---- monitoring, independence, favouritism ------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_monitoring_raises_stress(seed):
    calm, watched = _shipped("baseline", seed), _shipped("micromanager", seed)
    assert watched.reps.monitoring[watched.active].mean() > \
        calm.reps.monitoring[calm.active].mean()
    assert watched.reps.stress[watched.active].mean() > \
        calm.reps.stress[calm.active].mean() + 0.05
    assert watched.reps.autonomy[watched.active].mean() < calm.reps.autonomy[calm.active].mean()


def _dependency_path(delay: float, seed: int, weeks: int = 30) -> np.ndarray:
    m = mh.tiny_model(seed, weeks=weeks, overrides={
        **mh.NO_TURNOVER, "policies.independence.response_delay_hours": delay})
    stay = m.active.copy()  # the same reps all along: a hire's dependency is not a change
    path = [m.reps.dependency[stay].copy()]
    for _ in range(weeks):
        m.step()
        stay = stay[m.reps.active[stay]]
        path.append(m.reps.dependency.copy())
    return np.array([d[stay].mean() for d in path])


def test_a_response_delay_lowers_dependency_over_the_weeks():
    for seed in (0, 1):
        # a day's delay settles nearly every problem before the answer: dependency decays
        # toward zero at behaviour.dependency_adapt a week (0.98 ** 52 = 0.35)
        slow, quick = _dependency_path(24.0, seed, 52), _dependency_path(0.0, seed, 52)
        assert slow[0] == quick[0] > 0
        assert (np.diff(slow) <= 1e-6).all() and slow[-1] < 0.5 * slow[0]
        assert (slow[1:] < quick[1:]).all()


def test_over_support_raises_dependency():
    base = mh.tiny_model(4, weeks=30, overrides=dict(mh.NO_TURNOVER))
    smother = mh.tiny_model(4, weeks=30, overrides={**mh.NO_TURNOVER,
                                                    "policies.independence.over_support": 1.0})
    base.run()
    smother.run()
    assert smother.reps.dependency[smother.active].mean() > \
        base.reps.dependency[base.active].mean()


def test_favouritism_lowers_the_fairness_of_the_others_who_see_steering():
    # Steering happens when a leaver's accounts are reassigned: one rep per team leaves in
    # week 2, and the teammates who see its good accounts go to a favourite lose fairness.
    for seed in (0, 1):
        runs = {}
        for name in ("baseline", "favouritism"):
            sc = load_scenario(SCENARIOS / f"{name}.toml",
                               ["org.n_reps=16", "run.burn_in_weeks=0"])  # policies on at once
            for path, value in mh.NO_TURNOVER.items():
                mh.set_path(sc, path, value)
            m = SalesModel(sc, rng=seed, weeks=20)
            for w in range(20):
                if w == 2:
                    m.leavers.extend([0, 1])  # slots 0 and 1: one rep of each team
                m.step()
            runs[name] = m
        plain, fav = runs["baseline"], runs["favouritism"]
        a = fav.active
        others = a[~fav.reps.favoured[a]]
        assert others.size and fav.reps.favoured[a].any()
        assert fav.reps.seen_steered[others].max() > 0
        assert fav.reps.fairness[others].mean() < plain.reps.fairness[others].mean() - 0.01


def test_favouritism_steers_good_accounts_to_favourites():
    m = mh.tiny_model(5, overrides={"policies.favouritism.enabled": True,
                                    "policies.favouritism.steer": 1.0,
                                    "policies.favouritism.share_favoured": 0.5})
    r, b = m.reps, m.book
    idx = m.owned
    good = idx[b.potential[idx] > m.sc.accounts.potential_median]
    owners = b.owner[good]
    out = mh.policy(m, "favouritism").choose_owner(m, good, owners.copy())
    has_fav = np.array([r.favoured[m.active[r.team[m.active] == r.team[o]]].any()
                        for o in owners])
    assert has_fav.any()
    assert r.favoured[out[has_fav]].all()
    assert (r.team[out] == r.team[owners]).all()
    np.testing.assert_array_equal(out[~has_fav], owners[~has_fav])


# ---- cross-training -----------------------------------------------------------------------

def test_cross_training_gives_backups_and_lowers_follow_probability():
    m = mh.tiny_model(6, overrides={"policies.playbook.enabled": True,
                                    "policies.playbook.cross_training": True})
    r, b, ap = m.reps, m.book, m.sc.accounts
    idx = m.owned
    backup = b.backup[idx]
    assert (backup >= 0).all()
    assert (backup != b.owner[idx]).all()
    assert (r.team[backup] == r.team[b.owner[idx]]).all() and r.active[backup].all()
    # A new backup knows nothing yet, so it holds no client back ...
    np.testing.assert_array_equal(follow_probability(b, ap, idx, backup >= 0),
                                  follow_probability(b, ap, idx))
    # ... until it has spent hours on the accounts.
    first = b.backup.copy()
    for _ in range(10):
        m.step()
    idx = m.owned
    ok = b.backup[idx] >= 0
    # Every backup in place since the start has learnt something; one given an account won
    # this week has not had the hours yet.
    since_start = ok & (b.backup[idx] == first[idx])
    assert since_start.sum() > 0.8 * idx.size
    assert (b.backup_know[idx[since_start]] > 0).all()
    with_backup = follow_probability(b, ap, idx, ok)
    without = follow_probability(b, ap, idx)
    assert (with_backup[since_start] < without[since_start]).all()
    plain = mh.tiny_model(6)
    assert (plain.book.backup[plain.owned] == -1).all()


# ---- concessions --------------------------------------------------------------------------

def test_a_manager_who_expects_flight_grants_every_demand_within_the_rate_limit():
    m = mh.tiny_model(7, overrides={"policies.concessions.precedent_weight": 0.0})
    r, a = m.reps, m.active
    r.mb_flight[a] = 0.99           # the manager is sure the rep would leave ...
    r.mgr_rar[a] = 1e9              # ... taking far more than any concession costs
    r.rev_annual[a] = 1e5
    r.rate[a] = np.where(a % 2 == 0, m.max_rate, m.sc.comp.commission_rate)
    kind = np.zeros(a.size, dtype=int)  # every rep asks for a raise
    granted = m.policy_decide_demand(a, kind, np.zeros(a.size, dtype=bool))
    np.testing.assert_array_equal(granted, a % 2 == 1)  # no raise beyond the limit
    other = m.policy_decide_demand(a, np.full(a.size, 1), np.zeros(a.size, dtype=bool))
    assert other.all()


# ---- the managers' hours ledger -----------------------------------------------------------

def test_hours_ledger_serves_in_priority_order_and_records_overload():
    # Slots 0-2 belong to manager 0, slot 3 to manager 1, slot 4 has left (-1).
    team = np.array([0, 0, 0, 1, -1])
    ledger = HoursLedger(5, team, 2, np.array([10.0, 10.0]))
    ledger.add_manager("admin", 4.0)                     # every manager, served first
    ledger.add("monitoring", np.array([0, 1]), 1.0)      # served last
    ledger.add("coaching", np.array([0, 1, 2]), 2.0)     # 6 wanted, 3 left after requests
    ledger.add("requests", np.array([0, 0]), 1.5)        # repeated slots add up: 3 hours
    ledger.add("coaching", np.array([3, 4]), 1.0)        # a departed slot counts for nobody
    ledger.settle()
    frac = dict(zip(ACTIVITIES, ledger.fraction[:, 0]))
    assert frac["admin"] == 1.0 and frac["requests"] == 1.0
    assert frac["coaching"] == pytest.approx(0.5) and frac["monitoring"] == 0.0
    np.testing.assert_allclose(ledger.served_for("coaching", np.array([0, 1, 2])), 1.0)
    np.testing.assert_allclose(ledger.fraction_for("requests", np.array([0])), 1.0)
    assert ledger.served_for("monitoring", np.array([0, 1])).sum() == 0
    np.testing.assert_array_equal(ledger.overloaded, [True, False])
    assert ledger.fraction[:, 1].min() == 1.0
    np.testing.assert_allclose(ledger.face_hours(np.array([0, 3])), [1.0, 1.0])
    tot = ledger.totals()
    assert tot["hours_admin"] == 8.0 and tot["hours_coaching"] == pytest.approx(4.0)
    assert tot["hours_skipped"] == pytest.approx(3.0 + 2.0)
    used = sum(v for k, v in tot.items() if k != "hours_skipped")
    assert used == pytest.approx(10.0 + 5.0)  # manager 0 at budget; manager 1 spent 5 hours


def test_backups_are_always_employed_reps():
    """A backup who has left the company cannot cover anyone (see /tmp/model_bugs.md B4)."""
    m = mh.tiny_model(1, weeks=60, overrides={"policies.playbook.enabled": True,
                                              "policies.playbook.cross_training": True,
                                              "attrition.base_hazard": 0.02})
    for _ in range(m.weeks):
        m.step()
        idx = m.owned
        backup = m.book.backup[idx]
        named = backup[backup >= 0]
        assert m.reps.active[named].all(), f"week {m.week - 1}: backups who have left"
    assert m.collector.weekly["quits"].sum() > 0
