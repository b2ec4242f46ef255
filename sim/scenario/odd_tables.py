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
        ("(first[0] - 6) % WEEKS_PER_YEAR) if first.size else 40", "comp review week: 6 weeks "
         "before the first peak week (week 40 without a peak)"),
        ("self.week - r.last_sign[got] > 26", "a warning-sign episode restarts after 26 quiet "
         "weeks")),
    *_c("sim/world/build.py",
        ("1 + 8 * mean, 1 + 8 * (1 - mean))", "spread of manager detection skill "
         "(Beta with mean detect_skill_mean, concentration 10)"),
        ("integers(self, stream, teams, 0, 312)", "initial reps' past tenure, uniform over 0-311 weeks"),
        ("engagement=0.7, satisfaction=0.65, fairness=0.7", "initial moods"),
        ("entitlement=0.05, dependency=np.where(tenure < 52, 0.4, 0.2)", "initial entitlement; "
         "dependency of first-year and older reps"),
        ("offers=0.0, brand=0.0, trust=0.8, autonomy=0.8, grant_belief=0.35", "initial "
         "offers, brand, trust, autonomy and belief that asks are granted"),
        ("effort=0.7, prev_effort=0.7", "initial effort")),
    *_c("sim/world/accounts.py",
        ("rev_annual=pot * health * 0.5", "initial trailing revenue of an account"),
        ("p.potential_median), 0.5, 3.0)", "hours needed = hours_needed x (0.5 + "
         "difficulty) x sqrt(potential / median), the last factor limited to 0.5-3"),
        ("ATTENTION_FLOORS = (0.3, 0.5)", "attention value = potential x (0.3 + health) / "
         "(0.5 + difficulty)")),
    *_c("sim/world/market.py",
        ("b.rev_annual[idx] / 52", "account trailing revenue: 52-week exponential average"),
        ("r.rev_annual[a] / 52", "rep trailing revenue: 52-week exponential average")),
    *_c("sim/world/compensation.py",
        ('PERIOD_WEEKS = {"month": (4, 4, 5) * 4', "month periods follow a 4-4-5 week pattern"),
        ("STEP_SHARE = 0.01", "step (1% of quota) of the forward differences that value a "
         "unit of sales or of quota under the plan"),
        ("STEP_FLOOR = 1e-9", "smallest quota a forward difference steps from (keeps the "
         "step positive)"),
        ("QUOTA_FLOOR = 1e-6", "smallest quota and ramp-up divisor (keeps ratios finite)"),
        ("r.pay_ewma[a] += 0.1 * (pay - r.pay_ewma[a])", "pay memory (about 10 weeks)"),
        ("release = pool * np.minimum(1.0, sales / np.maximum(quota, 1e-9))", "pool released "
         "in proportion to team attainment, at most all of it")),
    *_c("sim/world/pipeline.py",
        ("TABLE_MIN = 1 << 16", "smallest pre-drawn table of pipeline random numbers"),
        ("np.minimum(need, 52)", "survival of a deal is counted over at most a year")),
    *_c("sim/world/behaviour.py",
        ("FORECAST_NODES = 20", "equal-probability nodes of the period-end sales forecast"),
        ("integers(model, \"slumps\", s, 1, 5)", "slump cause uniform over the four causes"),
        ("EFFORT_TOL = 1e-12", "Newton's method for the effort choice stops when no "
         "effort moves more than this (share of a week)"),
        ("EFFORT_MAX_STEPS = 40", "most Newton steps of the effort choice (a step that "
         "leaves the bracket halves it instead; 40 halvings reach 1e-12)")),
    *_c("sim/world/beliefs.py",
        ("PROB_FLOOR = 1e-9", "probabilities are kept this far from 0 and 1 before their "
         "log-odds are taken")),
    *_c("sim/world/moods.py",
        ("RATIO_FLOOR = 1e-9", "smallest divisor of the mood rules' ratios (quota, a "
         "period's demand): keeps them finite")),
    *_c("sim/world/tactics.py",
        ("VALUE_FLOOR = 1e-300", "smallest value per hour the cherry-picker's water-filling "
         "takes the log of (an account worth nothing)"),
        ("DIVISOR_FLOOR = 1e-9", "smallest pay and share of sales the tactics' weighing "
         "divides by (keeps the ratios finite)"),
        ("iters: int = 60", "most passes of the cherry-picker's water-filling (it ends "
         "when the set of served accounts stops changing)"),
        ("r.caught_belief[claim[caught]] = 1.0", "a claim seen through: the rep expects to be "
         "caught again")),
    *_c("sim/world/attrition.py",
        ("TENURE_BANDS = (52, 156)", "tenure bands for quit rates and their exposure count: "
         "<1, 1-3, 3+ years")),
    *_c("sim/world/managers.py",
        ('ACTIVITIES = ("admin", "urgency", "retention", "requests", "coaching", "reviews",',
         "priority order of managers' hours (then support, monitoring, cross-training)"),
        ('FACE_TIME = ("retention", "coaching", "reviews", "support", "monitoring")',
         "activities that count as face time")),
    *_c("sim/policies/management.py",
        ('group = {"strugglers": pct < 1 / 3', "coaching target groups are terciles"),
        ("np.exp(-0.5 * (dist / self.p.fit_width) ** 2)", "fit of a uniform session: a "
         "Gaussian in the log distance from its pitch")),
    *_c("sim/policies/accounts.py",
        ("model.cal.lookahead[model.woy] > 0.3", "rotation avoids the run-up to the peak"),
        ("rec + 0.5 * p.handover_quality * (1 - rec)", "a planned rotation writes knowledge "
         "down"),
        ("if self.covering and model.week % 13 == 0:", "pooled teams re-assign missing "
         "backups every 13 weeks"),
        ("b.potential[accounts] > model.sc.accounts.potential_median", "'good' accounts are "
         "above median potential")),
    *_c("sim/policies/signs.py",
        ("ledger.add(\"safeguards\", self.safe, 2 * p.safeguard_hours)", "a leverage safeguard "
         "is two actions: the push to record and the cross-training"),
        ("clamp(pct - 0.5, 0, 0.5) * 2)", "review premium linear in the percentile above "
         "the median")),
    *_c("sim/policies/playbook.py",
        ("p.cross_training and model.week % 13 == 0", "backups refreshed every 13 weeks"),
        ("p.broad_team and model.week % 13 == 0", "books rebalanced every 13 weeks"),
        ("r.rate[a] = review_rate(model, a, model.sc.policies.manager.review_premium)",
         "the annual comp review uses the manager block's review premium"),
        ("val[m] > 2 * avg", "a book above twice the team average is split")),
    *_c("sim/world/seasons.py",
        ('"holiday_peak": [0.055, 0.05, 0.06, 0.06', "monthly shares, Q4 = 45%",
         "seed 000 ('nearly half' in the holiday season)"),
        ('"gift_retail": [0.072] * 10 + [0.10, 0.18]', "monthly shares, Nov-Dec = 28% (revenue 27-31%)", NRF),
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
