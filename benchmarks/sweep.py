"""Sweep throughput and memory: ``salesim sweep`` run as a measured subprocess.

The benchmark sweep is one small scenario (``org.n_reps = 20``, 52 weeks) replicated N times,
so every run costs the same and the run count is the only thing that changes.
"""

from __future__ import annotations

import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .peakrss import run_measured
from .stats import Stat

SWEEP_REPS = 20
SWEEP_WEEKS = 52
SWEEP_SEED = 1
RATE_LINE = re.compile(r"([0-9.]+) runs/s\)")


@dataclass(frozen=True)
class SweepRun:
    """One measured sweep: run count, workers, wall time, the sweep's own rate, memory."""

    runs: int
    workers: int
    wall_s: float
    inner_rate: float  # runs/s as ``salesim sweep`` reports it (after its workers are up)
    peak_tree_mb: float
    max_proc_mb: float
    cpu_s: float = float("nan")  # CPU seconds of the sweep and all its workers

    @property
    def rate(self) -> float:
        """End-to-end runs per second (interpreter start, imports and pool start included)."""
        return self.runs / self.wall_s


def experiment_text(runs: int, name: str, n_reps: int = SWEEP_REPS,
                    weeks: int = SWEEP_WEEKS) -> str:
    """An experiment file: the baseline at ``n_reps`` reps, replicated ``runs`` times."""
    return (f'[experiment]\nname = "{name}"\nseed = {SWEEP_SEED}\nreplications = {runs}\n'
            f'weeks = {weeks}\nmax_runs = {max(runs, 1)}\n\n[set]\n"org.n_reps" = {n_reps}\n'
            '"run.burn_in_weeks" = 0\n')  # time only the weeks counted


def write_experiment(folder: Path, runs: int, n_reps: int = SWEEP_REPS,
                     weeks: int = SWEEP_WEEKS) -> Path:
    path = folder / f"bench{runs}.toml"
    path.write_text(experiment_text(runs, f"bench{runs}", n_reps, weeks))
    return path


def sweep_command(experiment: Path, out: Path, workers: int) -> list[str]:
    # Not --quiet: the closing line carries the sweep's own runs/s.  Its progress bar stays off
    # because stderr is not a terminal.
    return [sys.executable, "-m", "sim", "sweep", str(experiment), "--out", str(out),
            "--workers", str(workers)]


def inner_rate(stderr: str) -> float:
    """The runs/s figure from the sweep's closing line (NaN if it is missing)."""
    found = RATE_LINE.findall(stderr)
    return float(found[-1]) if found else float("nan")


def measure_sweep(runs: int, workers: int, n_reps: int = SWEEP_REPS,
                  weeks: int = SWEEP_WEEKS) -> SweepRun:
    """Run one fresh sweep of ``runs`` runs in a temporary folder and measure it."""
    with tempfile.TemporaryDirectory(prefix="salesim-bench-") as tmp:
        folder = Path(tmp)
        exp = write_experiment(folder, runs, n_reps, weeks)
        got = run_measured(sweep_command(exp, folder / "out", workers))
    return SweepRun(runs, workers, got["wall_s"], inner_rate(got["stderr"]),
                    got["peak_tree_mb"], got["max_proc_mb"], got["cpu_s"])


@dataclass(frozen=True)
class Throughput:
    """Repeated sweeps at 1 and at 2 workers, and the parallel efficiency they imply."""

    by_workers: dict[int, list[SweepRun]]

    def rate(self, workers: int, inner: bool = False) -> Stat:
        return Stat.of([s.inner_rate if inner else s.rate for s in self.by_workers[workers]])

    def efficiency(self, workers: int = 2, inner: bool = False) -> float:
        """Speed-up over one worker divided by the worker count (medians)."""
        return self.rate(workers, inner).median / (workers * self.rate(1, inner).median)

    def cpu_per_run(self, workers: int) -> Stat:
        """CPU seconds per run, all processes of the sweep together."""
        return Stat.of([s.cpu_s / s.runs for s in self.by_workers[workers]])

    def cpu_efficiency(self, workers: int = 2) -> float:
        """CPU per run at 1 worker over CPU per run at ``workers``: 1.0 means the pool adds no
        work, so on a quiet machine with that many free cores the speed-up would be full."""
        return self.cpu_per_run(1).median / self.cpu_per_run(workers).median

    def peak_mb(self, workers: int) -> float:
        return max(s.peak_tree_mb for s in self.by_workers[workers])


def measure_throughput(runs: int, repeats: int, workers: tuple[int, ...] = (1, 2),
                       n_reps: int = SWEEP_REPS, weeks: int = SWEEP_WEEKS) -> Throughput:
    """``repeats`` sweeps at each worker count, interleaved so drift hits both alike."""
    out: dict[int, list[SweepRun]] = {w: [] for w in workers}
    for _ in range(repeats):
        for w in workers:
            out[w].append(measure_sweep(runs, w, n_reps, weeks))
    return Throughput(out)
