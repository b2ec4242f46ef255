"""Smoke test of the benchmark harness on tiny sizes: it runs end to end and RESULTS.md renders.

No timing is asserted; only that every stage produces sane, finite figures.
"""

from __future__ import annotations

import math
import sys

import pytest

from benchmarks import __main__ as bench_main
from benchmarks import machine, report, sweep, wealth
from benchmarks.peakrss import run_measured
from benchmarks.stats import Stat
from benchmarks.suite import Plan
from sim.sweep.experiment import expand, load_experiment

TINY = Plan("tiny", sizes={"small": 3, "medium": 4, "large": 8},
            size_repeats={"small": 1, "medium": 2, "large": 1}, weeks=3,
            wealth_agents=20, wealth_steps=3, wealth_repeats={"lean": 2, "textbook": 1},
            sweep_reps=3, sweep_weeks=3, sweep_runs=2, big_sweep_runs=4, memory_workers=1,
            sweep_repeats=1, batch_repeats=1, planner_reps=4, planner_weeks=3,
            planner_runs=2, planner_repeats=1, planner_batch_runs=2, robustness=False,
            planner_size_repeats=1, planner_wealth_repeats={"lean": 1, "textbook": 1},
            reference_repeats=None, shared_replications=None, sobol_proxy_n=None,
            dask_runs=None, phase_sizes=(3, 5), phase_weeks=3, phase_seeds=2)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "RESULTS.md"
    assert bench_main.main(["--out", str(out)], plan=TINY) == 0
    return out.read_text()


def test_results_file_has_every_section_and_target(written):
    for heading in ("# Benchmark results", "## Machine", "## Targets", "## Figures",
                    "## Where a week's time goes"):
        assert heading in written
    for fact in ("cpu", "python", "numpy", "mesa", "cores", "numba", "model path"):
        assert f"| {fact} |" in written
    assert written.count("| met |") + written.count("| MISSED |") == 11
    assert "python -m benchmarks" in written and "tiny plan" in written
    warm = [line for line in written.splitlines() if "numba kernels compiled into" in line]
    assert len(warm) == 1 and float(warm[0].rsplit("|", 2)[1].split()[0]) > 0


def test_figures_are_finite_and_positive(written):
    rows = [line for line in written.splitlines() if "rep-weeks/s |" in line
            or "agent-steps/s |" in line or "runs/s" in line]
    assert len(rows) >= 3 + 2 + 4
    for line in rows:
        value = line.rsplit("|", 2)[1].split()[0].replace(",", "")
        assert math.isfinite(float(value)) and float(value) > 0, line


@pytest.mark.parametrize("variant", wealth.VARIANTS)
def test_wealth_model_conserves_wealth(variant):
    model = wealth.run_wealth(variant, n=30, steps=12, seed=4)
    held = [a.wealth for a in model.agents]
    assert sum(held) == 30 and min(held) >= 0 and max(held) > 1


def test_benchmark_experiment_expands_to_the_asked_runs(tmp_path):
    exp = load_experiment(sweep.write_experiment(tmp_path, 7, n_reps=5, weeks=4))
    design = expand(exp)
    assert design.n_runs == 7
    assert design.cells[0]["org"]["n_reps"] == 5 and design.cells[0]["run"]["weeks"] == 4


def test_sweep_rate_line_is_parsed():
    line = "salesim: sweep 'b': 40 of 40 runs done in o (40 this session, 5.49 runs/s)\n"
    assert sweep.inner_rate(line) == 5.49
    assert math.isnan(sweep.inner_rate("nothing here"))


def test_peak_memory_wrapper_sees_a_big_allocation():
    small = run_measured([sys.executable, "-c", "pass"])
    # held for 0.5 s after touching every page, so the 50 ms sampler cannot miss it (a quick
    # process used to exit while half its pages were still untouched)
    big = run_measured([sys.executable, "-c", "import time; b = bytearray(200 * 2**20); "
                        "b[::4096] = b'x' * len(b[::4096]); time.sleep(0.5)"])
    assert big["peak_tree_mb"] > small["peak_tree_mb"] + 100
    assert big["max_proc_mb"] > 150


