"""The report's money view: verdicts, ties, the ledger, and one number per quantity."""

from __future__ import annotations

import math
import re
from html import unescape

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from report_fixtures import make_sweep_dir
from sim.report.data import KPI_BY_KEY, load
from sim.report.decision import ADOPT, REJECT, UNCERTAIN, decision_table, verdict
from sim.report.figures import BY_NAME
from sim.report.money import LINES, run_ledger
from sim.report.params import ReportParams, report_params
from sim.report.stats import shared_ranks
from sim.report.text import ranking_table
from sim.report.text_money import decision_html, decision_paragraph


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    return make_sweep_dir(tmp_path_factory.mktemp("money") / "sweep", weeks=104)


# --- verdicts --------------------------------------------------------------------------------

def test_verdict_adopt_and_reject_from_intervals():
    assert verdict(2.0, 0.5, 3.5, 1.0, 10, 10_000).word == ADOPT
    assert verdict(-2.0, -3.5, -0.5, 1.0, 10, 10_000).word == REJECT


def test_uncertain_verdict_says_how_many_more_replications():
    mean, sd, n = 1.0, 4.0, 10
    t = stats.t.ppf(0.975, n - 1)
    v = verdict(mean, mean - 3, mean + 3, sd, n, 10_000)
    assert v.word == UNCERTAIN
    assert v.more == math.ceil((t * sd / mean) ** 2) - n  # ceil(81.9) - 10
    assert v.more == 72
    tiny = verdict(0.001, -3, 3, 4.0, 10, 10_000)
    assert tiny.word == UNCERTAIN and tiny.more is None and tiny.too_small


def test_report_params_validate_the_report_table():
    assert report_params({"currency": "EUR", "manager_hour_cost": 90}, "x").currency == "EUR"
    with pytest.raises(Exception, match="report.colour: unknown setting"):
        report_params({"colour": "red"}, "x")
    with pytest.raises(Exception, match="manager_hour_cost = -1"):
        report_params({"manager_hour_cost": -1}, "x")


# --- ties ------------------------------------------------------------------------------------

def test_a_tie_shares_its_rank(synthetic):
    data = load(synthetic)
    runs = data.runs
    rng = np.random.default_rng(0)
    base = 1e6 + rng.normal(0, 1e5, (runs["policy"] == "baseline").sum())
    values = {"baseline": base,
              "rotation": base + rng.normal(0, 1e4, len(base)),   # within noise: tied
              "team_bonus": base - 5e5 + rng.normal(0, 1e3, len(base))}  # clearly worse
    runs = runs.sort_values(["policy", "season", "replication"]).copy()
    for pol, v in values.items():
        runs.loc[runs["policy"] == pol, "score"] = v
    data.runs = runs
    ranks = shared_ranks(data, "score", ["baseline", "rotation", "team_bonus"])
    assert ranks == {"baseline": 1, "rotation": 1, "team_bonus": 3}


def test_ranking_table_marks_ties(synthetic):
    html = ranking_table(load(synthetic))
    assert "policies from best to worst" in html
    ranks = re.findall(r"(=?\d+)(?:st|nd|rd|th)", html)
    assert ranks and all(r.lstrip("=").isdigit() for r in ranks)


# --- the ledger ------------------------------------------------------------------------------

def test_money_ledger_adds_up_per_run(synthetic):
    data = load(synthetic)
    runs = data.runs
    lines = {name: runs[f"{name}_per_year"] for name, _, _ in LINES}
    profit = (lines["revenue"] - lines["cogs"] - lines["commission"] - lines["concessions"]
              - lines["programmes"] - lines["manager_hours"])
    assert np.allclose(runs["gross_profit_per_year"], profit, rtol=1e-12)
    # and from the weekly series by hand, for one run
    w = data.weekly[data.weekly["run_id"] == runs["run_id"].iloc[0]]
    hours = w[[c for c in w if c.startswith("hours_") and c != "hours_skipped"]].sum().sum()
    by_hand = (w["revenue"].sum() - w["cogs"].sum() - w["comp_cost"].sum()
               - w["program_cost"].sum() - 75.0 * hours) / (len(w) / 52)
    assert runs["gross_profit_per_year"].iloc[0] == pytest.approx(by_hand, rel=1e-12)


def test_manager_hour_rate_is_a_setting(synthetic):
    data = load(synthetic)
    a = run_ledger(data.weekly, ReportParams(manager_hour_cost=0.0))
    b = run_ledger(data.weekly, ReportParams(manager_hour_cost=100.0))
    assert (a["manager_hours_per_year"] == 0).all()
    assert (b["gross_profit_per_year"] < a["gross_profit_per_year"]).all()


def test_ledger_of_the_model_matches_its_kpis(tmp_path):
    """On real model output the ledger's revenue is the revenue KPI, and revenue - cost of
    goods - pay - programmes is the gross margin KPI: one definition of each."""
    from sim.cli import main
    out = tmp_path / "run"
    assert main(["run", "--weeks", "60", "--set", "org.n_reps=24", "--out", str(out)]) == 0
    data = load(out)
    r = data.runs.iloc[0]
    years = r["years"]
    assert r["revenue_per_year"] * years == pytest.approx(r["revenue_total"], rel=1e-9)
    margin = (r["revenue_per_year"] - r["cogs_per_year"] - r["commission_per_year"]
              - r["concessions_per_year"] - r["programmes_per_year"]) / r["revenue_per_year"]
    assert margin == pytest.approx(r["gross_margin"], rel=1e-9)


