"""Each tactic's short-run gain to the rep is real in the model (issue 14, item 5): the same
rep on the same seed, made to use the tactic or not for one week, ends that week better off
by the measure the rep weighs.  (Cherry-picking has its own period-long test in
test_ties_learning.py.)"""

from __future__ import annotations

import numpy as np

import model_helpers as mh
import sim.world.model as model_mod

REP = 2


def _week(tactic: str, use: bool, monkeypatch, seed: int = 11, weeks: int = 1, **over):
    """Two warm-up weeks, then ``weeks`` in which rep REP is made to use ``tactic`` or not."""
    m = mh.tiny_model(seed, weeks=weeks + 2, overrides={**mh.NO_TURNOVER, "tactics.enabled": [],
                                       "tactics.decision_noise": 0.0, **over})
    for _ in range(2):
        m.step()
    real = model_mod.choose_tactics

    def forced(model, a):
        real(model, a)
        getattr(model.reps, f"t_{tactic}")[REP] = use
        model.reps.urgency_claim[a] = model.reps.t_false_urgency[a]

    monkeypatch.setattr(model_mod, "choose_tactics", forced)
    for _ in range(weeks):
        m.reps.engagement[REP] = 1.0  # an engaged rep works above the pay-only optimum
        m.step()
    monkeypatch.undo()
    return m


def _private_payoff(m) -> float:
    """Pay this week less the effort cost, as the rep reckons them."""
    r, rp = m.reps, m.sc.reps
    e = r.effort[REP]
    c = rp.effort_cost * (1 + rp.stress_cost * r.stress[REP])
    return float(r.pay_week[REP] - 0.5 * c * e * e)


def test_quiet_quitting_saves_more_effort_cost_than_the_pay_it_loses(monkeypatch):
    quit_, work = _week("quiet_quitting", True, monkeypatch), _week("quiet_quitting", False,
                                                                    monkeypatch)
    assert quit_.reps.effort[REP] < work.reps.effort[REP]
    assert quit_.reps.pay_week[REP] <= work.reps.pay_week[REP]
    assert _private_payoff(quit_) > _private_payoff(work)


def test_a_believed_false_urgency_claim_raises_the_reps_pay(monkeypatch):
    """Claimed urgency wins a discount that closes more volume on the rep's deals; over eight
    weeks of claims the rep sells and earns more than without (same seed, same deals)."""
    over = {"tactics.urgency_detect": 0.0}  # reviewed, never seen through
    claim, plain = (_week("false_urgency", use, monkeypatch, weeks=8, **over)
                    for use in (True, False))
    assert mh.new_events(claim, 0, "urgency_claim")["rep"].tolist().count(REP) == 8
    assert claim.reps.revenue_total[REP] > plain.reps.revenue_total[REP]
    assert claim.reps.pay_total[REP] > plain.reps.pay_total[REP]


def test_withholding_raises_the_revenue_the_firm_would_lose_without_the_rep(monkeypatch):
    """What withholding buys is a book the company cannot keep without the rep: with less on
    record the firm's tie to the clients builds more slowly, more of them would follow the rep,
    and its revenue at risk (its leverage) ends higher than had it kept recording."""
    # The manager's answer (seeing the CRM drop, it moves the book away) is switched off: this
    # is what the tactic buys before anyone responds to it.
    over = {"policies.manager.enabled": False}
    hold, keep = (_week("withholding", use, monkeypatch, weeks=40, **over)
                  for use in (True, False))
    mine = hold.owned[hold.book.owner[hold.owned] == REP]
    assert hold.book.recorded[mine].mean() < keep.book.recorded[mine].mean()
    assert hold.book.firm[mine].mean() < keep.book.firm[mine].mean()
    assert hold.reps.rar[REP] > keep.reps.rar[REP]
