"""Words and tables of the report: summary paragraph, KPI ranking, design and size.

Everything here is computed from a :class:`~sim.report.data.PlotData`; the HTML page layout lives
in :mod:`sim.report.html`.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from sim.report.data import KPI_BY_KEY, KPIS, Kpi, PlotData, diff_mode, is_money, unit_text
from sim.report.figures_factors import factor_label
from sim.report.stats import levels, paired_differences, shared_ranks
from sim.report.style import fmt_interval, fmt_money, fmt_signed, policy_colours, pretty


def fmt_level(kpi: Kpi, value: float, mode: str) -> str:
    """A KPI level in its natural unit: money, percent or a count."""
    if value != value:  # NaN
        return "n/a"
    if mode == "pp":
        return f"{value * 100:.1f}%"
    if is_money(kpi):
        return fmt_money(value)
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def fmt_delta(kpi: Kpi, row: pd.Series) -> str:
    """A paired difference and its interval: money, % of the reference or points."""
    if is_money(kpi) and row["unit"] == "":
        return (f"{fmt_signed_money(row['d'])} [{fmt_signed_money(row['d_lo'])}\u2026"
                f"{fmt_signed_money(row['d_hi'])}]")
    u = row["unit"]
    digits = 1 if u == "pp" or abs(row["d"]) < 10 else 0
    return (f"{fmt_signed(row['d'], digits)}{u} "
            f"[{fmt_interval(row['d_lo'], row['d_hi'], digits)}{u}]")


def fmt_signed_money(x: float) -> str:
    return ("+" if x > 0 else "\u2212" if x < 0 else "") + fmt_money(abs(x))


def _swatch(colour: str) -> str:
    return f'<span class="sw" style="background:{colour}"></span>'


def summary_paragraph(data: PlotData) -> str:
    """One paragraph of findings, in plain words."""
    if data.kind == "run":
        return _run_summary(data)
    others = [p for p in data.policies if p != data.reference]
    where = (f"in {len(data.seasons)} seasonal scenario{'s' if len(data.seasons) != 1 else ''} "
             f"({', '.join(pretty(x) for x in data.seasons)}) over {data.n_runs} runs of "
             f"{data.weeks} weeks")
    if len(data.policies) < 2:
        return (f"This sweep runs {pretty(data.policies[0])} {where}. " + factor_sentence(data))
    text = (f"This sweep compares {len(others)} polic{'y' if len(others) == 1 else 'ies'} "
            f"({', '.join(pretty(p) for p in others)}) with {pretty(data.reference)} "
            f"{where}. ")
    return text + comparison_sentences(data) + (
        " Differences are paired (same seeds for every policy), pooled over seasonal "
        "scenarios, with 95% intervals.")


def _effect(row: pd.Series, ci: bool = True) -> str:
    u = row["unit"]
    digits = 1 if u == "pp" or abs(row["d"]) < 10 else 0
    text = f"{fmt_signed(row['d'], digits)}{u}"
    if ci:
        text += f", 95% CI {fmt_interval(row['d_lo'], row['d_hi'], digits)}{u}"
    return text


def _clear(row: pd.Series, kpi: Kpi, better: bool) -> bool:
    """The whole interval lies on the better (or the worse) side of zero."""
    good = row["d_lo"] > 0 if kpi.higher_better else row["d_hi"] < 0
    bad = row["d_hi"] < 0 if kpi.higher_better else row["d_lo"] > 0
    return good if better else bad


def comparison_sentences(data: PlotData) -> str:
    """Which policy clearly does best on which KPI, and what it costs elsewhere."""
    pooled = {}
    for kpi in KPIS:
        if kpi.column in data.runs:
            df = paired_differences(data, kpi, by_season=False)
            if len(df):
                pooled[kpi] = df.set_index("policy")
    wins: dict[str, list[tuple[Kpi, pd.Series]]] = {}
    undecided = []
    for kpi, df in pooled.items():
        sign = 1 if kpi.higher_better else -1
        best = (sign * df["d"]).idxmax()
        if _clear(df.loc[best], kpi, better=True):
            wins.setdefault(best, []).append((kpi, df.loc[best]))
        else:
            undecided.append(kpi.label)
    out = []
    for pol, items in sorted(wins.items(), key=lambda kv: -len(kv[1])):
        listed = ", ".join(f"{k.label} ({_effect(r)})" for k, r in items)
        sentence = f"{pretty(pol)} does best on {listed}"
        costs = [f"{k.label} {_effect(df.loc[pol], ci=False)}" for k, df in pooled.items()
                 if pol in df.index and _clear(df.loc[pol], k, better=False)]
        out.append(sentence + (f"; it does worse on {', '.join(costs)}." if costs else "."))
    if undecided:
        out.append(f"No policy clearly beats {pretty(data.reference)} on "
                   f"{', '.join(undecided)}.")
    return " ".join(out)


def factor_sentence(data: PlotData) -> str:
    """Where each factor level gives the best revenue and the lowest attrition."""
    if not data.factors:
        return ""
    out = []
    for f in data.factors:
        values = list(data.runs[f].dropna().unique())
        try:
            values = sorted(values)
        except TypeError:
            values = sorted(values, key=str)
        part = f"It varies {factor_label(f).lower()} over {', '.join(map(str, values))}"
        for kpi in (KPI_BY_KEY["revenue"], KPI_BY_KEY["attrition"]):
            if kpi.column in data.runs:
                means = data.runs.groupby(f)[kpi.column].mean()
                pick = means.idxmax() if kpi.higher_better else means.idxmin()
                mode = diff_mode(kpi, data.runs[kpi.column])
                part += (f"; {kpi.label} is {'highest' if kpi.higher_better else 'lowest'} at "
                         f"{pick} ({fmt_level(kpi, means[pick], mode)} on average)")
        out.append(part + ".")
    return " ".join(out) + " The factor figures show each level with its 95% interval."


def _run_summary(data: PlotData) -> str:
    r = data.runs.iloc[0]
    parts = [f"One run of scenario {pretty(data.policies[0])} ({pretty(data.seasons[0])} "
             f"calendar, seed {int(r.get('seed', 0))}, {data.weeks} weeks)."]
    cur = data.meta["report"].currency if "report" in data.meta else "USD"
    pick = {"revenue": "revenue {} " + cur + " a year", "attrition": "attrition {} a year",
            "concentration": "the top 20% of reps bring {} of revenue",
            "revenue_lost": ("accounts worth {} " + cur + " of yearly revenue followed "
                             "departing reps, per year"),
            "leverage": "leverage events (threats and demands): {}"}
    said = []
    for key, pattern in pick.items():
        kpi = next(k for k in KPIS if k.key == key)
        if kpi.column in data.runs:
            said.append(pattern.format(fmt_level(kpi, r[kpi.column],
                                                 diff_mode(kpi, data.runs[kpi.column]))))
    if said:
        parts.append("Results: " + "; ".join(said) + ".")
    parts.append("A single run has no intervals and no policy comparison: run a sweep "
                 "(`salesim sweep`) to compare policies over paired replications.")
    return " ".join(parts)


def _cell(kpi: Kpi, mode: str, lv: pd.Series, diff: pd.Series | None, colour: str,
          reference: str | None, rank: str = "") -> str:
    level = (f"{fmt_level(kpi, lv['mean'], mode)} "
             f"<span class='ci'>[{fmt_level(kpi, lv['lo'], mode)}, "
             f"{fmt_level(kpi, lv['hi'], mode)}]</span>")
    delta = ""
    if diff is not None:
        delta = f"<br><span class='d'>\u0394 {fmt_delta(kpi, diff)}</span>"
    elif lv.name == reference:
        delta = "<br><span class='d'>reference</span>"
    rank = f"<span class='ci'>{escape(rank)}</span> " if rank else ""
    return (f"<td>{rank}{_swatch(colour)}<b>{escape(pretty(lv.name))}</b><br>{level}{delta}"
            "</td>")


def _ordinal(i: int) -> str:
    return f"{i}{'st' if i == 1 else 'nd' if i == 2 else 'rd' if i == 3 else 'th'}"


def ranking_table(data: PlotData) -> str:
    """HTML table: for each KPI, policies from best to worst with mean [95% CI] and the
    paired difference against the reference.  Tied policies share a rank, marked '='."""
    colours = policy_colours(data.policies)
    cur = data.meta["report"].currency if "report" in data.meta else "USD"
    n = len(data.policies)
    head = (f"<th colspan='{n}'>policies from best to worst; tied policies (the 95% interval "
            "of their paired difference contains zero) share a rank</th>")
    rows = []
    for kpi in KPIS:
        if kpi.column not in data.runs or data.runs[kpi.column].isna().all():
            continue
        mode = diff_mode(kpi, data.runs[kpi.column])
        lv = levels(data, kpi.column, ["policy"]).set_index("policy")
        lv = lv.sort_values("mean", ascending=not kpi.higher_better)
        ranks = shared_ranks(data, kpi.column, list(lv.index))
        tied = {r for r in ranks.values() if list(ranks.values()).count(r) > 1}
        diffs = paired_differences(data, kpi, by_season=False)
        diffs = diffs.set_index("policy") if len(diffs) else diffs
        cells = "".join(
            _cell(kpi, mode, lv.loc[p], diffs.loc[p] if p in getattr(diffs, "index", [])
                  else None, colours[p], data.reference,
                  f"={_ordinal(ranks[p])} (tied)" if ranks[p] in tied else _ordinal(ranks[p]))
            for p in lv.index)
        better = "higher is better" if kpi.higher_better else "lower is better"
        rows.append(f"<tr><th>{escape(pretty(kpi.label))}<br><span class='ci'>"
                    f"{escape(unit_text(kpi.unit, cur))}; {better}</span></th>{cells}</tr>")
    return ("<table id='ranking-table' class='kpi'><thead><tr><th>KPI</th>" + head +
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def run_table(data: PlotData) -> str:
    """HTML table of the KPIs of a single run."""
    r = data.runs.iloc[0]
    cur = data.meta["report"].currency if "report" in data.meta else "USD"
    rows = []
    for kpi in KPIS:
        if kpi.column in data.runs and r[kpi.column] == r[kpi.column]:
            mode = diff_mode(kpi, data.runs[kpi.column])
            rows.append(f"<tr><th>{escape(pretty(kpi.label))}</th>"
                        f"<td>{fmt_level(kpi, r[kpi.column], mode)}</td>"
                        f"<td>{escape(unit_text(kpi.unit, cur))}</td></tr>")
    return ("<table id='summary-table' class='kpi'><thead><tr><th>KPI</th><th>value</th>"
            "<th>unit</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def design_list(data: PlotData) -> str:
    """HTML list: what was run and how much of it."""
    items = []
    if data.kind == "run":
        s = data.meta.get("summary", {})
        items += [f"Scenario: {escape(str(data.meta.get('name')))}",
                  f"Calendar: {escape(pretty(data.seasons[0]))}",
                  f"Seed: {escape(str(s.get('seed', '?')))}; horizon: {data.weeks} weeks",
                  f"Reps ever employed: {len(data.reps):,}"]
    else:
        if data.meta.get("incomplete"):  # issue 17: never describe a part as the whole design
            items.append(f"<strong>{escape(data.meta['incomplete'])}</strong> Design: policies "
                         f"{escape(', '.join(data.meta.get('design_policies', [])))}; factors "
                         f"{escape(', '.join(data.meta.get('design_factors', [])) or 'none')}.")
        items += [f"Experiment: {escape(pretty(str(data.meta.get('name'))))}",
                  f"Policies: {escape(', '.join(pretty(p) for p in data.policies))} "
                  f"(reference: {escape(pretty(data.reference))})",
                  f"Seasonal scenarios: {escape(', '.join(pretty(s) for s in data.seasons))}",
                  f"Factors: {escape(', '.join(factor_label(f) for f in data.factors)) or 'none'}",
                  f"Replications per design point: {data.n_replications} (common random "
                  "numbers: replication r uses the same seed under every policy)",
                  f"Finished runs: {data.n_runs:,}; failed runs left out: "
                  f"{data.meta.get('failed', 0)}; horizon: {data.weeks} weeks"]
        m = data.meta.get("manifest", {})
        if m.get("started") or m.get("start"):
            items.append(f"Run from {escape(str(m.get('started') or m.get('start')))} to "
                         f"{escape(str(m.get('finished') or m.get('end') or '?'))}")
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def interval_note() -> str:
    return ("Intervals are 95% t-intervals over replications; \u0394 is the paired difference "
            "from the reference policy (% of its mean, or percentage points for rates) "
            f"with its 95% interval, e.g. {fmt_interval(-45, -30)}%.")
