"""``analysis.html``: the report section ``salesim analyze`` writes (findings first)."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from sim.analysis.figures import label
from sim.common.atomic import write_text_atomic

STYLE = """body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;color:#222}
table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;
padding:3px 7px;text-align:right}td:first-child,th:first-child{text-align:left}
.note{color:#555;font-size:13px}img{max-width:100%}"""


def _table(df: pd.DataFrame, digits: int = 3) -> str:
    if df is None or not len(df):
        return "<p class='note'>(nothing to show)</p>"
    fmt = {c: (lambda v, d=digits: f"{v:,.{d}g}") for c in df.columns
           if pd.api.types.is_float_dtype(df[c])}
    return df.to_html(index=False, escape=True, formatters=fmt, na_rep="")


def write_page(a, path: Path) -> None:
    """Write the analysis page for an :class:`sim.analysis.analyze.Analysis`."""
    e = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Analysis: {e(a.kpi)}"
             f"</title><style>{STYLE}</style></head><body>",
             "<h1>Which assumptions the choice rests on, where it fails, what is robust</h1>",
             "<h2>Findings</h2><ol>" + "".join(f"<li>{e(f)}</li>" for f in a.findings)
             + "</ol>"]
    if a.robust is not None:
        bar = ("at least the reference policy's value in the same scenario"
               if a.threshold == "reference" else f"at least {a.threshold}")
        parts += [f"<h2>Robustness on {e(a.kpi)}</h2>",
                  f"<p>Regret: in each scenario (season x uncertainty point) the shortfall from "
                  f"the best policy there. Satisficing: share of scenarios with {e(a.kpi)} {e(bar)}. "
                  f"{a.robust.scenarios_used} scenarios used, {a.robust.scenarios_dropped} "
                  "left out for failed runs.</p>", _table(a.robust.table),
                  f"<p>{e(a.robust.disagreement or 'Both rankings agree.')}</p>"]
    if len(a.boxes):
        parts += ["<h2>Where each policy's advantage disappears</h2>",
                  "<p>Cases: scenarios where the policy does not beat the reference (paired "
                  "difference at or below zero). Coverage: share of those cases inside the box; "
                  "density: share of the box's scenarios that are cases.</p>"]
        for (policy, versus), rows in a.boxes.groupby(["policy", "versus"], sort=False):
            parts.append(f"<h3>{e(policy)} over {e(versus)}</h3><p class='note'>"
                         f"{e(rows['cases'].iloc[0])}</p><ul>")
            parts += [f"<li><b>{e(r.method)}</b>: {e(policy)} stops beating {e(versus)} when "
                      f"{e(r.conditions)} "
                      f"(coverage {r.coverage:.0%}, density {r.density:.0%}, mass {r.mass:.0%})</li>"
                      for r in rows.itertuples()]
            parts.append("</ul>")
    if len(a.sensitivity):
        keep = [c for c in ("outcome", "season", "parameter", "ST", "ST_low", "ST_high", "S1",
                            "mu_star", "mu_star_conf", "sigma") if c in a.sensitivity]
        shown = a.sensitivity[keep].copy()
        shown["parameter"] = shown["parameter"].map(label)
        key = "ST" if "ST" in shown else "mu_star"
        shown = shown.sort_values(["outcome", "season", key], ascending=[True, True, False])
        parts += ["<h2>Global sensitivity of each outcome</h2>",
                  "<p class='note'>An outcome <code>KPI@policy-other</code> is the paired "
                  "difference of two policies; <code>KPI@policy</code> is the KPI itself.</p>"]
    for name, caption in a.figures:
        parts.append(f"<figure><img src='{e(name)}' alt='{e(caption)}'>"
                     f"<figcaption class='note'>{e(caption)}</figcaption></figure>")
    if len(a.sensitivity):
        parts.append(_table(shown.groupby(["outcome", "season"], sort=False).head(8)))
    parts += ["<h2>Method notes</h2><ul>"] + [f"<li class='note'>{e(n)}</li>" for n in a.method_notes]
    parts += ["</ul><p class='note'>Every index, box and regret is also in CSV and Parquet next "
              "to this page.</p></body></html>"]
    write_text_atomic(path, "\n".join(parts))
