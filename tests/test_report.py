"""salesim report / salesim plot: every figure, not blank, embedded in a self-contained page."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from report_fixtures import make_sweep_dir
from sim.cli import main
from sim.common.errors import UserError
from sim.report.data import KPI_BY_KEY, KPIS, load
from sim.report.figures import BY_NAME, PLOT_NAMES, missing
from sim.report.stats import kaplan_meier, lorenz, mean_ci, paired_differences, top_share
from sim.report.style import OKABE_ITO, policy_colours
from sim.report.html import build_html, cmd_plot, cmd_report

RUN_PLOTS = {"weekly_revenue", "tactics", "lorenz", "survival", "manager_hours", "lead_time"}
COMPARISON = {f"diff_{k.key}" for k in KPIS} | {"tradeoff"}
MONEY = {"money_waterfall", "cumulative_profit", "yearly_kpis"}


ROOT = Path(__file__).resolve().parent.parent
SCEN = ROOT / "scenarios"
COMMON = """
[experiment]
name = "{name}"
seed = 3
replications = {reps}
weeks = {weeks}
seasons = {seasons}
reference = "{reference}"

[set]
"org.n_reps" = 24
"run.burn_in_weeks" = 0
"""
EXPERIMENTS = {
    # Policy comparison across two seasonal scenarios (the flagship, in miniature).
    "sweep": COMMON.format(name="policies", reps=3, weeks=110, seasons='["holiday_peak", "flat"]',
                           reference="baseline") + f"""
[policies]
baseline = "{SCEN / 'baseline.toml'}"
rotation = "{SCEN / 'rotation.toml'}"
coaching = "{SCEN / 'coaching.toml'}"
""",
    "one_factor": COMMON.format(name="rotation", reps=2, weeks=60, seasons='["holiday_peak"]',
                                reference="rotation") + f"""
[policies]
rotation = "{SCEN / 'rotation.toml'}"

[factors]
"policies.rotation.period_weeks" = [13, 26, 52]
""",
    "two_factor": COMMON.format(name="team_bonus", reps=2, weeks=60, seasons='["gift_retail"]',
                                reference="team_bonus") + f"""
[policies]
team_bonus = "{SCEN / 'team_bonus.toml'}"

