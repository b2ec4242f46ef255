"""Parameter defaults of the people-side sections: how reps feel and act (``[behaviour]``),
the tactics they weigh (``[tactics]``), the plays their leverage invites (``[leverage]``) and
quitting (``[attrition]``), with the ``P`` helper and source labels every parameter module
uses.  :mod:`sim.world.params` re-exports all of it, so imports from there keep working.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

S000 = "seed 000 (contractor reps, leverage, sabotage)"
S001 = "seed 001 (culture of dependency)"
S002 = "seed 002 (top sellers need not be team players)"
S003 = "seed 003 (stop micro-managing)"
S004 = "seed 004 (favouritism)"
ASSUME = "assumption"


def P(default: Any, unit: str, doc: str, source: str = ASSUME, lo: float | None = None,
      hi: float | None = None, choices: tuple | None = None, length: tuple | None = None):
    """A parameter: default value plus the metadata the loader and reference doc use."""
    meta = {"unit": unit, "doc": doc, "source": source, "lo": lo, "hi": hi,
            "choices": choices, "length": length}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class BehaviourParams:
    adapt: float = P(0.08, "1/week", "Speed at which moods (satisfaction, engagement, "
                     "fairness, stress) move toward their current drivers.", lo=0, hi=1)
    pay_reference: float = P(1600.0, "currency/week", "Pay a rep regards as normal in the market.",
                             lo=1, hi=1e6)
    base_stress: float = P(0.25, "index", "Stress of a rep under no pressure.", lo=0, hi=1)
    quota_pressure: float = P(0.3, "index", "Stress added by being far behind quota late in a "
                              "period.", S003, lo=0, hi=1)
    monitoring_stress: float = P(0.5, "index", "Stress added at full monitoring intensity.",
                                 S003, lo=0, hi=1)
    entitlement_decay: float = P(0.01, "1/week", "Weekly decay of entitlement.", lo=0, hi=1)
    coached_memory: float = P(0.9, "per week", "Weekly persistence of a rep's sense of being "
                              "developed by its 1:1s (feeds satisfaction and engagement).",
                              S001, lo=0, hi=1)
    dependency_adapt: float = P(0.02, "1/week", "Speed at which a rep's dependency moves "
                                "toward the share of its problems its manager solved for it.",
                                S001, lo=0, hi=1)
    own_problems: float = P(4.0, "problems/week", "Problems a rep settles on its own in a "
                            "usual week without thinking of asking (the rest of the job).",
                            ASSUME, lo=0.1, hi=100)
    self_resolve_hours: float = P(1.5, "hours", "Time scale on which a problem a rep has "
                                  "asked about resolves itself while the answer waits: a "
                                  "delay d settles 1 - exp(-d / this) of them.", S001,
                                  lo=0.01, hi=100)
    rights_share: float = P(0.3, "share of requests", "Requests about decisions that clear "
                            "decision rights leave to the rep: with them it decides itself.",
                            S001, lo=0, hi=1)
    process_share: float = P(0.25, "share of requests", "Requests about the next step that a "
                             "written sales process answers without the manager.", S001,
                             lo=0, hi=1)
    ask_first_share: float = P(0.5, "share of a problem", "Part of the solving a rep does "
                               "itself when its manager asks what it has tried first.", S001,
                               lo=0, hi=1)
    over_support_problems: float = P(2.0, "problems/week", "Problems (deals to close) an "
                                     "over-supporting manager takes off each rep's hands a "
                                     "week at over_support 1; each costs request_hours.", S001,
                                     lo=0, hi=100)
    coach_problems: float = P(1.0, "problems/hour", "Problems a rep works through itself, "
                              "guided, per coaching hour held.", S001, lo=0, hi=20)
    request_rate: float = P(1.0, "requests/week", "Requests a rep with no dependency sends its "
                            "manager.", S001, lo=0, hi=100)
    request_dependency: float = P(4.0, "requests/week", "Extra requests at full dependency.",
                                  S001, lo=0, hi=100)
    request_hours: float = P(0.3, "hours", "Manager time per answered request.", S001, lo=0, hi=10)
    offer_rate: float = P(0.012, "1/week", "Weekly chance of a competitor contact for an "
                          "average, invisible rep.", S000, lo=0, hi=1)
    offer_visibility: float = P(0.06, "1/week", "Extra weekly chance for the most visible top "
                                "performer or a rep in full personal-brand mode.", S000, lo=0, hi=1)
    slump_rate: float = P(0.01, "1/week", "Weekly chance that a slump (skill, personal, tools "
                          "or motivation) starts.", S003, lo=0, hi=1)
    slump_weeks: int = P(12, "weeks", "Mean length of an unaddressed slump.", S003, lo=1, hi=520)
    monitor_sensitivity_sigma: float = P(0.6, "log units", "Spread across reps of the stress "
                                         "response to monitoring (lognormal, median 1).",
                                         "Ravid et al. 2023; Siegel et al. 2022", lo=0, hi=3)
    pressure_tie_loss: float = P(0.01, "1/week", "Relationship a rep at full stress loses per "
                                 "week by passing pressure on to its clients.", S003, lo=0, hi=1)
    voice_fairness: float = P(0.1, "index", "Fairness target gained in a week a grievance is "
                              "heard (retention talk or feedback channel).",
                              "Colquitt et al. 2001 (voice)", lo=0, hi=1)
    steer_fairness: float = P(1.0, "index per share", "Fairness target lost per share of "
                              "the team's reassigned value a rep saw steered to a favourite.",
                              "S004; Colquitt et al. 2001", lo=0, hi=10)
    equity_pay: float = P(2.0, "index", "Fairness target lost at a pay-per-sale ratio of zero "
                          "against the teammates' mean (equity comparison).",
                          "Card et al. 2012; Adams 1965", lo=0, hi=5)
    equity_book: float = P(0.3, "index", "Fairness target lost by a rep selling above its "
                           "teammates' mean with a book worth nothing against theirs.",
                           "Card et al. 2012", lo=0, hi=5)
    equity_pool: float = P(0.3, "index", "Fairness target lost by a rep whose last pool payout "
                           "gave back none of what its own sales put into the pool (in "
                           "proportion to the share not given back; a rep the pool pays more "
                           "than it put in loses nothing).", "Adams 1965; S002", lo=0, hi=5)
    contagion_search: float = P(0.5, "index per share", "Job search added per share of "
                                "teammates who left or visibly disengaged in recent weeks.",
                                "Felps et al. 2009", lo=0, hi=5)
    contagion_engagement: float = P(0.3, "index per share", "Engagement target lost per share "
                                    "of teammates who left or visibly disengaged recently.",
                                    "Felps et al. 2009", lo=0, hi=5)
    peer_memory: float = P(0.1, "1/week", "Speed at which a rep's memory of what it saw "
                           "around it (teammates' exits and disengagement, steered accounts) "
                           "moves to this week's observation.", lo=0, hi=1)
    search_offers: float = P(0.05, "1/week", "Extra weekly chance of an outside contact at "
                             "full job search.", "Felps et al. 2009", lo=0, hi=1)
    development_engagement: float = P(0.1, "index", "Engagement target from a development "
                                      "path (training).", S000, lo=0, hi=1)
    culture_engagement: float = P(0.1, "index", "Engagement target from team identity "
                                  "(culture events).", S000, lo=0, hi=1)
    # Perception: outside offers, visibility, brand, slumps (behaviour.perceive).
    offer_memory: float = P(0.96, "share/week", "Share of a rep's outside-offer level still "
                            "standing a week later; contacts go cold.", S000, lo=0, hi=1)
    offer_gain: float = P(0.35, "share of gap", "Share of the distance to a full offer level "
                          "that one competitor contact covers.", S000, lo=0, hi=1)
    visibility_power: float = P(3.0, "exponent", "Power of a rep's revenue percentile in its "
                                "visibility to competitors (higher: only the very top is "
                                "courted).", S000, lo=0, hi=10)
    brand_rate: float = P(0.05, "1/week", "Speed at which personal-brand building moves to "
                          "its target, self-interest x max(leverage, dissatisfaction).", S000,
                          lo=0, hi=1)
    slump_conversion: float = P(0.7, "x conversion", "What a rep sells, against its normal, "
                                "during a skill or tools slump.", S003, lo=0, hi=1)
    slump_motivation: float = P(0.3, "x motivation", "Share of its intrinsic motivation a rep "
                                "keeps during a motivation slump.", S003, lo=0, hi=1)
    slump_capacity: float = P(0.6, "x effort", "Share of its normal effort a rep can give "
                              "during a personal slump.", S003, lo=0, hi=1)
    # Warning signs (behaviour.emit_signals); evidence weights are in [managers].
    sign_comp_talk: float = P(0.3, "probability/week", "Weekly chance of comp talk at full "
                              "grievance (the largest of entitlement, unfairness, pay gap).",
                              S000, lo=0, hi=1)
    sign_comp_talk_from: float = P(0.35, "index", "Grievance at which comp talk starts; the "
                                   "chance grows linearly from there to full grievance.",
                                   S000, lo=0, hi=0.99)
    sign_crm_drop: float = P(0.6, "probability/week", "Weekly chance that withholding or quiet "
                             "quitting shows as a drop in CRM entries.", S000, lo=0, hi=1)
    sign_brand: float = P(0.5, "probability/week", "Weekly chance of visible brand activity "
                          "per unit of brand above sign_brand_from.", S000, lo=0, hi=1)
    sign_brand_from: float = P(0.2, "index", "Brand building below this level goes unseen.",
                               S000, lo=0, hi=1)
    sign_abrupt: float = P(0.7, "probability", "Chance that an abrupt change of effort "
                           "shows.", S000, lo=0, hi=1)
    sign_abrupt_jump: float = P(0.12, "share of full effort", "Week-to-week change of effort "
                                "above which the change counts as abrupt.", S000, lo=0, hi=1)
    sign_peak_focus: float = P(0.4, "probability/week", "Weekly chance of visible focus on "
                               "the peak at full entitlement with the peak just ahead.", S000,
                               lo=0, hi=1)
    sign_peak_leverage: float = P(0.2, "index", "Leverage a rep needs before its focus on "
                                  "the peak shows at all.", S000, lo=0, hi=1)
    sign_contact_heard: float = P(0.5, "probability", "Chance that the manager could hear of "
                                  "a competitor contact.", S000, lo=0, hi=1)
    sign_false_alarm: float = P(0.003, "probability/week", "Weekly chance of every other sign "
                                "showing with nothing behind it.", lo=0, hi=1)
    # Mood targets (moods.update_moods).
    pay_cap: float = P(1.5, "x pay_reference", "Pay ratio beyond which more pay adds nothing "
                       "to satisfaction or to the value of staying.", lo=0.1, hi=10)
    stress_overwork: float = P(0.15, "index per share", "Stress target added per share of a "
                               "full week worked above overwork_effort.", S003, lo=0, hi=1)
    overwork_effort: float = P(0.85, "share of full week", "Effort above which work turns "
                               "into overwork.", S003, lo=0, hi=1)
    stress_unanswered: float = P(0.15, "index", "Stress target added when none of a rep's "
                                 "requests get answered.", S001, lo=0, hi=1)
    stress_support: float = P(0.15, "index", "Stress target removed by full support from the "
                              "manager.", S003, lo=0, hi=1)
    fairness_base: float = P(0.75, "index", "Fairness target of a rep who sees nothing "
                             "unfair.", lo=0, hi=1)
    sat_pay: float = P(0.35, "weight", "Weight of the pay ratio in the satisfaction target.",
                       lo=0, hi=1)
    sat_fairness: float = P(0.25, "weight", "Weight of fairness in the satisfaction target.",
                            S004, lo=0, hi=1)
    sat_autonomy: float = P(0.2, "weight", "Weight of autonomy (no monitoring) in the "
                            "satisfaction target.", S003, lo=0, hi=1)
    sat_calm: float = P(0.2, "weight", "Weight of calm (1 - stress) in the satisfaction "
                        "target.", S003, lo=0, hi=1)
    sat_coaching: float = P(0.1, "weight", "Weight of recent coaching in the satisfaction "
                            "target.", lo=0, hi=1)
    eng_satisfaction: float = P(0.5, "weight", "Weight of satisfaction in the engagement "
                                "target.", lo=0, hi=1)
    eng_motivation: float = P(0.25, "weight", "Weight of intrinsic motivation in the "
                              "engagement target.", lo=0, hi=1)
    eng_coaching: float = P(0.1, "weight", "Weight of recent coaching in the engagement "
                            "target.", lo=0, hi=1)
    burnout_engagement: float = P(0.3, "index per unit", "Engagement target lost per unit of "
                                  "stress above burnout_stress.", S003, lo=0, hi=5)
    burnout_stress: float = P(0.5, "index", "Stress above which it wears engagement down.",
                              S003, lo=0, hi=1)
    entitlement_growth: float = P(0.02, "1/week", "Entitlement a rep gains per week at full "
                                  "leverage.", S000, lo=0, hi=1)
    trust_recovery: float = P(0.01, "1/week", "Speed at which trust in the manager drifts "
                              "back to trust_norm.", lo=0, hi=1)
    trust_norm: float = P(0.8, "index", "Trust a rep returns to when nothing happens.",
                          lo=0, hi=1)
    precedent_memory: float = P(0.97, "share/week", "Share of the unfairness of precedents "
                                "seen that is still felt a week later.", S000, lo=0, hi=1)
    resent_memory: float = P(0.98, "share/week", "Share of resentment over accounts lost to "
                             "a teammate that is still felt a week later.", S004, lo=0, hi=1)
    # Requests to the manager (model.manager_week).
    request_skipped: float = P(1.5, "requests/week", "Extra requests in the week after a "
                               "skipped 1:1.", S001, lo=0, hi=100)
    request_flat: float = P(0.6, "x", "Part of the request rate that stays the same all "
                            "year.", S001, lo=0, hi=5)
    request_seasonal: float = P(0.4, "x per demand multiplier", "Part of the request rate "
                                "that grows with this week's demand (busy weeks raise more "
                                "questions).", S001, lo=0, hi=5)


@dataclass
class TacticParams:
    enabled: list = P(["quiet_quitting", "peak_underperformance", "withholding",
                       "cherry_picking", "false_urgency"], "-", "Tactics reps may choose.", S000)
    peak_leverage: float = P(0.3, "index", "Leverage above which holding back in the peak "
                             "can win a raise (below it, nobody would notice).", S000, lo=0, hi=1)
    peak_holdback: float = P(0.35, "share of effort", "Effort withheld while underperforming "
                             "at the peak.", S000, lo=0, hi=1)
    withhold_target: float = P(0.1, "share", "Recording target while withholding.", lo=0, hi=1)
    book_risk: float = P(0.01, "1/week", "Weekly chance a rep fears of losing its book "
                         "(reassigned or replaced) when the company holds all of it.", S000,
                         lo=0, hi=1)
    book_weeks: float = P(26.0, "weeks", "Weeks of pay a rep counts as at stake when it fears "
                          "for its book.", lo=0, hi=520)
    harm_weeks: float = P(13.0, "weeks", "Horizon over which a rep reckons the future sales "
                          "lost on accounts it neglects.", lo=0, hi=520)
    sanction_weeks: float = P(2.0, "weeks of pay", "What a rep reckons being found out costs "
                              "it (trust, oversight, standing), in weeks of pay.",
                              "Shapiro & Stiglitz 1984 (expected sanction)", lo=0, hi=52)
    detect_prior: float = P(0.05, "probability", "A rep's usual belief that a tactic is found "
                            "out in a given week.", lo=0, hi=1)
    belief_rate: float = P(0.3, "1/week", "Speed at which that belief moves toward what "
                           "happened (1 when found out).", lo=0, hi=1)
    sanction_trust: float = P(0.15, "index", "Manager trust lost when a tactic's signs are "
                              "noticed.", S000, lo=0, hi=1)
    urgency_rate: float = P(0.25, "1/week", "Chance per week of a false-urgency claim once it "
                            "pays off.", S000, lo=0, hi=1)
    urgency_discount: float = P(0.12, "share of price", "Discount extracted by a false-urgency "
                                "claim.", S000, lo=0, hi=1)
    urgency_hours: float = P(1.5, "hours", "Manager hours a false-urgency claim consumes.",
                             S000, lo=0, hi=40)
    urgency_detect: float = P(0.35, "probability", "Chance a manager sees through a claim "
                              "given full attention.", S000, lo=0, hi=1)
    decision_noise: float = P(0.1, "share of gain", "Relative error with which a rep judges "
                              "a tactic's gain each week.", lo=0, hi=1)
    holdback_weeks: int = P(3, "weeks", "Length of the hold-back spell at the peak that a rep "
                            "weighs.", S000, lo=1, hi=26)
    urgency_elasticity: float = P(2.0, "x per unit discount", "Extra volume a false-urgency "
                                  "discount closes per unit of discount: what the market does "
                                  "and what the rep reckons with.", S000, lo=0, hi=20)
    quiet_recording: float = P(0.5, "x crm_discipline", "Share of the usual recording a quiet "
                               "quitter keeps up.", S000, lo=0, hi=1)
    urgency_skill_ref: float = P(0.5, "probability", "Manager detection skill at which "
                                 "urgency_detect holds as stated; the chance scales with "
                                 "skill over this.", lo=0.01, hi=1)
    urgency_trust: float = P(0.25, "index", "Manager trust lost when a false-urgency claim is "
                             "seen through.", S000, lo=0, hi=1)
    urgency_grant_keep: float = P(0.8, "x", "Share of its belief that asks are granted a rep "
                                  "keeps after a claim is seen through.", S000, lo=0, hi=1)


@dataclass
class LeverageParams:
    risk_scale: float = P(1.0, "x annual quota", "Revenue at risk at which the leverage index "
                          "reaches 1 - 1/e (index = 1 - exp(-risk / (risk_scale x quota)).",
                          lo=0.01, hi=100)
    perception_noise: float = P(0.3, "log units", "Noise in a rep's weekly estimate of its "
                                "own revenue at risk.", S000, lo=0, hi=3)
    demand_leverage: float = P(0.3, "index", "Leverage above which a rep may threaten or "
                               "demand.", S000, lo=0, hi=1)
    demand_rate: float = P(0.15, "1/week", "Weekly chance of a demand when leverage and "
                           "grievance are both full.", S000, lo=0, hi=1)
    raise_step: float = P(0.01, "share of sales", "Commission increase asked for.", S000, lo=0, hi=1)
    threat_follow_through: float = P(0.5, "probability", "Chance a refused threatener leaves, "
                                     "scaled by its outside offers.", S000, lo=0, hi=1)
    entitlement_gain: float = P(0.25, "index", "Entitlement gained by a granted demand.", S000,
                                lo=0, hi=1)
    precedent: float = P(0.5, "share", "Share of a grant's entitlement effect felt by teammates.",
                         S000, lo=0, hi=1)
    concession_horizon: int = P(156, "weeks", "Weeks over which a manager counts the cost of "
                                "a concession: a raise lasts as long as the rep stays.",
                                "stylized facts: 15-35% yearly turnover, so a stay of ~3-6 "
                                "years", lo=1, hi=520)
    ask_base: float = P(0.3, "x", "Asking rate factor of a rep that believes no ask is ever "
                        "granted.", S000, lo=0, hi=10)
    ask_belief: float = P(1.4, "x per unit belief", "Asking rate factor added per unit of "
                          "belief that asks are granted.", S000, lo=0, hi=10)
    holdback_press: float = P(1.0, "x", "Extra asking rate while holding back at the peak "
                              "(1: twice as often).", S000, lo=0, hi=10)
    threat_offers: float = P(0.3, "index", "Outside-offer level above which an ask comes as a "
                             "threat to resign.", S000, lo=0, hi=1)
    raise_entitlement: float = P(0.3, "index", "Entitlement above which a rep with room for a "
                                 "raise asks for one even with no pay gap.", S000, lo=0, hi=1)
    oversight_monitoring: float = P(0.25, "index", "Monitoring above which a rep that does not "
                                    "ask for a raise asks for less oversight (otherwise for "
                                    "better accounts).", S003, lo=0, hi=1)
    oversight_keep: float = P(0.5, "x", "Share of its oversight a rep keeps once a demand for "
                              "less is granted.", S003, lo=0, hi=1)
    better_accounts: int = P(2, "accounts", "Accounts a 'better accounts' concession takes "
                             "from the team's weakest rep (its largest).", S004, lo=0, hi=100)
    mate_entitlement: float = P(0.5, "x", "Further factor on the entitlement teammates take "
                                "from a grant (precedent x entitlement_gain x this).", S000,
                                lo=0, hi=1)
    precedent_fairness: float = P(0.1, "index", "Unfairness a teammate feels per grant it "
                                  "sees, times precedent.", S004, lo=0, hi=1)
    precedent_cap: float = P(0.5, "index", "Most unfairness from seen grants a rep carries.",
                             S004, lo=0, hi=1)
    refusal_satisfaction: float = P(0.1, "index", "Satisfaction lost when an ask is refused.",
                                    S000, lo=0, hi=1)
    follow_through_base: float = P(0.5, "x", "Factor on threat_follow_through for a refused "
                                   "threatener with no outside offers; its offer level adds "
                                   "to it.", S000, lo=0, hi=2)
    grant_learning: float = P(0.3, "1/week", "Speed at which teammates' belief that asks are "
                              "granted moves to the share granted in a week with asks.", S000,
                              lo=0, hi=1)
    loss_resentment: float = P(0.2, "index", "Resentment of the rep whose best accounts a "
                               "concession hands to a teammate.", S004, lo=0, hi=1)
    resent_cap: float = P(0.6, "index", "Most resentment over lost accounts a rep carries.",
                          S004, lo=0, hi=1)


@dataclass
class AttritionParams:
    base_hazard: float = P(0.003, "1/week", "Weekly quit hazard of a content, tenured rep.",
                           "stylized facts: 15-35% yearly turnover", lo=0, hi=1)
    newcomer_hazard: float = P(0.006, "1/week", "Extra weekly hazard in the first year, fading "
                               "with tenure.", "stylized facts: LIMRA first-year retention",
                               lo=0, hi=1)
    sensitivity: float = P(3.0, "1/index", "How strongly the gap between outside offers and "
                           "staying moves the hazard (log scale).", lo=0, hi=50)
    market_rate: float = P(0.08, "share of sales", "Commission rate a competing firm pays on "
                           "the sales a rep brings or makes there.", lo=0, hi=1)
    market_book: float = P(2500.0, "currency/week", "Weekly sales a competing firm's "
                           "territory gives a median-skill rep (scaled by the rep's skill).",
                           lo=0, hi=1e9)
    search_weeks: float = P(8.0, "weeks of pay", "Cost of moving: weeks of outside pay lost "
                            "searching and ramping up elsewhere.",
                            "stylized facts: time-to-fill and ramp of sales hires", lo=0, hi=104)
    move_horizon: float = P(104.0, "weeks", "Horizon over which a rep spreads the cost of a "
                            "move when comparing jobs.", lo=1, hi=1040)
    job_find_rate: float = P(0.02, "1/week", "Weekly chance that a rep whose plan pays below "
                             "its reservation wage finds and takes an outside job.", lo=0, hi=1)
    stay_pay: float = P(0.35, "weight", "Weight of the pay ratio in the value of staying.",
                        lo=0, hi=5)
    stay_satisfaction: float = P(0.25, "weight", "Weight of satisfaction in the value of "
                                 "staying.", lo=0, hi=5)
    stay_fairness: float = P(0.2, "weight", "Weight of fairness in the value of staying.",
                             S004, lo=0, hi=5)
    stay_engagement: float = P(0.2, "weight", "Weight of engagement in the value of staying.",
                               lo=0, hi=5)
    outside_base: float = P(0.45, "index", "Pull of the outside market on a rep no competitor "
                            "has contacted (set against the value of staying).", lo=0, hi=5)
    outside_offers: float = P(0.4, "index per unit", "Extra pull per unit of outside-offer "
                              "level.", S000, lo=0, hi=5)
    newcomer_weeks: float = P(52.0, "weeks", "Tenure over which the newcomer hazard falls by "
                              "a factor e.", "stylized facts: LIMRA first-year retention",
                              lo=1, hi=520)
