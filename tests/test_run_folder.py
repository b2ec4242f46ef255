"""`salesim run` output folders: a used folder is refused, --force clears it, variants get
their own default folder; --weeks 0, unknown KPI names and a closed pipe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sim.cli import main
from sim.commands import default_run_dir
from sim.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["--weeks", "8", "--set", "org.n_reps=12"]


def test_a_second_run_into_a_used_folder_refuses(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", *SMALL, "--seed", "1", "--out", str(out)]) == 0
    assert main(["run", *SMALL, "--seed", "2", "--out", str(out)]) == 2
    assert "holds a different run" in capsys.readouterr().err
    # the same run again is harmless: the folder already holds exactly it
    assert main(["run", *SMALL, "--seed", "1", "--out", str(out)]) == 0


def test_force_clears_the_old_report_and_plots(tmp_path):
    out = tmp_path / "run"
    assert main(["run", *SMALL, "--seed", "1", "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").exists() and any((out / "plots").iterdir())
    assert main(["run", *SMALL, "--seed", "2", "--out", str(out), "--force"]) == 0
    assert not (out / "report.html").exists() and not (out / "plots").exists()
    assert '"seed": 2' in (out / "summary.json").read_text()


def test_a_folder_with_other_files_refuses(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert main(["run", *SMALL, "--out", str(out)]) == 2
    assert "holds other files" in capsys.readouterr().err


def test_set_and_weeks_make_a_distinct_default_folder():
    sc = load_scenario(None)
    plain = default_run_dir(sc, 0, sc.run.weeks, [])
    assert plain == Path(f"results/runs/{sc.name}-seed0")
    changed = load_scenario(None, ["org.n_reps=12"])
    a = default_run_dir(changed, 0, sc.run.weeks, ["org.n_reps=12"])
    b = default_run_dir(changed, 0, sc.run.weeks, ["org.n_reps=13"])
    c = default_run_dir(sc, 0, 52, [])
    assert len({plain, a, b, c}) == 4


def test_weeks_zero_is_an_error(tmp_path, capsys):
    assert main(["run", "--weeks", "0", "--out", str(tmp_path / "x")]) == 2
    assert "--weeks = 0" in capsys.readouterr().err


def test_validate_checks_kpi_names(tmp_path, capsys):
    exp = tmp_path / "e.toml"
    exp.write_text('[experiment]\nname = "e"\nseed = 1\nreplications = 1\n'
                   'kpis = ["revenue_totl"]\n[policies]\nbaseline = {}\n')
    assert main(["validate", str(exp)]) == 2
    err = capsys.readouterr().err
    assert "revenue_totl" in err and "revenue_total" in err


def test_a_pipe_closed_early_ends_quietly():
    code = ("import sim.cli as c\n"
            "def boom(args):\n    raise BrokenPipeError()\n"
            "c.dispatch = boom\n"
            "raise SystemExit(c.main(['validate', 'x']))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == ""


def test_console_table_says_an_identical_share_once():
    from sim.commands import kpi_table
    summary = {"revenue_total": 1e6, "peak_share": 0.3, "nov_dec_share": 0.3,
               "gross_margin": 0.4, "attrition_rate_annual": 0.2,
               "top_quintile_attrition_rate": 0.1, "top20_revenue_share": 0.45,
               "leverage_events": 3, "concessions_granted": 1,
               "revenue_lost_to_departures": 1e5, "manager_overload_share": 0.02,
               "tactic_rep_weeks": {"withholding": 4}}
    text = kpi_table(summary)
    assert text.count("30.0%") == 1 and "= Nov-Dec" in text
    text = kpi_table({**summary, "nov_dec_share": 0.25})
    assert "30.0%" in text and "25.0%" in text