def test_failed_command_raises():
    with pytest.raises(RuntimeError, match="exit code 3"):
        run_measured([sys.executable, "-c", "raise SystemExit(3)"])


def test_rate_swaps_min_and_max():
    rate = Stat.of([1.0, 2.0, 4.0]).rate(8.0)
    assert (rate.median, rate.lo, rate.hi) == (4.0, 2.0, 8.0)


def test_cpu_model_read_from_cpuinfo(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Example CPU 9000\n")
    assert machine.cpu_model(info) == "Example CPU 9000"
    assert machine.cpu_model(tmp_path / "missing")


def test_the_machine_table_carries_the_speed_probe_at_start_and_end(monkeypatch):
    monkeypatch.setattr(machine, "PROBE_ADDS", 1000)
    row = machine.describe(12.0)["speed probe"]
    first, _, rest = row.partition(" / ")
    assert first == "12" and rest.split()[0].isdigit() and "at start / end" in row
    assert 0 < machine.speed_probe() < 1000  # ms


def test_target_verdicts_follow_the_bars():
    assert report.Target("x", 1.0, ">= 1.0", True).verdict == "met"
    assert report.Target("x", 0.5, ">= 1.0", False).verdict == "MISSED"


def test_wrapper_counts_cpu_of_the_whole_tree():
    spin = "import time; t = time.process_time(); exec('while time.process_time() - t < 0.3: pass')"
    got = run_measured([sys.executable, "-c",
                        "import subprocess, sys; subprocess.run([sys.executable, '-c', "
                        f"{spin!r}], check=True)"])
    assert got["cpu_s"] >= 0.3


def test_sobol_study_is_sized_as_its_comment_says_and_extrapolates_linearly():
    from benchmarks import studies
    n, factors, reps = studies.sobol_sizes(studies.SOBOL.read_text(encoding="utf-8"))
    assert (n, factors, reps) == (512, 12, 10)
    exp = load_experiment(studies.SOBOL)
    assert len(exp.uncertainties.params) == factors
    proxy = studies.SobolProxy(proxy_n=2, proxy_runs=28, sweep_s=14.0, analyze_s=3.0,
                               full_runs=n * (factors + 2) * reps)
    assert proxy.full_runs == 71_680
    assert proxy.full_s == pytest.approx(71_680 * 0.5 + 3.0)
    # With the sweep's own rate the one-off start is counted once, not once per proxy.
    timed = studies.SobolProxy(proxy_n=2, proxy_runs=28, sweep_s=14.0, analyze_s=3.0,
                               full_runs=71_680, inner_rate=2.8)
    assert timed.start_s == pytest.approx(4.0)
    assert timed.full_s == pytest.approx(4.0 + 71_680 / 2.8 + 3.0)


def test_stored_reference_model_is_complete():
    import tarfile
    from benchmarks import studies
    with tarfile.open(studies.REFERENCE) as tar:
        names = set(tar.getnames())
    assert {"sim/__init__.py", "sim/world/model.py", "scenarios/baseline.toml"} <= names


def test_dask_cost_is_worker_time_per_task():
    from benchmarks.studies import DaskCost
    assert DaskCost(100, local_rate=100.0, dask_rate=50.0).per_task_ms == pytest.approx(20.0)


def test_phase_profile_times_every_phase_and_puts_the_rules_back():
    from benchmarks import phases
    originals = {name: getattr(*phases._owner(name)) for _, names in phases.PHASES
                 for name in names}
    prof = phases.profile_phases(4, 3, 2)
    for name, fn in originals.items():
        assert getattr(*phases._owner(name)) is fn, name
    timed = [p for p, _ in phases.PHASES]
    assert all(prof.phase_us[p] > 0 for p in timed)
    assert sum(prof.phase_us.values()) == pytest.approx(prof.week_us, rel=0.35)
    assert prof.calls_per_week > 100


def test_phase_table_from_the_command_line(capsys):
    from benchmarks import phases
    assert phases.main(["4", "--weeks", "2", "--seeds", "1"]) == 0
    out = capsys.readouterr().out
    assert "## Where a week's time goes" in out and "| 4 reps: us a week | share |" in out
    with pytest.raises(SystemExit) as bad:
        phases.main(["0"])
    assert bad.value.code == 2