# --- the decision table and its words --------------------------------------------------------

def test_decision_table_per_season_with_verdicts(synthetic):
    data = load(synthetic)
    table = decision_table(data, pooled=True)
    assert set(table["season"]) == {"holiday_peak", "flat", "all seasons"}
    assert set(table["policy"]) == {"rotation", "team_bonus"}
    assert set(table["verdict"]) <= {ADOPT, REJECT, UNCERTAIN}
    for _, r in table.iterrows():
        expected = ADOPT if r["gp_lo"] > 0 else REJECT if r["gp_hi"] < 0 else UNCERTAIN
        assert r["verdict"] == expected
    html = decision_html(data, table)
    assert html.count("<tr>") == 1 + len(table)  # header + a row per cell
    assert "USD per year" in html


def _numbers(text: str) -> list[str]:
    return re.findall(r"[+\u2212-]?\d[\d.,]*\u00a0?[Mk]?", unescape(text))


def test_table_and_titles_agree(synthetic):
    data = load(synthetic)
    table = decision_table(data, pooled=True)
    # the paragraph quotes the table's numbers
    para = decision_paragraph(data)
    from sim.report.text_money import gp_text
    cur = data.meta["report"].currency
    for season in data.seasons:
        for _, r in table[table["season"] == season].iterrows():
            if r["verdict"] == REJECT:
                assert gp_text(r, cur, ci=False) in para
    # the waterfall titles give the pooled gross profit of the table
    fig, _ = BY_NAME["money_waterfall"].draw(data)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    pooled = table[table["season"] == "all seasons"].set_index("policy")
    for pol, r in pooled.iterrows():
        want = gp_text(r, cur, ci=False).replace(" a year", "")
        assert any(t.startswith(pol.replace("_", " ").capitalize()) and want in t
                   for t in titles), (want, titles)
    # the paired-difference title quotes the ranking table's number
    fig2, _ = BY_NAME["diff_concentration"].draw(data)
    title = fig2._suptitle.get_text().replace("\n", " ")
    html = ranking_table(data)
    effect = re.search(r"([+\u2212]\d+\.\d)pp", title).group(1)
    assert f"\u0394 {effect}pp" in unescape(html)
    # the Lorenz title uses the KPI the tables show
    fig3, _ = BY_NAME["lorenz"].draw(data)
    ref_share = data.runs.loc[data.runs["policy"] == "baseline",
                              KPI_BY_KEY["concentration"].column].mean()
    assert f"{ref_share:.1%}" in fig3.axes[0].get_title().replace("\n", " ")
    assert f"{ref_share * 100:.1f}%" in html
    import matplotlib.pyplot as plt
    plt.close("all")


def test_every_kept_kpi_is_listed(synthetic, tmp_path):
    from sim.report.html import build_html
    import shutil
    path = tmp_path / "extra"
    shutil.copytree(synthetic, path)
    part = next((path / "runs").glob("part-*.parquet"))
    runs = pd.read_parquet(part)
    runs["program_cost"] = 5.0
    runs["comp_cost"] = 7.0
    runs.to_parquet(part)
    html = build_html(load(path), [], {})
    table = html[html.index("id='kept-kpis'"):]
    for col in ("program_cost", "comp_cost", "revenue_total", "gross_profit_per_year"):
        assert f"title='{col}'" in table


# --- factor figures: no winners from noise ---------------------------------------------------

@pytest.fixture(scope="module")
def two_factor(tmp_path_factory):
    return make_sweep_dir(tmp_path_factory.mktemp("factors") / "sweep",
                          policies=("baseline", "team_bonus"), seasons=("holiday_peak",),
                          factors={"policies.team_bonus.pool_share": [0.1, 0.3],
                                   "policies.team_bonus.scope": ["team", "company"]},
                          reps=3, weeks=52)


def test_heatmap_shows_the_reference_and_frames_only_a_clear_winner(two_factor):
    from matplotlib.patches import Rectangle
    import matplotlib.pyplot as plt
    from sim.report.figures_factors import clearly_better
    data = load(two_factor)
    fig, caption = BY_NAME["factor_heatmap"].draw(data)
    ax = fig.axes[0]
    assert any("(reference)" in t.get_text() for t in ax.get_yticklabels())
    framed = [p for a in fig.axes for p in a.patches if isinstance(p, Rectangle)]
    title = fig._suptitle.get_text()
    # frames appear exactly for the KPIs the title calls clearly best
    assert len(framed) == len(re.findall(r"clearly (?:highest|lowest) at", title))
    assert "reference" in caption
    plt.close(fig)
    runs = data.runs
    a = runs[runs["policy"] == "baseline"]
    kpi = KPI_BY_KEY["revenue"]
    assert not clearly_better(a, a, kpi)  # a cell never clearly beats itself
    better = a.assign(**{kpi.column: a[kpi.column] * 1.5})
    assert clearly_better(better, a, kpi)


def test_categorical_factor_gets_dots_not_lines(two_factor):
    import matplotlib.pyplot as plt
    data = load(two_factor)
    fig, _ = BY_NAME["factor_line"].draw(data)
    scope_row = [ax for ax in fig.axes if "scope" in ax.get_xlabel().lower()]
    assert scope_row
    for ax in scope_row:
        for line in ax.get_lines():
            if len(line.get_xdata()) > 1:
                assert line.get_linestyle() in ("None", "none", "")
    plt.close(fig)
