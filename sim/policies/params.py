"""Settings of the management policies, one dataclass per ``[policies.NAME]`` block.

Blocks that describe everyday management (coaching, monitoring, requests, concessions,
reviews, hiring) are always active with baseline defaults; the others are off until a scenario
switches them on.  A block that appears in a scenario file without an ``enabled`` key is on.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.world.params import ASSUME, P, S000, S001, S002, S003, S004


@dataclass
class RotationPolicy:
    enabled: bool = P(False, "-", "Rotate accounts between reps of a team.", S000)
    period_weeks: int = P(26, "weeks", "Weeks between rotations.", S000, lo=1, hi=520)
    share: float = P(0.2, "share of book", "Share of each rep's book rotated each time.", S000,
                     lo=0, hi=1)
    select: str = P("top", "-", "Which accounts rotate: highest value first, or at random.",
                    S000, choices=("top", "random"))
    handover_quality: float = P(0.6, "share", "Share of recorded knowledge that becomes "
                                "relationship for the new owner.", lo=0, hi=1)
    avoid_peak: bool = P(True, "-", "Never rotate inside the peak window or the lookahead "
                         "before it.", ASSUME)


@dataclass
class TeamBonusPolicy:
    enabled: bool = P(False, "-", "Pay part of variable pay on the team's result.", S000)
    pool_share: float = P(0.2, "share of variable pay", "Share put in the pool.", S000, lo=0, hi=1)
    scope: str = P("team", "-", "Team of one manager, or the whole company.",
                   choices=("team", "company"))
    split: str = P("equal", "-", "How the pool is split.", choices=("equal", "pro_rata"))
    cover_hours: float = P(0.1, "hours/week per account", "Time a teammate spends on each "
                           "account it backs up when pay is pooled (cover is what this time "
                           "builds).", S000, lo=0, hi=10)


@dataclass
class CoachingPolicy:
    enabled: bool = P(True, "-", "Managers hold 1:1 coaching sessions.", S001)
    every_weeks: int = P(1, "weeks", "A 1:1 per rep every this many weeks.", S001, lo=1, hi=52)
    hours: float = P(0.9, "hours", "Length of a 1:1.", "stylized facts: 16-21% of manager time",
                     lo=0, hi=10)
    quality: float = P(0.5, "index", "How much a session closes the rep's skill gap.", S001,
                       lo=0, hi=1)
    style: str = P("uniform", "-", "Uniform sessions (pitched at the team's typical rep), or "
                   "tailored to the individual's own record.", S002,
                   choices=("uniform", "tailored"))
    gain: float = P(0.08, "share of gap", "Share of the skill gap a full session closes for "
                    "a rep of full capacity, receptiveness and fit with a perfect coach.",
                    "assumption (CEB coaching research: effects are modest per session)",
                    lo=0, hi=1)
    fit_width: float = P(0.7, "log units", "How far (log of trailing sales against the team "
                         "median) a rep's record may lie from a uniform session's pitch before "
                         "the fit falls to 0.61.", S002, lo=0.01, hi=10)
    target: str = P("all", "-", "Whom coaching goes to first.",
                    choices=("all", "strugglers", "middle", "stars"))
    others_every: int = P(2, "x every_weeks", "With a target group, how much less often the "
                          "others get a 1:1.", lo=1, hi=52)
    held_share: float = P(0.5, "share of the hours", "A 1:1 that got less than this share of "
                          "its hours counts as skipped (the rep saves no questions for it).",
                          S001, lo=0, hi=1)
    slump_fix: float = P(0.15, "probability", "Chance that a held session with a perfect "
                         "coach finds and ends a skill slump (scaled by quality).", S003,
                         lo=0, hi=1)


@dataclass
class MonitoringPolicy:
    enabled: bool = P(True, "-", "Managers monitor activity.", S003)
    intensity: float = P(0.15, "index", "Monitoring of a rep on track (counting calls, "
                         "updates).", S003, lo=0, hi=1)
    struggling_intensity: float = P(0.35, "index", "Monitoring of a rep behind quota.", S003,
                                    lo=0, hi=1)
    hours_per_rep: float = P(0.5, "hours/week", "Manager hours per rep at full intensity.",
                             lo=0, hi=20)
    support: bool = P(False, "-", "Diagnose a slump's cause (skill, personal, tools, "
                      "motivation) and address it instead of watching.", S003)
    support_hours: float = P(1.0, "hours", "Hours per week spent diagnosing one slumping rep.",
                             S003, lo=0, hi=20)
    support_fix: float = P(0.5, "probability", "Chance per fully held week of support that "
                           "the diagnosis ends the slump.", S003, lo=0, hi=1)
    behind_share: float = P(0.85, "share of quota", "A rep counts as struggling to its manager "
                            "when the projection it sees is below this share of quota.", S003,
                            lo=0, hi=2)
    detect_rate: float = P(1.5, "1/hour", "Chance per monitoring hour, at detection skill 1, "
                           "of catching a tactic in use: p = 1 - exp(-rate x skill x hours).",
                           "Holmstrom 1979 (monitoring as information)", lo=0, hi=20)
    sanction: str = P("warning", "-", "What a caught tactic brings: a warning on record (and "
                      "closer watch), warnings that end the contract once more than "
                      "warnings_allowed are on record, losing accounts, or non-renewal.",
                      "Shapiro & Stiglitz 1984",
                      choices=("warning", "warning_then_exit", "accounts", "non_renewal"))
    suspect_threshold: float = P(0.5, "probability", "Shirking belief above which a rep is "
                                 "watched at struggling_intensity.", S003, lo=0, hi=1)
    warnings_allowed: int = P(2, "warnings", "Under 'warning_then_exit': warnings a rep can "
                              "collect within warning_memory weeks; the next catch ends the "
                              "contract.", lo=0, hi=100)
    warning_memory: int = P(52, "weeks", "How long a warning stays on record.", lo=1, hi=520)
    sanction_share: float = P(0.2, "share of book", "Share of the book (largest first) moved "
                              "to teammates under the 'accounts' sanction.", lo=0, hi=1)


@dataclass
class IndependencePolicy:
    enabled: bool = P(True, "-", "How managers answer requests.", S001)
    response_delay_hours: float = P(0.0, "hours", "Delay before answering non-urgent requests.",
                                    S001, lo=0, hi=72)
    ask_for_solutions: bool = P(False, "-", "Ask the rep what it has tried first.", S001)
    decision_rights: bool = P(False, "-", "Reps know which decisions are theirs.", S001)
    defined_process: bool = P(False, "-", "A written sales process reps follow.", S001)
    over_support: float = P(0.0, "index", "Manager steps in and closes deals for reps.", S001,
                            lo=0, hi=1)


@dataclass
class ConcessionPolicy:
    enabled: bool = P(True, "-", "How the company answers threats and demands.", S000)
    precedent_weight: float = P(0.15, "asks per teammate", "Teammates a manager expects to "
                                "ask for the same for every concession it grants (0 = a "
                                "pushover who ignores precedent, 1 = firm).", S000, lo=0, hi=1)
    max_rate: float = P(0.12, "share of sales", "Highest commission rate ever conceded.", S000,
                        lo=0, hi=1)
    retention_talk_hours: float = P(1.5, "hours", "Manager hours per threat or demand.",
                                    lo=0, hi=40)


@dataclass
class FavouritismPolicy:
    enabled: bool = P(False, "-", "Managers favour reps they have personal ties with.", S004)
    share_favoured: float = P(0.25, "share of reps", "Share of reps with ties to their manager.",
                              S004, lo=0, hi=1)
    steer: float = P(0.8, "probability", "Chance a good account being assigned goes to a "
                     "favourite.", S004, lo=0, hi=1)
    skip_level_mentor: bool = P(False, "-", "A skip-level mentor sees steering decisions; "
                                "a rep who loses an account to a favourite can appeal.", S004)
    appeal_rate: float = P(0.5, "probability", "Chance a steered reassignment is appealed and "
                           "reviewed when a skip-level mentor exists.", S004, lo=0, hi=1)


@dataclass
class PlaybookPolicy:
    enabled: bool = P(False, "-", "Switch on a set of the company practices below.", S000)
    clear_policies: bool = P(False, "-", "Written commission and conduct rules: the grant "
                             "rule for demands is published, so reps know what asking brings.",
                             S000)
    comp_review: bool = P(False, "-", "Annual fair compensation review before the peak.", S000)
    training: bool = P(False, "-", "Training and development: hours of structured learning "
                       "each week (reps.training_learn) and a future in the company.", S000)
    training_hours: float = P(1.0, "hours/week per rep", "Training time, taken from selling "
                              "hours.", "assumption (about 50 hours a year)", lo=0, hi=40)
    training_cost: float = P(2500.0, "currency/rep/year", "What training costs the company.",
                             lo=0, hi=1e7)
    review_every_weeks: int = P(0, "weeks", "Performance review cadence (0 = none beyond "
                                "1:1s).", S000, lo=0, hi=104)
    review_hours: float = P(1.5, "hours", "Manager hours per review.", lo=0, hi=20)
    review_held: float = P(0.5, "share of the hours", "A review held for more than this "
                           "share of its hours can find a slump's cause.", lo=0, hi=1)
    review_fix: float = P(0.3, "probability", "Chance that a held review's improvement plan "
                          "ends a slump.", S003, lo=0, hi=1)
    culture_events: bool = P(False, "-", "Team events: a team identity (engagement) and "
                             "teammates who know each other's clients (cover).", S000)
    culture_cost: float = P(800.0, "currency/rep/year", "What team events cost the company.",
                            lo=0, hi=1e7)
    cross_training: bool = P(False, "-", "Each account gets a backup rep who spends time on "
                             "it and so learns it.", S000)
    shadow_hours: float = P(0.15, "hours/week per account", "Time a backup spends on each "
                            "account it backs up (out of its own selling time).", lo=0, hi=10)
    cross_training_manager_hours: float = P(0.5, "hours/week per backup", "Manager time the "
                                            "programme takes per rep who backs others up; "
                                            "backups learn in proportion to the share held.",
                                            lo=0, hi=20)
    cross_training_cost: float = P(600.0, "currency/rep/year", "What the cross-training "
                                   "programme costs the company (materials, sessions).", lo=0,
                                   hi=1e6)
    year_round_bonus: float = P(0.0, "x rate", "Extra commission off-peak.", S000, lo=0, hi=5)
    feedback_channels: bool = P(False, "-", "Open channels: a rep's grievance reaches its "
                                "manager as a sign, and the rep is heard.", S000)
    broad_team: bool = P(False, "-", "Keep books broad: every 13 weeks a book worth over twice "
                         "the team average passes its weakest-relationship accounts to the "
                         "lightest teammate.", S000)


@dataclass
class ManagerPolicy:
    enabled: bool = P(True, "-", "Managers act on their beliefs about reps (seeds 000, 001).",
                      S000)
    priority: str = P("fire_fighting", "-", "Order in which a manager serves its hours: "
                      "urgent claims, talks and requests first; coaching first (seed 001); or "
                      "watching first, as a micromanager does (seed 003).",
                      S001, choices=("fire_fighting", "coaching_first", "watching_first"))
    flight_threshold: float = P(0.3, "probability", "Flight-risk belief above which the "
                                "manager holds a retention talk and reviews the rep's pay.",
                                S000, lo=0, hi=1)
    leverage_threshold: float = P(0.5, "index", "Leverage-risk belief above which the "
                                  "manager pushes the rep to record and cross-trains a backup.",
                                  S000, lo=0, hi=1)
    rotate_threshold: float = P(0.75, "index", "Leverage-risk belief above which the manager "
                                "also rotates the rep's largest accounts early.", S000,
                                lo=0, hi=1)
    talk_hours: float = P(1.0, "hours", "Length of a retention talk.", lo=0, hi=20)
    review_hours: float = P(1.0, "hours", "Hours of an ad-hoc comp review.", lo=0, hi=20)
    safeguard_hours: float = P(1.0, "hours", "Hours to push for records, cross-train a backup "
                               "or hand over accounts, per rep and action.", lo=0, hi=20)
    review_premium: float = P(0.25, "share of rate", "Rate premium a comp review gives the top "
                              "performer (linear in the revenue percentile above the median).",
                              S000, lo=0, hi=2)
    push_weeks: int = P(13, "weeks", "How long a push to record lasts.", lo=1, hi=104)
    push_target: float = P(0.9, "share", "Recording target the manager asks for.", lo=0, hi=1)
    push_compliance: float = P(0.5, "share", "Share of the gap to the asked target a "
                               "withholding rep closes when pushed.", lo=0, hi=1)
    rotate_share: float = P(0.2, "share of book", "Share of the book (largest first) rotated "
                            "early.", S000, lo=0, hi=1)
    cooldown_weeks: int = P(13, "weeks", "Weeks before the same action is taken again for the "
                            "same rep.", lo=1, hi=104)


@dataclass
class HiringPolicy:
    enabled: bool = P(True, "-", "Replace leavers.", ASSUME)
    lag_weeks: int = P(8, "weeks", "Weeks from a departure to the replacement's start.",
                       lo=0, hi=520)
    skill: float = P(1.0, "x median", "Median skill of new hires.", lo=0.01, hi=10)
    peak_freeze: bool = P(False, "-", "Do not start new hires inside the peak window.")


@dataclass
class Policies:
    rotation: RotationPolicy = None  # type: ignore[assignment]
    team_bonus: TeamBonusPolicy = None  # type: ignore[assignment]
    coaching: CoachingPolicy = None  # type: ignore[assignment]
    monitoring: MonitoringPolicy = None  # type: ignore[assignment]
    independence: IndependencePolicy = None  # type: ignore[assignment]
    concessions: ConcessionPolicy = None  # type: ignore[assignment]
    favouritism: FavouritismPolicy = None  # type: ignore[assignment]
    playbook: PlaybookPolicy = None  # type: ignore[assignment]
    hiring: HiringPolicy = None  # type: ignore[assignment]
    manager: ManagerPolicy = None  # type: ignore[assignment]

    def __post_init__(self):
        for name, cls in POLICY_CLASSES.items():
            if getattr(self, name) is None:
                setattr(self, name, cls())


POLICY_CLASSES = {
    "rotation": RotationPolicy, "team_bonus": TeamBonusPolicy, "coaching": CoachingPolicy,
    "monitoring": MonitoringPolicy, "independence": IndependencePolicy,
    "concessions": ConcessionPolicy, "favouritism": FavouritismPolicy,
    "playbook": PlaybookPolicy, "hiring": HiringPolicy, "manager": ManagerPolicy,
}
