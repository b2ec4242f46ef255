"""Typed parameter defaults: one dataclass per scenario section.

Every field carries metadata (unit, description, source, allowed range) so that the loader
can validate input and ``docs/scenario-reference.md`` can be generated from this file and
:mod:`sim.world.params_people` (the ``[behaviour]``, ``[tactics]``, ``[leverage]`` and
``[attrition]`` sections and the ``P`` helper, all re-exported here).
``source`` names a seed article in ``../shared/seeds`` (by its number), a published figure in
``../shared/reference/stylized-facts.md``, or says "assumption".
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.world.params_people import (  # noqa: F401  (re-exported: one place to import from)
    ASSUME, S000, S001, S002, S003, S004, AttritionParams, BehaviourParams, LeverageParams, P,
    TacticParams)

PSS = "Palmatier, Scheer & Steenkamp 2007 (customer ties to the firm and to the rep)"
SHI = "Shi, Sridhar, Grewal & Lilien 2017 (salesperson transitions)"


@dataclass
class RunParams:
    weeks: int = P(156, "weeks", "Simulated horizon; one step is one week.", lo=1, hi=5200)
    seed: int = P(0, "-", "Seed for numpy SeedSequence when none is given on the command line.",
                  lo=0, hi=2**63 - 1)
    burn_in_weeks: int = P(156, "weeks", "Weeks simulated before measurement starts: the "
                           "organisation settles (tenure mix, books, moods) with no policy "
                           "active; policies switch on and every KPI is measured after it.  "
                           "Chosen from a measurement (docs/ODD.md section 9).", lo=0, hi=2600)


@dataclass
class SeasonParams:
    calendar: str = P("holiday_peak", "-", "Built-in demand calendar, or 'custom'.", S000,
                      choices=("holiday_peak", "gift_retail", "general_retail", "flat",
                               "two_peaks", "custom"))
    monthly: list = P([], "share of year", "Custom profile: 12 monthly shares summing to 1.",
                      length=(0, 12))
    weekly: list = P([], "multiplier", "Custom profile: 52 positive weekly multipliers.",
                     length=(0, 52))
    peak_min_multiplier: float = P(1.15, "x mean week", "A week is in the peak window only "
                                   "if its demand is at least this multiple of the mean.", lo=1.0, hi=10)
    peak_rel_to_max: float = P(0.6, "share", "...and at least this share of the busiest week.",
                               lo=0.0, hi=1.0)
    lookahead_weeks: int = P(8, "weeks", "How far ahead reps look when sensing the coming peak.",
                             S000, lo=1, hi=26)


@dataclass
class OrgParams:
    n_reps: int = P(80, "reps", "Initial number of reps (independent contractors).", lo=1, hi=100000)
    span: int = P(8, "reps per manager", "Reps per first-line manager.",
                  "stylized facts: span 8.5, typical 6-10", lo=1, hi=100)
    manager_hours: float = P(40.0, "hours/week", "Weekly hours budget of a manager.", lo=1, hi=100)
    admin_hours: float = P(24.0, "hours/week", "Hours a manager spends on work unrelated to reps "
                           "(forecasts, reporting, own deals).", lo=0, hi=100)
    detect_skill_mean: float = P(0.5, "probability", "Mean manager skill at noticing a warning "
                                 "sign given a full 1:1 hour with the rep.", S000, lo=0, hi=1)


@dataclass
class ManagerParams:
    """How a manager turns what it observes into beliefs about each rep (docs/ODD.md 7.21)."""
    belief_leak: float = P(0.1, "1/week", "Share of accumulated evidence (log-odds) a manager "
                           "forgets each week.", lo=0, hi=1)
    flight_prior: float = P(0.05, "probability", "Belief that a rep will leave within a year "
                            "when nothing has been observed.",
                            "stylized facts: 15-35% yearly turnover", lo=0.001, hi=0.999)
    shirk_prior: float = P(0.05, "probability", "Belief that a rep is shirking or using a "
                           "tactic when nothing has been observed.", lo=0.001, hi=0.999)
    w_comp_talk: float = P(0.8, "log-odds", "Evidence of a noticed comp-talk sign for flight "
                           "and leverage risk.", S000, lo=0, hi=5)
    w_competitor: float = P(1.2, "log-odds", "Evidence of a heard-of competitor contact for "
                            "flight risk.", S000, lo=0, hi=5)
    w_brand: float = P(0.8, "log-odds", "Evidence of noticed personal-brand activity for "
                       "flight risk.", S000, lo=0, hi=5)
    w_crm_drop: float = P(1.0, "log-odds", "Evidence of a noticed CRM drop for shirking and "
                          "leverage risk.", S000, lo=0, hi=5)
    w_abrupt: float = P(0.6, "log-odds", "Evidence of a noticed abrupt change for shirking.",
                        S000, lo=0, hi=5)
    w_peak_focus: float = P(0.8, "log-odds", "Evidence of noticed peak focus for leverage "
                            "risk.", S000, lo=0, hi=5)
    w_threat: float = P(2.5, "log-odds", "Evidence of a threat to resign for flight risk.",
                        S000, lo=0, hi=10)
    w_demand: float = P(0.8, "log-odds", "Evidence of a demand for leverage risk.", S000,
                        lo=0, hi=5)
    w_sales_drop: float = P(0.7, "log-odds", "Evidence for shirking of a week whose sales fall "
                            "below sales_drop of what the rep's trailing year predicts.",
                            S003, lo=0, hi=5)
    sales_drop: float = P(0.6, "share", "Sales, relative to the trailing-year expectation at "
                          "this week's demand, below which a week counts as a drop.", lo=0, hi=1)
    w_disclosed: float = P(1.5, "log-odds", "Evidence of what a rep discloses in a held 1:1 "
                           "(an outside offer for flight, disengagement for shirking).", S001,
                           lo=0, hi=5)
    disclose_offers: float = P(0.3, "index", "Outside-offer level a rep mentions in a 1:1 it "
                               "trusts its manager enough to be candid in.", S001, lo=0, hi=1)
    w_caught: float = P(4.0, "log-odds", "Evidence of a tactic caught by monitoring.", S003,
                        lo=0, hi=10)
    crm_tolerance: float = P(0.15, "share", "How far below the standard (accounts."
                             "crm_discipline) a book's recorded share may fall before a manager "
                             "who can see the CRM (defined process) counts it as a drop.",
                             lo=0, hi=1)
    tie_guess: float = P(0.5, "index", "Client tie a manager assumes for an account, since it "
                         "cannot see the personal relationship.", lo=0, hi=1)
    notice_base: float = P(0.2, "share", "Share of its detection skill a manager brings to a "
                           "rep it has no face time with; each face-time hour adds as much, up "
                           "to the full skill.", S003, lo=0, hi=1)


@dataclass
class AccountParams:
    per_rep: float = P(20.0, "accounts", "Accounts per rep at the start.", lo=0, hi=10000)
    potential_median: float = P(50000.0, "currency/year", "Median yearly purchase potential of an "
                                "account (lognormal).", lo=1, hi=1e9)
    potential_sigma: float = P(1.0, "log units", "Lognormal sigma of account potential "
                               "(heavy tail).", "stylized facts: right-skewed output", lo=0, hi=4)
    difficulty_a: float = P(2.0, "-", "Beta(a, b) shape a of account difficulty in [0, 1].", lo=0.01, hi=100)
    difficulty_b: float = P(3.0, "-", "Beta(a, b) shape b of account difficulty.", lo=0.01, hi=100)
    hours_needed: float = P(1.5, "hours/week", "Attention a median-difficulty account needs "
                            "for full conversion.", lo=0.01, hi=40)
    relationship_init: float = P(0.5, "index", "Initial personal tie of an account to its "
                                 "owner.", PSS, lo=0, hi=1)
    firm_init: float = P(0.5, "index", "Initial tie of an account to the firm itself (service "
                         "history, brand, records).", PSS, lo=0, hi=1)
    tie_base: float = P(0.4, "share of potential", "Share of an account's potential sold with "
                        "no tie at all (the product alone).", PSS, lo=0, hi=1)
    tie_firm: float = P(0.25, "share of potential", "Extra share sold at a full firm tie.",
                        PSS, lo=0, hi=1)
    tie_personal: float = P(0.35, "share of potential", "Extra share sold at a full personal "
                            "tie to the serving rep.", PSS, lo=0, hi=1)
    firm_build: float = P(0.02, "1/week", "Firm-tie gain per week at full service and "
                          "complete records.", PSS, lo=0, hi=1)
    firm_decay: float = P(0.004, "1/week", "Firm-tie loss per week with no service (slower "
                          "than the personal tie: the history stays with the company).", PSS,
                          lo=0, hi=1)
    unfamiliar_conversion: float = P(0.6, "share", "What a rep sells on an account it knows "
                                     "nothing about beyond its name, relative to one it knows "
                                     "fully.", SHI, lo=0, hi=1)
    familiar_rate: float = P(0.08, "1/week", "Weekly gain of the serving rep's knowledge of "
                             "an account at full service.", SHI, lo=0, hi=1)
    backup_learn: float = P(0.06, "1/week", "Weekly gain of a backup's knowledge of an account "
                            "when it gives the account its full need in hours.", lo=0, hi=1)
    backup_forget: float = P(0.01, "1/week", "Weekly loss of a backup's knowledge of an "
                             "account (refreshed only by hours spent on it).", lo=0, hi=1)
    recorded_init: float = P(0.5, "share", "Initial share of account knowledge recorded with "
                             "the company.", S000, lo=0, hi=1)
    health_init: float = P(0.8, "index", "Initial account health.", lo=0, hi=1)
    rel_build: float = P(0.025, "1/week", "Relationship gain per week at full attention.", lo=0, hi=1)
    rel_decay: float = P(0.012, "1/week", "Relationship loss per week with no attention.", lo=0, hi=1)
    health_build: float = P(0.08, "1/week", "Health recovery per week at full attention.", lo=0, hi=1)
    health_decay: float = P(0.04, "1/week", "Health loss per week with no attention.", lo=0, hi=1)
    churn_base: float = P(0.0008, "1/week", "Weekly churn hazard of a perfectly healthy account.",
                          lo=0, hi=1)
    churn_neglect: float = P(0.03, "1/week", "Extra weekly churn hazard at zero health.",
                             S000, lo=0, hi=1)
    prospect_rate: float = P(0.6, "accounts/week", "New accounts won per week of full-time "
                             "prospecting by a median-skill rep.", S000, lo=0, hi=100)
    new_relationship: float = P(0.25, "index", "Relationship of a newly won account.", lo=0, hi=1)
    new_health: float = P(0.6, "index", "Health of a newly won account.", lo=0, hi=1)
    crm_discipline: float = P(0.6, "share", "Share of account knowledge a cooperative rep records.",
                              lo=0, hi=1)
    record_rate: float = P(0.03, "1/week", "Speed at which recorded knowledge moves to the rep's "
                           "recording target.", lo=0, hi=1)
    follow_scale: float = P(0.7, "probability", "Chance an account follows a leaver when the "
                            "personal tie is full, the firm tie is zero and no backup knows "
                            "it.", f"{S000}; {PSS}", lo=0, hi=1)
    reassign_relationship: float = P(0.15, "index", "Personal tie a new owner starts with on "
                                     "a handed-over account.", SHI, lo=0, hi=1)
    handover_quality: float = P(0.6, "share", "How much of the recorded knowledge becomes the "
                                "new owner's familiarity with a handed-over account.", SHI,
                                lo=0, hi=1)
    cogs_share: float = P(0.55, "share of revenue", "Cost of goods sold.", lo=0, hi=1)


@dataclass
class RepParams:
    skill_sigma: float = P(0.45, "log units", "Lognormal sigma of rep skill (median 1).",
                           "stylized facts: Hunter et al. 1990, SD of output 19-48% of mean+",
                           lo=0, hi=3)
    motivation_a: float = P(5.0, "-", "Beta shape a of intrinsic motivation.", lo=0.01, hi=100)
    motivation_b: float = P(3.0, "-", "Beta shape b of intrinsic motivation.", lo=0.01, hi=100)
    self_interest_a: float = P(2.0, "-", "Beta shape a of self-interest.", S000, lo=0.01, hi=100)
    self_interest_b: float = P(3.0, "-", "Beta shape b of self-interest.", S000, lo=0.01, hi=100)
    hours_per_week: float = P(45.0, "hours/week", "Hours a rep works at full effort.", lo=1, hi=100)
    min_effort: float = P(0.35, "share of full week", "The minimum a contractor gives to keep "
                          "the contract (quiet quitting sits here).", S000, lo=0, hi=1)
    effort_cost: float = P(1500.0, "currency/week", "Money-equivalent disutility of a full week "
                           "of effort for a calm rep.", lo=0, hi=1e6)
    stress_cost: float = P(1.0, "x", "How much stress raises the cost of effort (1 = doubles at "
                           "full stress).", S003, lo=0, hi=10)
    intrinsic_value: float = P(600.0, "currency/week", "Value a fully motivated and engaged rep "
                               "puts on a full week of work, beyond pay.", lo=0, hi=1e6)
    prospecting_share: float = P(0.15, "share of effort", "Share of effort a rep puts into "
                                 "prospecting.", S000, lo=0, hi=1)
    focus: float = P(0.5, "exponent", "How strongly a rep weights accounts by value when "
                     "splitting attention (0 = evenly).", lo=0, hi=5)
    ramp_weeks: int = P(26, "weeks", "Weeks for a new hire to reach full productivity.", lo=0, hi=520)
    ramp_start: float = P(0.3, "share", "Productivity of a new hire in week one.", lo=0, hi=1)
    skill_growth: float = P(0.004, "1/week", "Weekly on-the-job learning toward own ceiling "
                            "at full learning capacity (a median newcomer has capacity 0.5).",
                            lo=0, hi=1)
    recept_base: float = P(0.4, "index", "Receptiveness to coaching of a rep with no "
                           "engagement and no entitlement.", S002, lo=0, hi=1)
    recept_engagement: float = P(0.6, "index", "Receptiveness added at full engagement.", S002,
                                 lo=0, hi=1)
    recept_entitlement: float = P(0.4, "index", "Receptiveness lost at full entitlement (a "
                                  "star who thinks it has nothing to learn).", S002, lo=0, hi=1)
    practice_learn: float = P(0.001, "share of gap per problem", "Learning, at full "
                              "capacity, from a problem a rep solved itself that it would "
                              "have handed to its manager (seed 001: finding solutions).",
                              S001, lo=0, hi=0.1)
    training_learn: float = P(0.004, "share of gap per hour", "Learning, at full capacity, "
                              "per hour of structured training.", S000, lo=0, hi=0.1)
    headroom_new: float = P(0.5, "share of skill", "Median headroom above its skill of a rep "
                            "with no tenure: how much better it can get.",
                            "assumption (power law of practice: most is learnt early)",
                            lo=0, hi=5)
    headroom_weeks: float = P(156.0, "weeks", "Tenure over which the headroom shrinks by a "
                              "factor e (veterans are near their ceiling).",
                              "assumption (power law of practice)", lo=1, hi=5200)
    headroom_sigma: float = P(0.4, "log units", "Lognormal spread of personal headroom.",
                              lo=0, hi=3)
    absorb_skill_half: float = P(1.0, "x median skill", "Skill at which a rep absorbs half of "
                                 "a lesson (abler reps learn faster).",
                                 "assumption (general ability predicts training success)",
                                 lo=0.01, hi=10)
    absorb_weeks: float = P(104.0, "weeks", "Tenure at which learning capacity has halved.",
                            "assumption", lo=1, hi=5200)
    forecast_memory: float = P(0.1, "1/week", "Weight of the latest week in a rep's running "
                               "estimate of the mean and variance of its own weekly sales "
                               "(the spread it expects around its period-end forecast).",
                               lo=0.001, hi=1)
    effort_curvature: float = P(2.0, "-", "Curvature k of the sales a rep expects from its "
                                "effort: effort e yields (1 - exp(-k e)) / (1 - exp(-k)) of a "
                                "full week's sales (in the effort choice and the tactics).",
                                lo=0.01, hi=20)
    value_motivation: float = P(0.5, "weight", "Weight of intrinsic motivation in the value a "
                                "rep puts on its work (x intrinsic_value).", lo=0, hi=1)
    value_engagement: float = P(0.5, "weight", "Weight of engagement in the value a rep puts "
                                "on its work (x intrinsic_value).", lo=0, hi=1)


@dataclass
class CompParams:
    commission_rate: float = P(0.08, "share of sales", "Base commission rate.", lo=0, hi=1)
    quota_period: str = P("quarter", "-", "Quota period.", choices=("month", "quarter", "year"))
    quota_annual: float = P(800000.0, "currency/year", "Annual quota of a fully ramped rep "
                            "whose territory has the firm's median potential per rep (the "
                            "scale of 'potential' quotas), split over periods by expected "
                            "seasonal demand.", lo=1e-9, hi=1e12)
    quota_basis: str = P("blend", "-", "How the firm sets each rep's quota: from its territory's "
                         "potential, from its own trailing sales, or a blend of both.",
                         "seed 000; Raju and Srinivasan 1996 (territory-based quotas)",
                         choices=("potential", "history", "blend"))
    quota_blend: float = P(0.5, "share", "Weight of territory potential in a 'blend' quota "
                           "(the rest is history).", lo=0, hi=1)
    quota_growth: float = P(1.0, "x trailing sales", "History quota: the rep's trailing sales "
                            "rate times this factor.", lo=0.1, hi=5)
    ratchet: float = P(0.0, "share per unit attainment", "Ratchet: next period's quota rises "
                       "by this share for each unit of attainment above 100% this period "
                       "(0 = no ratchet).", "Leone, Misra and Zimmerman 2004 (ratchets)",
                       lo=0, hi=2)
    ratchet_known: bool = P(True, "-", "Reps know the ratchet rule (the plan writes it down) "
                            "and weigh next period's higher quota when choosing effort and "
                            "timing deals.")
    threshold: float = P(0.5, "share of quota", "Attainment below which commission is reduced.",
                         lo=0, hi=1)
    below_threshold_factor: float = P(0.5, "x rate", "Rate multiplier below the threshold.",
                                      lo=0, hi=1)
    accelerator: float = P(1.5, "x rate", "Rate multiplier on sales above quota.", lo=1, hi=10)
    cap: float = P(0.0, "x on-target commission", "Cap on a period's commission as a multiple "
                   "of the rep's on-target commission (what it earns at exactly 100% of its own "
                   "quota); 0 means no cap.  A cap of 2 means a rep can earn at most twice its "
                   "target incentive in a period.", lo=0, hi=100)
    draw_weekly: float = P(0.0, "currency/week", "Recoverable draw paid when commission falls "
                           "short; repaid from later commission.", lo=0, hi=1e7)
    off_peak_bonus: float = P(0.0, "x rate", "Extra commission multiplier outside the peak "
                              "window (year-round engagement).", S000, lo=0, hi=5)
    raise_ceiling: float = P(1.5, "x commission_rate", "Highest rate raises can reach, as a "
                             "multiple of the base rate, unless the concessions policy sets "
                             "its own.", S000, lo=1, hi=10)


@dataclass
class PipelineParams:
    deal_weeks: float = P(6.0, "weeks of demand", "A typical opportunity is worth this many "
                          "weeks of its account's demand; an account opens one about every "
                          "deal_weeks / seasonal multiplier weeks.", lo=2.5, hi=52)
    deal_sigma: float = P(0.5, "log units", "Lognormal spread of opportunity size.", lo=0, hi=3)
    work_weeks: float = P(3.0, "weeks", "Weeks of full service an opportunity needs before "
                          "it can close (the sales cycle at full attention).", lo=0.5, hi=52)
    lead_weeks: int = P(5, "weeks", "How far ahead of the season it buys for a client opens "
                        "an opportunity: arrivals follow the demand this many weeks later "
                        "(about the time a deal takes to close, so that sales fall in the "
                        "season).  Measured, docs/ODD.md section 9.", lo=0, hi=26)
    win_base: float = P(0.7, "probability", "Win probability of a fully worked opportunity "
                        "with a healthy account.", lo=0.01, hi=1)
    lose_rate: float = P(0.04, "1/week", "Weekly chance that an open opportunity goes to a "
                         "competitor or lapses.", lo=0, hi=1)
    pull_discount: float = P(0.1, "share of price", "Discount the firm grants to close a deal "
                             "early (pull-in before period end); the firm pays it.",
                             "Oyer 1998; Larkin 2014 (timing of sales)", lo=0, hi=1)
    pull_win_loss: float = P(0.25, "share", "Relative drop in win probability of a deal "
                             "pulled in before the client is ready.", lo=0, hi=1)
    push_loss: float = P(0.15, "probability", "Chance a deal held back into the next period is "
                         "lost meanwhile.", "Larkin 2014", lo=0, hi=1)
    timing_weeks: int = P(2, "weeks", "Last weeks of a period in which reps time deals.",
                          lo=0, hi=13)
