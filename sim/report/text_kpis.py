"""Every KPI a sweep kept, in one table, so that none is dropped without a word.

The ranking table shows the report's main KPIs; this table lists every numeric KPI column the
runs hold (including the ones the report derives, like gross profit per year): its unit,
whether higher or lower is better, the reference's mean and each policy's paired difference
with its 95% interval.
"""

from __future__ import annotations

from html import escape

from sim.report.data import KPIS, MONEY_YEAR, Kpi, PlotData, kept_kpis, unit_text
from sim.report.money import LINES
from sim.report.stats import mean_ci, paired_differences
from sim.report.style import fmt_interval, fmt_money, fmt_signed, pretty
from sim.report.text import fmt_signed_money
from sim.scenario.kpi_meta import HIGHER, LOWER, kpi_better, kpi_description, kpi_unit

MAIN = {k.column: k for k in KPIS}


def _meta(data: PlotData, column: str) -> tuple[Kpi, str, str]:
    """A Kpi for any column, its unit and its description."""
    cur = data.meta["report"].currency
    if column in MAIN:
        k = MAIN[column]
        return k, unit_text(k.unit, cur), k.label
    ledger = {f"{name}_per_year": (words, sign) for name, words, sign in LINES}
    if column in ledger:
        words, sign = ledger[column]
        k = Kpi(column, column, words, "abs", sign > 0, MONEY_YEAR)
        return k, unit_text(MONEY_YEAR, cur), f"{words} (money ledger)"
    unit = kpi_unit(column).replace("currency", cur)
    better = kpi_better(column)
    share = unit.startswith("share")
    k = Kpi(column, column, column, "pp" if share else "abs", better != LOWER, unit)
    return k, unit, kpi_description(column)


def _num(value: float, share: bool, money: bool = False) -> str:
    if value != value:
        return "n/a"
    if share:
        return f"{value * 100:.1f}%"
    if money:
        return fmt_money(value)
    a = abs(value)
    return f"{value:,.0f}" if a >= 100 else f"{value:,.3g}"


def _merge_identical(data: PlotData, cols: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """Columns equal in every run (e.g. the peak window is Nov-Dec) are listed once."""
    keep, same = [], {}
    for col in cols:
        twin = next((k for k in keep if data.runs[k].equals(data.runs[col])), None)
        if twin is None:
            keep.append(col)
        else:
            same.setdefault(twin, []).append(col)
    return keep, same


def kept_kpi_table(data: PlotData) -> str:
    """HTML: heading and table of every KPI kept (empty for a run directory)."""
    if data.kind != "sweep":
        return ""
    cols, same = _merge_identical(data, kept_kpis(data))
    others = [p for p in data.policies if p != data.reference]
    head = ("<tr><th>KPI</th><th>unit</th><th>better</th>"
            f"<th>{escape(pretty(data.reference))} (mean)</th>"
            + "".join(f"<th>\u0394 {escape(pretty(p))}</th>" for p in others) + "</tr>")
    cur = data.meta["report"].currency
    rows = []
    for col in cols:
        kpi, unit, words = _meta(data, col)
        share = kpi.diff == "pp"
        money = cur in unit
        ref = data.runs.loc[data.runs["policy"] == data.reference, col]
        m = mean_ci(ref)[0]
        diffs = paired_differences(data, kpi, by_season=False) if others else None
        cells = []
        for p in others:
            r = diffs[diffs["policy"] == p] if diffs is not None and len(diffs) else None
            if r is None or r.empty:
                cells.append("<td>n/a</td>")
                continue
            r = r.iloc[0]
            if money:
                cells.append(f"<td>{fmt_signed_money(r['diff'])} <span class='ci'>["
                             f"{fmt_signed_money(r['lo'])}\u2026{fmt_signed_money(r['hi'])}]"
                             "</span></td>")
                continue
            scale = 100.0 if share else 1.0
            u = " pp" if share else ""
            digits = 1 if share or abs(r["diff"]) < 10 else 0
            cells.append(f"<td>{fmt_signed(r['diff'] * scale, digits)}{u} <span class='ci'>"
                         f"[{fmt_interval(r['lo'] * scale, r['hi'] * scale, digits)}]</span>"
                         "</td>")
        if col in MAIN:
            better = HIGHER if kpi.higher_better else LOWER
        else:
            better = kpi_better(col)
        if col in same:
            twins = ", ".join(f"'{_meta(data, c)[2] or c}'" for c in same[col])
            words = f"{words or col}; identical in every run to {twins}"
        rows.append(f"<tr><th title='{escape(col)}'>{escape(words or col)}</th>"
                    f"<td>{escape(unit)}</td><td>{better}</td><td>{_num(m, share, money)}</td>"
                    + "".join(cells) + "</tr>")
    n = data.n_replications
    return ("<h2>Every KPI this sweep kept</h2>"
            "<table id='kept-kpis' class='kpi'><thead>" + head + "</thead><tbody>"
            + "".join(rows) + "</tbody></table>"
            f"<p class='note'>{len(cols)} KPIs; \u0394 is the paired difference from "
            f"{escape(pretty(data.reference))} pooled over seasonal scenarios ({n} replications "
            "per design point), in the KPI's unit (shares in percentage points), with its 95% "
            "interval. Hover a KPI for the column name in the output files.</p>")
