"""``salesim report DIR`` and ``salesim plot DIR [--only NAME]``.

The report is one self-contained HTML file (figures embedded as base64 PNG, no external
files or scripts) that opens offline: a summary paragraph, a KPI ranking table with
intervals, the experiment's design and size, what the model assumes, then every figure the
data allows with a one-sentence caption.  The figures are also written to DIR/plots as PNG
and SVG.
"""

from __future__ import annotations

import base64
import os
from html import escape
import sys
from pathlib import Path

from sim.common.atomic import write_text_atomic
from sim.common.errors import UserError
from sim.report.data import PlotData, load
from sim.report.figures import BY_NAME, PLOT_NAMES, Rendered, missing, render, render_all
from sim.report.money import money_missing
from sim.report.text import (design_list, interval_note, ranking_table, run_table,
                             summary_paragraph)
from sim.report.text_kpis import kept_kpi_table
from sim.report.style import pretty
from sim.report.text_money import decision_html, decision_paragraph

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;max-width:1180px;
margin:2em auto;padding:0 1.2em;color:#1a1a1a;line-height:1.45;font-size:16px}
h1{font-size:1.7em;margin-bottom:.2em} h2{margin-top:1.6em;border-bottom:1px solid #ddd}
p.lead{font-size:1.08em;background:#f6f6f6;padding:.8em 1em;border-left:4px solid #0072B2}
table.kpi{border-collapse:collapse;font-size:.9em;margin:.6em 0;width:100%}
table.kpi th,table.kpi td{border:1px solid #ddd;padding:.35em .5em;vertical-align:top;
text-align:left}
table.kpi thead th{background:#f0f0f0}
.ci{color:#666;font-size:.9em} .d{color:#333;font-size:.9em}
.sw{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.35em}
figure{margin:1.4em 0 2em} figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#444;font-size:.95em;margin-top:.3em}
.note{color:#555;font-size:.92em}
tr.season th{background:#fafafa;font-size:1.02em}
td.v-adopt{background:#e3f4ec} td.v-reject{background:#fbe6dc} td.v-uncertain{background:#f3f3f3}
"""

ASSUMPTIONS = [
    "One step is one week. Reps are independent contractors who choose their effort from the "
    "pay one more sale would bring under their plan, against an effort cost that grows with "
    "stress.",
    "Sabotage tactics (quiet quitting, holding back at the peak, withholding client "
    "information, cherry-picking, false urgency) are choices reps make when they pay off or "
    "when they have disengaged; none runs on a timetable.",
    "Managers have a fixed weekly hours budget; what they spend on monitoring, requests and "
    "urgent claims is missing from coaching and retention.",
    "A rep quits when its outside option beats staying; clients follow a leaver more often "
    "when the relationship is the rep's rather than recorded with the company.",
    "Demand follows stylised season calendars. Parameters are set from cited sources or "
    "stated assumptions; results compare policies under these assumptions and are not "
    "forecasts.",
]


ODD_PUBLIC = "docs/ODD.md"  # where the model description lives in the salesim sources


def odd_link(out_dir: Path) -> str:
    """HTML pointing to the model description (ODD protocol).

    A relative link when the report sits inside the salesim project (it then works from
    ``results/`` and from a copy of the project); otherwise the report names the file in
    words, since a link into one machine's source tree breaks once the report is sent on.
    """
    project = Path(__file__).resolve().parents[2]
    odd = project / ODD_PUBLIC
    where = out_dir.resolve()
    if odd.exists() and where.is_relative_to(project):
        rel = os.path.relpath(odd, where).replace(os.sep, "/")
        return f"<a href='{escape(rel)}'>{ODD_PUBLIC}</a> in the salesim project"
    return f"{ODD_PUBLIC} in the salesim project (not included in this file)"


def _figure_html(r: Rendered) -> str:
    b64 = base64.b64encode(r.png).decode("ascii")
    return (f"<figure id='fig-{r.name}'><h3>{escape(r.heading)}</h3>"
            f"<img alt='{escape(r.heading)}' src='data:image/png;base64,{b64}'>"
            f"<figcaption>{escape(r.caption)} <span class='note'>(file: plots/{r.name}.png)"
            "</span></figcaption></figure>")


def _compares_money(data: PlotData) -> bool:
    return (data.kind == "sweep" and len(data.policies) > 1 and data.reference is not None
            and money_missing(data.weekly) is None)


def build_html(data: PlotData, figures: list[Rendered], skipped: dict[str, str]) -> str:
    """The whole report page as a string."""
    title = f"salesim report: {pretty(str(data.meta.get('name', data.root.name)))}"
    money = _compares_money(data)
    lead = decision_paragraph(data) if money else summary_paragraph(data)
    table = ranking_table(data) if data.kind == "sweep" and len(data.policies) > 1 \
        else run_table(data) if data.kind == "run" else _single_policy_table(data)
    table_head = ("How the policies rank on each KPI" if data.kind == "sweep"
                  else "Key results")
    headings = {spec.name: spec.heading for spec in BY_NAME.values()}
    skipped_html = "".join(
        f"<li>{escape(', '.join(headings.get(n, n) for n in names))}: left out because "
        f"{escape(why)}</li>" for why, names in by_reason(skipped).items())
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p class='lead' id='summary'>{escape(lead)}</p>",
        ("<h2>Which policy, in which season, for how much money</h2>" + decision_html(data))
        if money else "",
        f"<h2>{table_head}</h2>", table,
        f"<p class='note'>{escape(interval_note())}</p>" if data.kind == "sweep" else "",
        kept_kpi_table(data),
        "<h2>Design and size</h2>", design_list(data),
        "<h2>How the model works</h2><ul>",
        "".join(f"<li>{escape(a)}</li>" for a in ASSUMPTIONS),
        f"</ul><p>Every rule, parameter and source is documented in {odd_link(data.root)} "
        "(written to the ODD protocol of Grimm et al. 2020).</p>",
        "<h2>Figures</h2><ol class='note'>",
        "".join(f"<li><a href='#fig-{r.name}'>{escape(r.heading)}</a></li>" for r in figures),
        "</ol>", "".join(_figure_html(r) for r in figures),
        (f"<h2>Figures left out</h2><ul class='note'>{skipped_html}</ul>"
         if skipped_html else ""),
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p)


def by_reason(skipped: dict[str, str]) -> dict[str, list[str]]:
    """Figure names grouped by the reason they were left out."""
    out: dict[str, list[str]] = {}
    for name, why in skipped.items():
        out.setdefault(why, []).append(name)
    return out


def _print_skipped(skipped: dict[str, str]) -> None:
    for why, names in by_reason(skipped).items():
        print(f"  left out {', '.join(names)}: {why}")


def _single_policy_table(data: PlotData) -> str:
    """A sweep with one policy: its KPI levels pooled over the design (ranking table form)."""
    return ranking_table(data)


def cmd_report(args) -> int:
    """Write DIR/plots/*.png|svg and DIR/report.html."""
    root = Path(args.dir)
    data = load(root)
    figures, skipped = render_all(data, root / "plots")
    html = build_html(data, figures, skipped)
    write_text_atomic(root / "report.html", html)
    if data.meta.get("incomplete"):
        print(f"salesim: warning: {data.meta['incomplete']}", file=sys.stderr)
    print(f"wrote {root / 'report.html'} ({len(figures)} figures; PNG and SVG in "
          f"{root / 'plots'})")
    _print_skipped(skipped)
    return 0


def cmd_plot(args) -> int:
    """Redraw every figure, or only --only NAME, into DIR/plots."""
    only = getattr(args, "only", None)
    if only is not None and only not in BY_NAME:
        raise UserError(f"--only {only}: no such figure; allowed: {', '.join(PLOT_NAMES)}")
    root = Path(args.dir)
    data = load(root)
    if only is None:
        figures, skipped = render_all(data, root / "plots")
        for r in figures:
            print(root / "plots" / f"{r.name}.png")
        _print_skipped(skipped)
        return 0
    spec = BY_NAME[only]
    reason = missing(spec, data)
    if reason:
        raise UserError(f"{root}: cannot draw {only}: {reason}")
    render(spec, data, root / "plots")
    print(root / "plots" / f"{only}.png")
    return 0
