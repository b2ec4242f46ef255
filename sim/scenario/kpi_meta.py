"""Units, direction and meaning of every output column: run KPIs, weekly series, rep table.

One table for every writer and reader: the sweep's consolidated Parquet files and
``summary.csv`` carry these units, and the report labels its tables with them.  A column
that is not listed gets the unit ``"-"`` and no direction.
"""

from __future__ import annotations

HIGHER, LOWER, NEITHER = "higher", "lower", ""
MONEY = "currency over the horizon"

# name: (unit, better, description)
RUN_KPIS: dict[str, tuple[str, str, str]] = {
    "weeks": ("weeks", NEITHER, "simulated horizon"),
    "revenue_total": (MONEY, HIGHER, "revenue over the horizon, net of discounts"),
    "revenue_by_year": ("currency per year", HIGHER, "revenue in each year of the horizon"),
    "peak_share": ("share of revenue", NEITHER, "share of revenue earned in the calendar's "
                   "peak window"),
    "nov_dec_share": ("share of revenue", NEITHER, "share of revenue earned in November and "
                      "December"),
    "gross_margin": ("share of revenue", HIGHER, "(revenue - cost of goods - commission - "
                     "programme costs) / revenue"),
    "program_cost": (MONEY, LOWER, "what policies spend on programmes"),
    "comp_cost": (MONEY, LOWER, "pay of reps (commission, draws, pool payouts)"),
    "discounts": (MONEY, LOWER, "discounts given on false-urgency deals"),
    "attrition_rate_annual": ("share of reps per year", LOWER, "quits per mean headcount "
                              "per year"),
    "top_quintile_attrition_rate": ("share of top-quintile reps per year", LOWER,
                                    "leavers of the top performance quintile per rep-year"),
    "first_year_quit_rate": ("quits per rep-year", LOWER, "quit rate in the first year of "
                             "tenure"),
    "tenured_quit_rate": ("quits per rep-year", LOWER, "quit rate after the second year"),
    "top20_revenue_share": ("share of revenue", LOWER, "share of annualised revenue from the "
                            "top 20% of reps, final 52 weeks"),
    "revenue_gini": ("Gini index (0-1)", LOWER, "inequality of annualised rep revenue"),
    "revenue_cv": ("coefficient of variation", LOWER, "spread of annualised rep revenue"),
    "leverage_events": ("events over the horizon", LOWER, "threats plus demands"),
    "threats": ("events over the horizon", LOWER, "threats to leave"),
    "concessions_granted": ("events over the horizon", LOWER, "demands a manager granted"),
    "concession_cost": (MONEY, LOWER, "extra commission paid because of concessions"),
    "accounts_lost_to_departures": ("accounts over the horizon", LOWER, "accounts that "
                                    "followed a leaving rep"),
    "revenue_lost_to_departures": ("currency per year, summed over departures", LOWER,
                                   "annual revenue of the accounts that followed leavers, "
                                   "added up over the horizon"),
    "manager_overload_share": ("share of manager-weeks", LOWER, "manager-weeks with demands "
                               "over the hours budget"),
    "coaching_share_of_manager_time": ("share of manager hours", NEITHER, "hours served on "
                                       "coaching / all hours served"),
    "tactic_rep_weeks": ("rep-weeks over the horizon", LOWER, "rep-weeks using a "
                         "passive-aggressive tactic"),
    "signals_noticed": ("signs over the horizon", NEITHER, "warning signs managers noticed"),
    "median_warning_lead_weeks": ("weeks", HIGHER, "median weeks from a first noticed sign "
                                  "to a threat or resignation"),
    "hires": ("reps over the horizon", NEITHER, "reps contracted"),
    "quits": ("reps over the horizon", LOWER, "reps who quit"),
    "headcount_end": ("reps", NEITHER, "reps under contract in the final week"),
    "mean_effort": ("share of full effort", HIGHER, "mean effort over rep-weeks"),
    "mean_stress": ("index 0-1", LOWER, "mean stress over rep-weeks"),
    "mean_engagement": ("index 0-1", HIGHER, "mean engagement over rep-weeks"),
    "mean_dependency": ("index 0-1", LOWER, "mean dependency on the manager"),
}

