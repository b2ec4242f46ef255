"""Generate the parameter tables of ``docs/ODD.md`` (section 8) from the code.

    python -m sim.scenario.odd_tables            rewrite the generated part of docs/ODD.md
    python -m sim.scenario.odd_tables --check    exit 1 if the committed file is out of date

Two kinds of table are written between ``<!-- BEGIN PARAMETER TABLES -->`` and
``<!-- END PARAMETER TABLES -->``; the rest of ODD.md is prose and is left alone:

* one table per scenario section and per policy, from the field metadata of the dataclasses
  in :mod:`sim.world.params` and :mod:`sim.policies.params` (default, unit, allowed values, source);
* the fixed constants written into the rule code.  Each entry names a file and a piece of code
  text that must occur on exactly one line of it; the generator looks the line up, so the
  ``file:line`` references follow the code, and a changed number breaks the generation (and
  the test) until the entry is updated.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import NamedTuple

from sim.common.atomic import write_text_atomic
from sim.scenario.loading import toml_value
from sim.policies.params import POLICY_CLASSES
from sim.scenario.schema import SECTIONS
from sim.scenario.validate import allowed_text, field_kind

ROOT = Path(__file__).resolve().parents[2]
DOC_PATH = ROOT / "docs" / "ODD.md"
BEGIN = "<!-- BEGIN PARAMETER TABLES -->"
END = "<!-- END PARAMETER TABLES -->"
ASSUME = "assumption"


class Const(NamedTuple):
    """A number fixed in the code: ``code`` must occur on exactly one line of ``file``."""

    file: str
    code: str
    meaning: str
    source: str = ASSUME


def _c(file: str, *rows: tuple) -> list[Const]:
    return [Const(file, *row) for row in rows]


NRF = "stylized facts (NRF holiday shares)"
CONSTANTS: list[Const] = [
    *_c("sim/world/model.py",
        ("self.max_rate = c.commission_rate * 1.5", "highest rate a raise can reach when the "
         "concessions policy is off"),
        ("rng.beta(1 + 8 * mean, 1 + 8 * (1 - mean)", "spread of manager detection skill "
         "(Beta with mean detect_skill_mean, concentration 10)"),
        ("(first[0] - 6) % WEEKS_PER_YEAR) if first.size else 40", "comp review week: 6 weeks "
         "before the first peak week (week 40 without a peak)"),
        ("rng.integers(0, 312, k)", "initial reps' past tenure, uniform over 0-311 weeks"),
        ("engagement=0.7, satisfaction=0.65, fairness=0.7", "initial moods"),
        ("entitlement=0.05, dependency=np.where(tenure < 52, 0.4, 0.2)", "initial entitlement; "
         "dependency of first-year and older reps"),
        ("offers=0.0, brand=0.0, trust=0.8, autonomy=0.8, grant_belief=0.35", "initial "
         "offers, brand, trust, autonomy and belief that asks are granted"),
        ("effort=0.7, prev_effort=0.7", "initial effort"),
        ("+ 1.5 * r.skipped_1on1[a]", "extra requests in the week after a skipped 1:1 (seed 001)"),
        ("r.requests[a] *= 0.6 + 0.4 * self.demand_now", "busier weeks raise more requests"),
        ("np.minimum(1.0, 0.2 + face)", "noticing: face-time factor, 0.2 with no face time, "
         "full at 0.8 hours"),
        ("self.week - r.last_sign[got] > 26", "a warning-sign episode restarts after 26 quiet "
         "weeks"),
        ("band = np.searchsorted((52, 156), tenure", "tenure bands of the exposure count")),
    *_c("sim/world/accounts.py",
        ("rev_annual=pot * health * 0.5", "initial trailing revenue of an account"),
        ("p.potential_median).clip(0.5, 3.0)", "hours needed = hours_needed x (0.5 + "
         "difficulty) x sqrt(potential / median), the last factor limited to 0.5-3"),
        ("/ (0.5 + book.difficulty[idx])", "attention value = potential x (0.3 + health) / "
         "(0.5 + difficulty)")),
    *_c("sim/world/market.py",
        (", 0.7, 1.0)", "conversion x 0.7 in a skill (1) or tools (3) slump"),
        ("b.rev_annual[idx] / 52", "account trailing revenue: 52-week exponential average"),
        ("r.rev_annual[a] / 52", "rep trailing revenue: 52-week exponential average"),
        ("ap.new_relationship, 0.6)", "health of a newly won account")),
    *_c("sim/world/compensation.py",
        ('PERIOD_WEEKS = {"month": (4, 4, 5) * 4', "month periods follow a 4-4-5 week pattern"),
        ("STEP_SHARE = 0.01", "step (1% of quota) of the forward differences that value a "
         "unit of sales or of quota under the plan"),
        ("QUOTA_FLOOR = 1e-6", "smallest quota and ramp-up divisor (keeps ratios finite)"),
        ("r.pay_ewma[a] += 0.1 * (pay - r.pay_ewma[a])", "pay memory (about 10 weeks)"),
        ("release = pool * np.minimum(1.0, sales / np.maximum(quota, 1e-9))", "pool released "
         "in proportion to team attainment, at most all of it")),
    *_c("sim/world/pipeline.py",
        ("URGENCY_ELASTICITY = 2.0", "extra volume per unit of false-urgency discount"),
        ("TABLE_MIN = 1 << 16", "smallest pre-drawn table of pipeline random numbers"),
        ("np.minimum(need, 52)", "survival of a deal is counted over at most a year")),
    *_c("sim/world/behaviour.py",
        ("FORECAST_NODES = 20", "equal-probability nodes of the period-end sales forecast"),
        ("KAPPA = 2.0", "curvature of the reps' sales-against-effort model"),
        ("np.maximum(pct ** 3, r.brand[a])", "visibility: cube of the revenue percentile, or "
         "brand"),
        ("r.offers[a] * 0.96 + contact * 0.35", "offers decay 4%/week; a contact adds 35% of "
         "the gap"),
        ("r.brand[a] + 0.05 * (brand_target", "brand moves 5%/week toward its target"),
        ("slumps.integers(1, 5, len(s))", "slump cause uniform over the four causes"),
        ("np.where(r.slump[a] == 4, 0.3, 1.0)", "motivation in a motivation slump"),
        ("rp.intrinsic_value * (0.5 * motiv + 0.5 * r.engagement[a])", "value of work from "
         "motivation and engagement"),
        ("for _ in range(14):", "bisection steps of the effort choice (precision 4e-5)"),
        ("np.where(r.slump[a] == 2, 0.6, 1.0)", "effort capacity in a personal slump"),
        ('"comp_talk": 0.3 * np.clip(', "comp-talk sign: at most 30%/week"),
        ("- 0.35) / 0.65, 0, 1)", "comp-talk sign starts at grievance 0.35"),
        ("np.where(r.t_withholding[a] | r.t_quiet_quitting[a], 0.6, 0.0)", "CRM-drop sign "
         "while withholding or quiet quitting"),
        ("0.5 * np.clip(r.brand[a] - 0.2, 0, 1)", "brand sign above brand 0.2"),
        ("np.abs(r.effort[a] - r.prev_effort[a]) > 0.12, 0.7, 0.0)", "abrupt-change sign: "
         "effort jump above 0.12"),
        ('"peak_focus": 0.4 * r.entitlement[a]', "peak-focus sign scale"),
        ("* (r.leverage[a] > 0.2),", "peak-focus sign needs leverage above 0.2"),
        ("col[a] = col[a] & (rng.random(k) < 0.5)", "half of competitor contacts are heard of"),
        ("rng.random(k) < 0.003 + probs[s]", "false-positive rate of every other sign"),
        ("np.clip(r.pay_ewma[a] / beh.pay_reference, 0, 1.5) / 1.5", "pay ratio in "
         "satisfaction, capped at 1.5 x reference"),
        ("0.15 * np.clip(r.effort[a] - 0.85, 0, 1)", "stress from overwork above effort 0.85"),
        ("+ 0.15 * r.unanswered[a] - 0.15 * r.supported[a]", "stress from unanswered "
         "requests; relief from support"),
        ("fair_t = (0.75 - beh.equity_pay", "fairness target with nothing unfair seen"),
        ("sat_t = (0.35 * pay_ratio + 0.25 * r.fairness[a] + 0.2 * r.autonomy[a]",
         "satisfaction weights (pay, fairness, autonomy)"),
        ("+ 0.2 * (1 - r.stress[a]) + 0.1 * np.clip(r.coached[a], 0, 1))", "satisfaction "
         "weights (calm, coaching)"),
        ("eng_t = (0.5 * r.satisfaction[a] + 0.25 * r.motivation[a]",
         "engagement weights (satisfaction, motivation)"),
        ("             + 0.1 * np.clip(r.coached[a], 0, 1)", "engagement weight of coaching"),
        ("- 0.3 * np.clip(r.stress[a] - 0.5, 0, 1) - beh.contagion", "burn-out: stress above "
         "0.5 costs engagement"),
        ("grow = 0.02 * r.leverage[a]", "entitlement growth per unit leverage"),
        ("r.trust[a] + 0.01 * (0.8 - r.trust[a])", "trust recovers 1%/week toward 0.8"),
        ("r.precedent_seen[a] *= 0.97", "memory of precedents (3%/week decay)"),
        ("r.resent[a] *= 0.98", "memory of resentment (2%/week decay)")),
    *_c("sim/world/tactics.py",
        ("HOLDBACK_WEEKS = 3", "length of a peak hold-back spell the rep weighs"),
        ("URGENCY_ELASTICITY = 2.0", "extra volume per unit of false-urgency discount"),
        ("iters: int = 60", "most passes of the cherry-picker's water-filling (it ends "
         "when the set of served accounts stops changing)"),
        ("v = rp.intrinsic_value * (0.5 * r.motivation[a] + 0.5 * r.engagement[a])",
         "value of work, as in the effort choice"),
        ("r.caught_belief[claim[caught]] = 1.0", "a claim seen through: the rep expects to be "
         "caught again"),
        ("np.where(r.t_quiet_quitting[owners], 0.5 * base, base)", "quiet quitters record "
         "half as much"),
        ("tp.urgency_detect * model.mgr_detect[r.team[claim]] / 0.5", "detection scaled by "
         "manager skill relative to 0.5"),
        ("np.clip(r.trust[claim[caught]] - 0.25, 0, 1)", "trust lost when a claim is caught"),
        ("r.grant_belief[claim[caught]] *= 0.8", "belief in asking falls when caught")),
    *_c("sim/world/leverage.py",
        ("worth_asking = 0.3 + 1.4 * r.grant_belief[a]", "asks rise with belief they work"),
        ("threat = r.offers[asking] > 0.3", "an ask is a threat when offers exceed 0.3"),
        ("(r.entitlement[asking] > 0.3)),", "a raise is asked with a pay gap or entitlement "
         "above 0.3"),
        ("r.monitoring[asking] > 0.25", "less oversight is asked under monitoring above 0.25"),
        ("r.oversight[reps[kind == 1]] *= 0.5", "a granted oversight demand halves oversight"),
        ("* 0.5, 0, 1)", "teammates gain precedent x entitlement_gain x 0.5"),
        ("r.precedent_seen[mates] + 0.1 * lp.precedent, 0, 0.5)", "precedent seen per grant "
         "(capped at 0.5)"),
        ("r.satisfaction[reps] - 0.1", "satisfaction lost on a refusal"),
        ("lp.threat_follow_through * (0.5 + r.offers[t])", "refused threateners leave"),
        ("0.3 * (rate - r.grant_belief[mates])", "teammates learn the grant rate (30%/ask "
         "week)"),
        ("np.argsort(-b.potential[own])[:2]", "'better accounts': the weakest teammate's two "
         "largest"),
        ("r.resent[weakest] + 0.2, 0, 0.6)", "resentment of the rep who lost them"),
        ("moved = 2 * sc.accounts.potential_median", "cost of 'better accounts': two median "
         "accounts' handover loss")),
    *_c("sim/world/attrition.py",
        ("TENURE_BANDS = (52, 156)", "tenure bands for quit rates: <1, 1-3, 3+ years"),
        ("0.35 * pay + 0.25 * r.satisfaction[a] + 0.2 * r.fairness[a] + 0.2 * r.engagement[a]",
         "value of staying"),
        ("outside = 0.45 + 0.4 * r.offers[a]", "value of the outside option"),
        ("np.exp(-np.maximum(tenure, 0) / 52)", "newcomer hazard fades over a year")),
    *_c("sim/world/managers.py",
        ('ACTIVITIES = ("admin", "urgency", "retention", "requests", "coaching", "reviews",',
         "priority order of managers' hours (then support, monitoring, cross-training)"),
        ('FACE_TIME = ("retention", "coaching", "reviews", "support", "monitoring")',
         "activities that count as face time")),
    *_c("sim/policies/management.py",
        ("every = np.where(group, p.every_weeks, 2 * p.every_weeks)", "non-target reps "
         "coached half as often"),
        ('group = {"strugglers": pct < 1 / 3', "coaching target groups are terciles"),
        ("r.skipped_1on1[self.due] = got[self.due] < 0.5", "a 1:1 counts as skipped below half "
         "its hours"),
        ("r.coached[a] = 0.9 * r.coached[a] + 0.1 * got[a] * p.quality", "coaching memory "
         "(10%/week)"),
        ("np.exp(-0.5 * (dist / self.p.fit_width) ** 2)", "fit of a uniform session: a "
         "Gaussian in the log distance from its pitch"),
        ("0.4 + 0.6 * r.engagement[c] - 0.4 * r.entitlement[c]", "receptiveness to coaching"),
        ("r.engagement[c] + 0.005 * got[c] * fit", "engagement per full session"),
        ("r.dependency[c] - 0.02 * got[c] * p.quality", "dependency per full session"),
        ("prob=0.15 * p.quality", "chance a 1:1 ends a skill slump"),
        ("struggling = ((manager_projection(model, a) < 0.85 * r.quota[a])", "monitoring: "
         "struggling when the manager's projection is below 85% of quota"),
        ("model.slump_fix(s, prob=0.5 * share)", "chance support ends a slump"),
        ("1 - np.exp(-p.response_delay_hours / 1.5)", "requests that resolve themselves "
         "during a delay"),
        ("(0.7 if p.decision_rights else 1.0) * (0.75 if p.defined_process else 1.0)",
         "fewer requests with decision rights and a process"),
        ("np.clip(r.requests[a] / 5, 0, 1)", "request load that fully feeds dependency"),
        ("(1 + 2 * p.over_support) * (0.5 if p.ask_for_solutions else 1.0)", "dependency "
         "growth with over-support, halved by asking for solutions"),
        ("decay = beh.dependency_decay * (1 + 1.0 * p.ask_for_solutions + 0.5 * "
         "p.decision_rights", "dependency decay multipliers"),
        ("+ 0.5 * p.defined_process + 2 * model.levers.self_resolve)", "dependency decay "
         "multipliers (process, delay)"),
        ("r.skill[a] += 0.0005 * np.clip(r.ceiling[a] - r.skill[a], 0, None)", "practice from "
         "solving own problems")),
    *_c("sim/policies/accounts.py",
        ("model.cal.lookahead[model.woy] > 0.3", "rotation avoids the run-up to the peak"),
        ("rec + 0.5 * p.handover_quality * (1 - rec)", "a planned rotation writes knowledge "
         "down"),
        ("if self.covering and model.week % 13 == 0:", "pooled teams re-assign missing "
         "backups every 13 weeks"),
        ("hit = self.p.star_resentment * short * (pct >= 0.8)", "stars = top fifth by revenue"),
        ("np.clip(r.resent[reps] + hit, 0, 0.6)", "resentment cap"),
        ("b.potential[accounts] > model.sc.accounts.potential_median", "'good' accounts are "
         "above median potential")),
    *_c("sim/policies/signs.py",
        ("ledger.add(\"safeguards\", self.safe, 2 * p.safeguard_hours)", "a leverage safeguard "
         "is two actions: the push to record and the cross-training"),
        ("np.clip(pct - 0.5, 0, 0.5) * 2)", "review premium linear in the percentile above "
         "the median")),
    *_c("sim/policies/playbook.py",
        ("lv.skill_growth *= 3.0", "training triples on-the-job learning"),
        ("p.cross_training and model.week % 13 == 0", "backups refreshed every 13 weeks"),
        ("p.broad_team and model.week % 13 == 0", "books rebalanced every 13 weeks"),
        ("r.rate[a] = review_rate(model, a, model.sc.policies.manager.review_premium)",
         "the annual comp review uses the manager block's review premium"),
        ("val[m] > 2 * avg", "a book above twice the team average is split"),
        ("model.slump_fix(self.due[got > 0.5], prob=0.3)", "chance a review ends a slump")),
    *_c("sim/world/seasons.py",
        ('"holiday_peak": [0.055, 0.05, 0.06, 0.06', "monthly shares, Q4 = 45%",
         "seed 000 ('nearly half' in the holiday season)"),
        ('"gift_retail": [0.073] * 10 + [0.10, 0.17]', "monthly shares, Nov-Dec = 27%", NRF),
        ('"general_retail": [0.0815] * 10 + [0.085, 0.10]', "monthly shares, Nov-Dec = 18.5%",
         NRF),
        ('"two_peaks": [0.06625, 0.06625, 0.11, 0.11]', "spring and holiday peaks")),
]


# Parameters set to hit a band of stylized-facts.md (ODD section 9), noted in their source cell.
CALIBRATED = {
    "attrition.base_hazard": "annual attrition 15-35%",
    "attrition.newcomer_hazard": "first-year quits well above 3+-year quits",
    "reps.skill_sigma": "top-20% revenue share 35-65%, CV >= 0.5",
    "accounts.potential_sigma": "top-20% revenue share 35-65%, CV >= 0.5",
    "org.span": "about 8 reps per manager",
    "org.manager_hours": "coaching 16-21% of manager time",
    "org.admin_hours": "coaching 16-21% of manager time",
    "policies.coaching.hours": "coaching 16-21% of manager time",
}


def locate(c: Const, root: Path = ROOT) -> int:
    """Line number (1-based) of the one line of ``c.file`` that holds ``c.code``."""
    lines = (root / c.file).read_text(encoding="utf-8").splitlines()
    hits = [i + 1 for i, line in enumerate(lines) if c.code in line]
    if len(hits) != 1:
        where = "not found" if not hits else f"found on lines {hits}"
        raise ValueError(f"{c.file}: constant `{c.code}` {where}; update sim/scenario/odd_tables.py")
    return hits[0]


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _num(x: float) -> str:
    return f"{x:g}"


def allowed(f: dataclasses.Field, path: str) -> str:
    """Allowed values, compact: '0 to 1', '>= 1', 'team / company', 'true/false'."""
    kind, meta = field_kind(f), f.metadata
    lo, hi = meta.get("lo"), meta.get("hi")
    if kind == "bool":
        return "true/false"
    if kind == "str":
        return " / ".join(meta.get("choices") or ()) or "text"
    if kind == "list":
        return allowed_text(kind, dict(meta), path)
    if lo is not None and 0 < lo < 1e-6:
        return "> 0" + (f", <= {_num(hi)}" if hi is not None else "")
    if lo is not None and hi is not None:
        return f"{_num(lo)} to {_num(hi)}"
    if lo is not None:
        return f">= {_num(lo)}"
    return f"<= {_num(hi)}" if hi is not None else "any"


def _param_table(prefix: str, cls: type) -> list[str]:
    out = ["", f"#### `[{prefix}]`", "", "| key | default | unit | allowed | meaning | source |",
           "| --- | --- | --- | --- | --- | --- |"]
    for f in dataclasses.fields(cls):
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING \
            else f.default
        path = f"{prefix}.{f.name}"
        source = f.metadata.get("source", "")
        if path in CALIBRATED:
            source += f"; calibrated: {CALIBRATED[path]} (section 9)"
        cells = (f"`{path}`", f"`{toml_value(default)}`", f.metadata.get("unit", ""),
                 allowed(f, path), f.metadata.get("doc", ""), source)
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return out


def _constants_table(root: Path = ROOT) -> list[str]:
    out = ["", "### 8.3 Constants fixed in the code", "",
           "Numbers written into the rules rather than exposed as parameters.  Unless the source "
           "column says otherwise they are modelling assumptions: chosen to give the mechanism "
           "a plausible size, not estimated.  `where` is generated from the code.", "",
           "| code | meaning | where | source |", "| --- | --- | --- | --- |"]
    rows = sorted(((c.file, locate(c, root)), c) for c in CONSTANTS)
    for (file, line), c in rows:
        cells = (f"`{c.code}`", c.meaning, f"{file}:{line}", c.source)
        out.append("| " + " | ".join(_cell(x) for x in cells) + " |")
    return out


def generate(root: Path = ROOT) -> str:
    """The generated block, markers included."""
    lines = [BEGIN, "<!-- Generated by `python -m sim.scenario.odd_tables`; do not edit by hand. -->", "",
             "### 8.1 Scenario sections"]
    for name, cls in SECTIONS.items():
        lines += _param_table(name, cls)
    lines += ["", "### 8.2 Policies"]
    for name, cls in POLICY_CLASSES.items():
        lines += _param_table(f"policies.{name}", cls)
    lines += _constants_table(root)
    lines += ["", END]
    return "\n".join(lines)


def render(doc: str, root: Path = ROOT) -> str:
    """``doc`` with the block between the markers replaced by a fresh generation."""
    if doc.count(BEGIN) != 1 or doc.count(END) != 1 or doc.index(BEGIN) > doc.index(END):
        raise ValueError(f"{DOC_PATH.name}: needs exactly one {BEGIN} before one {END}")
    head, rest = doc.split(BEGIN)
    tail = rest.split(END, 1)[1]
    return head + generate(root) + tail


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sim.scenario.odd_tables",
                                 description=__doc__.strip().split("\n")[0])
    ap.add_argument("--check", action="store_true", help="only check that ODD.md is current")
    args = ap.parse_args(argv)
    current = DOC_PATH.read_text(encoding="utf-8")
    fresh = render(current)
    if args.check:
        if fresh != current:
            print(f"{DOC_PATH}: parameter tables out of date; run python -m sim.scenario.odd_tables",
                  file=sys.stderr)
            return 1
        return 0
    if fresh != current:
        write_text_atomic(DOC_PATH, fresh)
    print(f"wrote {DOC_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
