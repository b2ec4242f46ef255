"""Issue 17: a report on an unfinished sweep says so; odd but valid sweeps never crash it."""

from __future__ import annotations

import pytest
import sweep_helpers as h

from sim import cli
from sim.report.data import load

MONTHLY_A = "[" + ", ".join(["0.0833333333333333"] * 11 + ["0.0833333333333337"]) + "]"
MONTHLY_B = "[0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.1, 0.1, 0.1, 0.1, 0.1, 0.2]"


@pytest.fixture(autouse=True)
def model(monkeypatch):
    h.use_fake_model(monkeypatch)


def test_report_on_an_unfinished_sweep_says_what_is_missing(tmp_path, capsys):
    path = h.write_experiment(tmp_path, reps=2)  # 16 runs, parts of 4 runs
    out = tmp_path / "o"
    assert h.sweep(path, "--out", out, "--workers", "1") == 0
    for name in ("part-000002.parquet", "part-000003.parquet", "part-000004.parquet"):
        (out / "runs" / name).unlink()  # 12 of 16 runs never committed
    data = load(out)
    done = data.meta["completeness"]
    assert (done["total"], done["done"], done["not_run"]) == (16, 4, 12)
    assert "4 of 16 runs of the design are done" in data.meta["incomplete"]
    assert "will change when the missing runs finish" in data.meta["incomplete"]
    assert data.meta["design_policies"] == ["baseline", "rotation"]
    assert data.meta["design_factors"] == ["comp.commission_rate"]
    capsys.readouterr()
    assert cli.main(["report", str(out)]) == 0
    err = capsys.readouterr().err
    assert "warning: Incomplete sweep: 4 of 16 runs" in err
    html = (out / "report.html").read_text()
    assert "Incomplete sweep: 4 of 16 runs of the design are done" in html
    assert "factors comp.commission_rate" in html


def test_complete_sweep_has_no_warning(tmp_path):
    path = h.write_experiment(tmp_path, reps=1)
    out = tmp_path / "o"
    assert h.sweep(path, "--out", out, "--workers", "1") == 0
    data = load(out)
    assert data.meta["incomplete"] == "" and data.meta["completeness"]["done"] == 8


def test_report_with_a_list_valued_factor_does_not_crash(tmp_path, capsys):
    text = h.TINY.format(name="lists", seed=1, reps=2).replace(
        'seasons = ["holiday_peak", "flat"]\n', "").replace(
        '"comp.commission_rate" = [0.06, 0.1]',
        f'"season.monthly" = [{MONTHLY_A}, {MONTHLY_B}]').replace(
        '"org.n_reps" = 16', '"org.n_reps" = 16\n"season.calendar" = "custom"')
    path = h.write_experiment(tmp_path, text=text)
    out = tmp_path / "o"
    assert h.sweep(path, "--out", out, "--workers", "1") == 0
    assert cli.main(["summarize", str(out)]) == 0
    assert cli.main(["report", str(out)]) == 0
    assert (out / "report.html").exists()