WEEKLY: dict[str, tuple[str, str]] = {
    "week": ("week", "week of the horizon, from 0"),
    "year": ("year", "year of the horizon, from 0"),
    "week_of_year": ("week", "week of the calendar year, 0-51"),
    "revenue": ("currency per week", "revenue, net of discounts"),
    "discounts": ("currency per week", "discounts given"),
    "cogs": ("currency per week", "cost of goods sold"),
    "comp_cost": ("currency per week", "pay of reps"),
    "concession_cost": ("currency per week", "part of pay due to concessions"),
    "program_cost": ("currency per week", "programme spending of policies"),
    "headcount": ("reps", "reps under contract"),
    "quits": ("reps per week", "reps who quit"),
    "overload_share": ("share of managers", "managers over their hours budget"),
}
WEEKLY_PREFIXES: dict[str, tuple[str, str]] = {
    "tactic_": ("reps", "reps using the tactic this week"),
    "hours_": ("manager hours per week", "hours served on the activity (skipped: not served)"),
}
REPTABLE: dict[str, tuple[str, str]] = {
    "rep_id": ("-", "rep identifier, unique within a run"),
    "team": ("-", "team index"),
    "hired_week": ("week", "week the rep was contracted"),
    "left_week": ("week", "week the rep left; null while under contract"),
    "weeks_employed": ("weeks", "weeks under contract"),
    "revenue": (MONEY, "revenue the rep sold"),
    "pay": (MONEY, "pay the rep received"),
    "perf_quintile": ("quintile 0-4", "quintile of revenue per week employed (4 = top)"),
    "first_sign_week": ("week", "first warning sign a manager noticed; null if none"),
    "first_threat_week": ("week", "first threat to leave; null if none"),
    "skill": ("index", "selling skill"),
}


def _base(name: str) -> str:
    """'tactic_rep_weeks.withholding' -> 'tactic_rep_weeks'; 'revenue_by_year.2' likewise."""
    return name.split(".", 1)[0]


def kpi_unit(name: str) -> str:
    return RUN_KPIS.get(name, RUN_KPIS.get(_base(name), ("-", NEITHER, "")))[0]


def kpi_better(name: str) -> str:
    return RUN_KPIS.get(name, RUN_KPIS.get(_base(name), ("-", NEITHER, "")))[1]


def kpi_description(name: str) -> str:
    return RUN_KPIS.get(name, RUN_KPIS.get(_base(name), ("-", NEITHER, "")))[2]


def series_meta(table: str, name: str) -> tuple[str, str]:
    """(unit, description) of a weekly or rep-table column; ('-', '') when unknown."""
    known = WEEKLY if table == "weekly" else REPTABLE
    if name in known:
        return known[name]
    if table == "weekly":
        for prefix, meta in WEEKLY_PREFIXES.items():
            if name.startswith(prefix):
                return meta
    return "-", ""


DESIGN: dict[str, tuple[str, str]] = {
    "run_id": ("-", "run number within the sweep, unique"),
    "point_id": ("-", "design point: one (factor values, season, policy) combination"),
    "factor_point": ("-", "combination of factor values"),
    "replication": ("-", "replication; the same number means the same seed in every policy"),
    "seed": ("-", "random seed of the run"),
    "season": ("-", "seasonal scenario"),
    "policy": ("-", "policy (scenario) name"),
    "status": ("-", "ok or failed"),
    "error": ("-", "one-line error of a failed run; null when it finished"),
}
# Columns that count or index things: written as integers (nullable where a value is absent).
INTEGER_COLUMNS = frozenset({
    "run_id", "point_id", "factor_point", "replication", "seed", "week", "year",
    "week_of_year", "headcount", "hires", "quits", "accounts_active", "accounts_won",
    "accounts_churned", "accounts_lost", "threats", "demands", "concessions", "refusals",
    "signals_emitted", "signals_noticed", "rep_id", "team", "hired_week", "left_week",
    "weeks_employed", "perf_quintile", "first_sign_week", "first_threat_week"})
INTEGER_PREFIXES = ("tactic_",)
# Week columns where the model writes -1 for "did not happen": null in tidy outputs.
ABSENT_IS_MINUS_ONE = frozenset({"left_week", "first_sign_week", "first_threat_week"})


def param_meta(dotted: str) -> tuple[str, str]:
    """(unit, description) of a scenario parameter such as ``policies.rotation.period_weeks``."""
    import dataclasses
    from sim.policies.params import POLICY_CLASSES
    from sim.scenario.schema import SECTIONS
    parts = dotted.split(".")
    try:
        if parts[0] == "policies":
            cls, name = POLICY_CLASSES[parts[1]], parts[2]
        else:
            cls, name = SECTIONS[parts[0]], parts[1]
        meta = {f.name: f.metadata for f in dataclasses.fields(cls)}[name]
    except (KeyError, IndexError):
        return "-", ""
    return str(meta.get("unit", "-")), str(meta.get("doc", ""))


def column_meta(table: str, name: str) -> tuple[str, str]:
    """(unit, description) of any column of the tidy outputs."""
    if name in DESIGN:
        return DESIGN[name]
    if table == "runs":
        if name in RUN_KPIS or name.split(".", 1)[0] in RUN_KPIS:
            return kpi_unit(name), kpi_description(name)
        return param_meta(name)
    unit, words = series_meta(table, name)
    return (unit, words) if words else param_meta(name)
