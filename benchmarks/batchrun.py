"""The same sweep through ``mesa.batch_run`` with a DataCollector, as a typical user writes it.

``python -m benchmarks.batchrun --runs N --out FILE`` runs N replications of the benchmark
sweep's scenario (same seeds as ``salesim sweep``) through ``batch_run`` with weekly model and
agent reporters, turns the records into a DataFrame and saves it as Parquet, so the result is
kept just as our sweep keeps its part files.  :func:`measure_batch_run` times that command and
its peak memory from a fresh process.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import mesa
import pandas as pd
from mesa.batchrunner import batch_run

from sim.sweep.experiment import replication_seeds
from sim.world.model import SalesModel
from sim.scenario.schema import Scenario

from .peakrss import run_measured
from .sweep import SWEEP_REPS, SWEEP_SEED, SWEEP_WEEKS, SweepRun


def rep_value(column: str):
    """An agent reporter for one rep column; managers report None."""
    return lambda agent: getattr(agent, column, None)


class BatchSalesModel(SalesModel):
    """SalesModel as batch_run expects it: keyword parameters, ``rng=``, a ``datacollector``."""

    def __init__(self, rng: int | None = None, n_reps: int = SWEEP_REPS,
                 weeks: int = SWEEP_WEEKS, per_rep: float = 20.0):
        sc = Scenario()
        sc.org.n_reps = n_reps
        sc.accounts.per_rep = per_rep
        sc.run.burn_in_weeks = 0  # every simulated week is a counted week
        super().__init__(sc, rng=rng, weeks=weeks, panel=False)
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "revenue": lambda m: float(m.reps.sales_week[m.active].sum()),
                "headcount": lambda m: int(m.active.size),
                "mean_effort": lambda m: float(m.reps.effort[m.active].mean()),
            },
            agent_reporters={"effort": rep_value("effort"), "engagement": rep_value("engagement"),
                             "sales": rep_value("sales_week"), "pay": rep_value("pay_week")},
        )

    def step(self) -> None:
        super().step()
        self.datacollector.collect(self)
        if self.week >= self.weeks:
            self.running = False


def run_batch(runs: int, n_reps: int = SWEEP_REPS, weeks: int = SWEEP_WEEKS,
              processes: int = 1) -> pd.DataFrame:
    """Every replication through batch_run, weekly collection, as one DataFrame."""
    records = batch_run(BatchSalesModel, parameters={"n_reps": n_reps, "weeks": weeks},
                        number_processes=processes, data_collection_period=1,
                        max_steps=weeks + 1, display_progress=False,
                        rng=replication_seeds(SWEEP_SEED, runs))
    return pd.DataFrame(records)


def measure_batch_run(runs: int, n_reps: int = SWEEP_REPS, weeks: int = SWEEP_WEEKS,
                      processes: int = 1) -> SweepRun:
    """Time and peak memory of the batch_run command, from a fresh process."""
    with tempfile.TemporaryDirectory(prefix="salesim-batchrun-") as tmp:
        cmd = [sys.executable, "-m", "benchmarks.batchrun", "--runs", str(runs),
               "--reps", str(n_reps), "--weeks", str(weeks), "--processes", str(processes),
               "--out", str(Path(tmp) / "batch.parquet")]
        got = run_measured(cmd)
    return SweepRun(runs, processes, got["wall_s"], float("nan"), got["peak_tree_mb"],
                    got["max_proc_mb"], got["cpu_s"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.batchrun", description=__doc__)
    ap.add_argument("--runs", type=int, required=True)
    ap.add_argument("--reps", type=int, default=SWEEP_REPS)
    ap.add_argument("--weeks", type=int, default=SWEEP_WEEKS)
    ap.add_argument("--processes", type=int, default=1)
    ap.add_argument("--out", required=True, help="Parquet file for the collected records")
    args = ap.parse_args(argv)
    frame = run_batch(args.runs, args.reps, args.weeks, args.processes)
    frame.to_parquet(args.out)
    print(f"{len(frame)} rows from {args.runs} runs", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