[factors]
"policies.team_bonus.pool_share" = [0.1, 0.3]
"policies.team_bonus.scope" = ["team", "company"]
""",
}


@pytest.fixture(scope="session")
def dirs(tmp_path_factory) -> dict[str, Path]:
    """Real outputs, made once: a run directory and three small sweeps, each reported."""
    base = tmp_path_factory.mktemp("report")
    out = {"run": base / "run"}
    assert main(["run", "--weeks", "104", "--set", "org.n_reps=40",
                 "--set", "run.burn_in_weeks=0", "--out",
                 str(out["run"])]) == 0
    for kind, text in EXPERIMENTS.items():
        exp = base / f"{kind}.toml"
        exp.write_text(text)
        out[kind] = base / kind
        assert main(["sweep", str(exp), "--out", str(out[kind]), "--workers", "1",
                     "--quiet"]) == 0
    for d in out.values():
        assert cmd_report(SimpleNamespace(dir=str(d))) == 0
    return out


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory) -> Path:
    """A synthetic sweep with one failed run, for exact checks of the statistics."""
    return make_sweep_dir(tmp_path_factory.mktemp("synthetic") / "sweep", failed=1)


EXPECTED = {
    "run": RUN_PLOTS,
    "sweep": RUN_PLOTS | COMPARISON | MONEY,
    "one_factor": RUN_PLOTS | {"factor_line"},
    "two_factor": RUN_PLOTS | {"factor_line", "factor_heatmap"},
}


def test_expected_sets_cover_every_plot():
    assert set().union(*EXPECTED.values()) == set(PLOT_NAMES)


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_every_plot_written_and_not_blank(dirs, kind):
    plots = dirs[kind] / "plots"
    written = {p.stem for p in plots.glob("*.png")}
    assert written == EXPECTED[kind]
    for name in written:
        png, svg = plots / f"{name}.png", plots / f"{name}.svg"
        assert png.stat().st_size > 5000 and svg.stat().st_size > 5000
        pixels = mpimg.imread(png)
        assert pixels.shape[0] > 300 and pixels.shape[1] > 500
        assert float(pixels[..., :3].var()) > 1e-3, name
        assert not list(plots.glob(".*tmp*")), "temporary files left behind"


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_report_embeds_every_plot_and_the_table(dirs, kind):
    html = (dirs[kind] / "report.html").read_text()
    assert html.count("data:image/png;base64,") == len(EXPECTED[kind])
    for name in EXPECTED[kind]:
        assert f"id='fig-{name}'" in html
    table_id = "summary-table" if kind == "run" else "ranking-table"
    assert f"id='{table_id}'" in html
    assert "id='summary'" in html and "How the model works" in html
    # The model description is named; no path of this machine leaks into the page.
    assert "docs/ODD.md" in html and str(ROOT) not in html and "file://" not in html
    assert "Design and size" in html
    # Self-contained: nothing is fetched from elsewhere.
    assert not re.search(r"(src|href)=['\"]https?:", html)
    assert "<script" not in html


def test_ranking_table_lists_policies_with_intervals(dirs):
    html = (dirs["sweep"] / "report.html").read_text()
    start = html.index("id='ranking-table'")
    table = html[start:html.index("</table>", start)]
    assert table.count("<tr>") == 1 + len(KPIS)
    assert table.count("\u0394 ") == 2 * len(KPIS)  # two non-reference policies per KPI
    assert table.count("reference") == len(KPIS)
    assert table.count("[") >= 3 * len(KPIS)
    for policy in ("Baseline", "Rotation", "Coaching"):
        assert table.count(f"<b>{policy}</b>") == len(KPIS)


def test_titles_state_findings_with_numbers(dirs):
    """A title is a finding computed from the data: it contains a number, not just a name."""
    for kind in ("run", "sweep", "one_factor", "two_factor"):
        data = load(dirs[kind])
        for name in EXPECTED[kind]:
            fig, caption = BY_NAME[name].draw(data)
            texts = [fig._suptitle.get_text() if fig._suptitle else ""]
            texts += [ax.get_title() for ax in fig.axes]
            title = " ".join(texts)
            assert re.search(r"\d", title), (kind, name, title)
            assert caption.endswith(".") and len(caption) > 40
            shared = fig._supxlabel.get_text() if fig._supxlabel else ""
            for ax in fig.axes:
                if ax.get_visible() and ax.axison and not ax.get_label():
                    assert ax.get_xlabel() or shared, f"{name}: axis without an x label"
            plt.close(fig)


def test_plot_only_redraws_one_figure(dirs, capsys):
    target = dirs["run"] / "plots" / "lorenz.png"
    target.unlink()
    assert cmd_plot(SimpleNamespace(dir=str(dirs["run"]), only="lorenz")) == 0
    assert target.exists()
    assert capsys.readouterr().out.strip().endswith("lorenz.png")


def test_plot_only_unknown_name_exits_2_with_one_line(dirs, capsys):
    rc = main(["plot", str(dirs["run"]), "--only", "pie_chart"])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert len(err.splitlines()) == 1
    assert "pie_chart" in err and "weekly_revenue" in err and "lead_time" in err


def test_plot_only_figure_the_data_cannot_support(dirs, capsys):
    rc = main(["plot", str(dirs["run"]), "--only", "tradeoff"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and "sweep" in err


def test_report_on_a_directory_that_is_neither(tmp_path):
    with pytest.raises(UserError, match="neither a run directory"):
        cmd_report(SimpleNamespace(dir=str(tmp_path)))
    with pytest.raises(UserError, match="no such directory"):
        cmd_report(SimpleNamespace(dir=str(tmp_path / "missing")))


def test_plot_requirements_explain_themselves(dirs):
    data = load(dirs["two_factor"])
    assert "single policy" in missing(BY_NAME["diff_revenue"], data)
    assert missing(BY_NAME["factor_line"], data) is None
    assert "two factors" in missing(BY_NAME["factor_heatmap"], load(dirs["one_factor"]))
    assert "varies none" in missing(BY_NAME["factor_line"], load(dirs["sweep"]))


def test_policy_colours_are_stable_and_colour_blind_safe():
    a = policy_colours(["baseline", "rotation", "coaching"])
    b = policy_colours(["baseline", "rotation", "coaching", "playbook"])
    assert all(a[p] == b[p] for p in a)
    assert set(b.values()) <= set(OKABE_ITO)
    assert len(set(b.values())) == 4


def test_policy_order_follows_the_experiment(dirs):
    data = load(dirs["sweep"])
    assert data.policies == ["baseline", "rotation", "coaching"]
    assert data.reference == "baseline"
    assert data.seasons == ["holiday_peak", "flat"]
    assert data.n_runs == 18 and data.n_replications == 3 and data.weeks == 110
    assert load(dirs["two_factor"]).factors == ["policies.team_bonus.pool_share",
                                                "policies.team_bonus.scope"]


def test_failed_runs_are_left_out_and_counted(synthetic):
    data = load(synthetic)
    assert data.meta["failed"] == 1 and data.n_runs == 17
    assert "failed runs left out: 1" in build_html(data, [], {})


# --- the statistics behind the figures -------------------------------------------------------

def test_mean_ci_matches_t_interval():
    m, lo, hi, n = mean_ci([1.0, 2.0, 3.0, 4.0])
    assert (m, n) == (2.5, 4)
    assert hi - m == pytest.approx(3.182446 * np.std([1, 2, 3, 4], ddof=1) / 2, rel=1e-5)
    assert mean_ci([5.0])[:3] == (5.0, 5.0, 5.0)


def test_kaplan_meier_hand_example():
    # 4 reps: leave at 2, censored at 3, leave at 5, censored at 5.
    t, s = kaplan_meier([2, 3, 5, 5], [True, False, True, False])
    assert list(t) == [0, 2, 5]
    assert s == pytest.approx([1.0, 0.75, 0.375])


def test_lorenz_and_top_share():
    x, y = lorenz([1, 1, 1, 1, 6])
    assert y[-1] == pytest.approx(1.0) and y[-2] == pytest.approx(0.4)
    assert top_share([1, 1, 1, 1, 6]) == pytest.approx(0.6)
    assert top_share(np.ones(10)) == pytest.approx(0.2)


def test_paired_differences_pair_by_season_and_replication(synthetic):
    data = load(synthetic)
    kpi = KPI_BY_KEY["revenue"]
    runs = data.runs
    rows = paired_differences(data, kpi)
    r = rows[(rows["policy"] == "rotation") & (rows["season"] == "flat")].iloc[0]
    a = runs[(runs.policy == "rotation") & (runs.season == "flat")].sort_values("replication")
    b = runs[(runs.policy == "baseline") & (runs.season == "flat")].sort_values("replication")
    diff = a[kpi.column].to_numpy() - b[kpi.column].to_numpy()
    assert r["diff"] == pytest.approx(diff.mean())
    assert r["d"] == pytest.approx(100 * diff.mean() / b[kpi.column].mean())
    assert r["n"] == 3
    assert isinstance(rows, pd.DataFrame) and set(rows["policy"]) == {"rotation", "team_bonus"}


def test_relative_interval_of_a_nonnegative_kpi_stops_at_minus_100():
    from sim.report.stats import _summarise_pairs
    pairs = pd.DataFrame({"x": [0.0, 0.0, 0.0], "ref": [1.0, 30.0, 60.0]})
    row = _summarise_pairs(pairs, "pct")
    assert row["d"] == pytest.approx(-100.0) and row["d_lo"] == -100.0
    assert row["unit"] == "%"


def test_summary_paragraph_states_findings(dirs):
    from sim.report.text import summary_paragraph
    text = summary_paragraph(load(dirs["sweep"]))
    assert text.startswith("This sweep compares 2 policies (Rotation, Coaching) with Baseline")
    assert "18 runs of 110 weeks" in text
    assert "does best on" in text or "No policy clearly beats Baseline" in text
    assert "95% CI" in text or "No policy clearly beats" in text
    run = summary_paragraph(load(dirs["run"]))
    assert "104 weeks" in run and "Results: revenue" in run
    factor = summary_paragraph(load(dirs["one_factor"]))
    assert "over 13, 26, 52" in factor


def test_sweep_that_kept_only_some_kpis(synthetic, tmp_path):
    """Experiments may keep a subset of KPIs: figures needing the others are left out."""
    import shutil
    path = tmp_path / "subset"
    shutil.copytree(synthetic, path)
    part = next((path / "runs").glob("part-*.parquet"))
    runs = pd.read_parquet(part).drop(columns=["attrition_rate_annual", "top20_revenue_share"])
    runs.to_parquet(part)
    data = load(path)
    why = missing(BY_NAME["tradeoff"], data)
    assert "did not keep the KPI" in why and "attrition_rate_annual" in why
    assert missing(BY_NAME["diff_concentration"], data)
    fig, _ = BY_NAME["diff_revenue"].draw(data)  # its title's side effect needs attrition
    assert "revenue" in fig._suptitle.get_text()
    plt.close(fig)


def test_a_figure_that_fails_is_listed_not_fatal(synthetic, tmp_path, monkeypatch):
    import sim.report.figures as plots

    def broken(data):
        raise ValueError("boom")
    spec = plots.PlotSpec("lorenz", "broken", broken, lambda d: None)
    monkeypatch.setattr(plots, "PLOTS", (spec, plots.BY_NAME["lead_time"]))
    done, skipped = plots.render_all(load(synthetic), tmp_path)
    assert [r.name for r in done] == ["lead_time"]
    assert skipped == {"lorenz": "drawing it failed (ValueError: boom)"}


def test_paired_differences_agree_with_salesim_summarize(dirs):
    """The report's intervals are the same numbers `salesim summarize` writes."""
    assert main(["summarize", str(dirs["sweep"])]) == 0
    table = pd.read_csv(dirs["sweep"] / "summary.csv")
    data = load(dirs["sweep"])
    stored = [k for k in KPIS if k.column in set(table["kpi"])]
    assert len(stored) >= 6  # the others are derived by the report (per year, ledger)
    for kpi in stored:
        ours = paired_differences(data, kpi).set_index(["season", "policy"])
        theirs = table[(table["kind"] == "diff") & (table["kpi"] == kpi.column)]
        assert len(theirs) == len(ours) == 4
        for _, row in theirs.iterrows():
            mine = ours.loc[(row["season"], row["policy"])]
            assert mine["diff"] == pytest.approx(row["mean"], rel=1e-9, abs=1e-12)
            assert mine["lo"] == pytest.approx(row["ci_low"], rel=1e-9, abs=1e-12)
            assert mine["hi"] == pytest.approx(row["ci_high"], rel=1e-9, abs=1e-12)
