"""Wall time of ``experiments/robustness.toml`` at 2 workers, and of ``salesim analyze`` on it.

Run in a fresh process through :func:`benchmarks.peakrss.run_measured`, in a temporary
folder, so the figure includes interpreter start, the pool and writing the results.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .peakrss import run_measured

EXPERIMENT = Path(__file__).resolve().parent.parent / "experiments" / "robustness.toml"
WORKERS = 2


@dataclass(frozen=True)
class StudyRun:
    runs: int
    design: str       # the Sobol / Morris sizes, from the experiment file
    sweep_s: float
    analyze_s: float


def design_text() -> tuple[int, str]:
    from sim.sweep.experiment import design_size, load_experiment
    exp = load_experiment(EXPERIMENT)
    u = exp.uncertainties
    f, s, p, r = design_size(exp)
    text = (f"{u.method} N = {u.n}, {len(u.params)} uncertainties -> {u.size()} points x "
            f"{s} seasons x {p} policies x {r} replication(s)")
    return f * s * p * r, text


def measure_robustness(workers: int = WORKERS) -> StudyRun:
    runs, text = design_text()
    with tempfile.TemporaryDirectory(prefix="salesim-robust-") as tmp:
        out = Path(tmp) / "out"
        sweep = run_measured([sys.executable, "-m", "sim", "sweep", str(EXPERIMENT), "--out",
                              str(out), "--workers", str(workers), "--quiet"])
        analyze = run_measured([sys.executable, "-m", "sim", "analyze", str(out)])
    return StudyRun(runs, text, sweep["wall_s"], analyze["wall_s"])
