"""The report's decision section: the per-season decision table and the paragraph above it.

Everything is read from :func:`sim.report.decision.decision_table`, so the words and the table
always show the same numbers.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from sim.report.data import PlotData
from sim.report.decision import (ADOPT, ALL_SEASONS, REJECT, UNCERTAIN, best_in_season,
                                 decision_table, season_reversals)
from sim.report.money import LINES
from sim.report.style import fmt_cash, fmt_cash_interval, fmt_interval, fmt_signed, pretty

VERDICT_CSS = {ADOPT: "adopt", REJECT: "reject", UNCERTAIN: "uncertain"}


def gp_text(row: pd.Series, currency: str, ci: bool = True) -> str:
    """'+1.2 M USD a year (95% CI +0.8 M…+1.6 M USD)'."""
    text = f"{fmt_cash(row['gp'], currency, signed=True)} a year"
    if ci:
        text += f" (95% CI {fmt_cash_interval(row['gp_lo'], row['gp_hi'], currency)})"
    return text


def verdict_text(row: pd.Series) -> str:
    """'adopt', 'reject', or 'uncertain: about 12 more replications would likely settle it'."""
    if row["verdict"] != UNCERTAIN:
        return row["verdict"]
    if bool(row.get("too_small")):
        return "uncertain: the difference is too small to settle with more replications"
    if row.get("more") is not None and row["more"] == row["more"]:
        more = int(row["more"])
        return (f"uncertain: about {more:,} more replication{'s' if more != 1 else ''} "
                "would likely settle it")
    return "uncertain: too few replications to judge"


def ledger_formula(data: PlotData) -> str:
    p = data.meta["report"]
    words = " \u2212 ".join(w for _, w, s in LINES if s < 0)
    return (f"Gross profit per year = revenue \u2212 {words}; manager hours are the hours "
            f"managers served, valued at {p.manager_hour_cost:,.0f} {p.currency} an hour. "
            f"All money is in {p.currency} per year of the simulated horizon.")


def _pp(mean: float, lo: float, hi: float) -> str:
    if mean != mean:
        return "n/a"
    return (f"{fmt_signed(mean * 100, 1)} pp <span class='ci'>"
            f"[{fmt_interval(lo * 100, hi * 100, 1)}]</span>")


def _count(mean: float, lo: float, hi: float) -> str:
    if mean != mean:
        return "n/a"
    return (f"{fmt_signed(mean, 1)} <span class='ci'>[{fmt_interval(lo, hi, 1)}]</span>")


def decision_html(data: PlotData, table: pd.DataFrame | None = None) -> str:
    """The decision table as HTML: a block of rows per seasonal scenario."""
    table = decision_table(data, pooled=True) if table is None else table
    if table.empty:
        return "<p>No paired runs: the decision table needs a reference policy.</p>"
    cur = data.meta["report"].currency
    head = ("<tr><th>seasonal scenario</th><th>policy</th><th>verdict</th>"
            f"<th>\u0394 gross profit<br><span class='ci'>{escape(cur)} per year, 95% CI"
            "</span></th><th>\u0394 attrition<br><span class='ci'>percentage points of reps "
            "per year</span></th><th>\u0394 top performers lost<br><span class='ci'>"
            "top-quintile reps per year</span></th><th>runs paired</th></tr>")
    rows = []
    for season, df in table.groupby("season", sort=False):
        ref = df["ref_gp"].iloc[0]
        label = pretty(season) if season != ALL_SEASONS else "All seasons pooled"
        rows.append(f"<tr class='season'><th colspan='7'>{escape(label)} "
                    f"<span class='ci'>({escape(pretty(data.reference))} earns "
                    f"{escape(fmt_cash(ref, cur))} gross profit a year)</span></th></tr>")
        for _, r in df.iterrows():
            rows.append(
                f"<tr><td>{escape(label)}</td><td>{escape(pretty(r['policy']))}</td>"
                f"<td class='v-{VERDICT_CSS[r['verdict']]}'><b>{escape(verdict_text(r))}</b>"
                f"</td><td>{escape(fmt_cash(r['gp'], cur, signed=True))} <span class='ci'>"
                f"[{escape(fmt_cash_interval(r['gp_lo'], r['gp_hi'], cur))}]</span></td>"
                f"<td>{_pp(r['att'], r['att_lo'], r['att_hi'])}</td>"
                f"<td>{_count(r['lost'], r['lost_lo'], r['lost_hi'])}</td>"
                f"<td>{int(r['n'])}</td></tr>")
    return ("<table id='decision-table' class='kpi'><thead>" + head + "</thead><tbody>"
            + "".join(rows) + "</tbody></table>"
            f"<p class='note'>{escape(ledger_formula(data))} Verdicts read the 95% interval "
            "of the paired gross-profit difference: adopt when it lies wholly above zero, "
            "reject when wholly below, uncertain otherwise. Attrition and top performers "
            "lost are shown beside it so that a profitable policy that costs people is "
            "visible.</p>")


def _names(rows: pd.DataFrame) -> str:
    return ", ".join(pretty(p) for p in rows["policy"])


def decision_paragraph(data: PlotData, table: pd.DataFrame | None = None) -> str:
    """The summary: per season, what to adopt and for how much; which season changes what."""
    table = decision_table(data, pooled=False) if table is None else table
    if table.empty:
        return ""
    cur = data.meta["report"].currency
    table = table[table["season"] != ALL_SEASONS]
    out = []
    for season, df in table.groupby("season", sort=False):
        best = best_in_season(table, season)
        if best:
            lead = df.set_index("policy").loc[best[0]]
            s = (f"In the {pretty(season).lower()} season, {pretty(best[0])} adds the most "
                 f"gross profit: {gp_text(lead, cur)}")
            if len(best) > 1:
                s += f", tied with {', '.join(pretty(p) for p in best[1:])}"
        else:
            s = (f"In the {pretty(season).lower()} season, no policy clearly earns more than "
                 f"{pretty(data.reference)}")
        rej = df[df["verdict"] == REJECT]
        unc = df[df["verdict"] == UNCERTAIN]
        adopt_rest = df[(df["verdict"] == ADOPT) & ~df["policy"].isin(best)]
        if len(adopt_rest):
            s += f"; also worth adopting: {_names(adopt_rest)}"
        if len(rej):
            s += "; reject " + ", ".join(f"{pretty(r['policy'])} ({gp_text(r, cur, False)})"
                                         for _, r in rej.iterrows())
        if len(unc):
            s += "; uncertain: " + ", ".join(
                f"{pretty(r['policy'])} ({verdict_text(r).split(': ', 1)[-1]})"
                for _, r in unc.iterrows())
        out.append(s + ".")
    flips = season_reversals(table)
    if flips:
        strong = [f for f in flips if {ADOPT, REJECT} <= set(f[1].values())]
        parts = []
        for pol, words in sorted(flips, key=lambda f: f not in strong):
            by: dict[str, list[str]] = {}
            for season, w in words.items():
                by.setdefault(w, []).append(pretty(season).lower())
            said = {ADOPT: "adopted", REJECT: "rejected", UNCERTAIN: "uncertain"}
            parts.append(f"{pretty(pol)} is " + ", ".join(
                f"{said[w]} in {' and '.join(s)}" for w, s in by.items()))
        head = ("The season reverses a verdict" if strong else
                "The season changes the answer")
        out.append(f"{head}: " + "; ".join(parts) + ".")
    elif len(data.seasons) > 1:
        out.append("No season changes a verdict.")
    n = int(table["n"].min())
    out.append(f"Gross profit is in {cur} per year after cost of goods, commission, "
               f"concessions, programme costs and manager hours; differences are paired "
               f"(same seeds for every policy), with 95% intervals over {n} replication"
               f"{'s' if n != 1 else ''} per cell.")
    return " ".join(out)
