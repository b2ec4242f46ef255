"""The whole benchmark suite: what to measure (a Plan) and the measurements (Results)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from . import sizes as sz
from .phases import PhaseProfile, profile_phases
from . import wealth
from .batchrun import measure_batch_run
from .peakrss import run_measured
from .robustness import StudyRun, measure_robustness
from . import studies as st
from .stats import Stat, Timing
from .sweep import SWEEP_REPS, SWEEP_WEEKS, SweepRun, Throughput, measure_sweep, measure_throughput

IMPORT_FLOOR = "import sim.sweep.runner, sim.scenario.runner, mesa, pandas, pyarrow"
WARM_KERNELS = "from sim.scenario.runner import warm_kernels; warm_kernels()"


@dataclass(frozen=True)
class Plan:
    """Sizes and repeat counts.  ``FULL`` is ``make bench``; ``QUICK`` a fast pass."""

    name: str
    sizes: dict[str, int] = field(default_factory=lambda: dict(sz.SIZES))
    size_repeats: dict[str, int] = field(
        default_factory=lambda: {"small": 5, "medium": 5, "large": 3})
    weeks: int = sz.WEEKS
    scaling_pair: tuple[str, str] = ("medium", "large")
    wealth_agents: int = wealth.N_AGENTS
    wealth_steps: int = wealth.STEPS
    wealth_repeats: dict[str, int] = field(default_factory=lambda: {"lean": 5, "textbook": 3})
    sweep_reps: int = SWEEP_REPS
    sweep_weeks: int = SWEEP_WEEKS
    sweep_runs: int = 200
    big_sweep_runs: int = 2000
    memory_workers: int = 2  # workers for the big sweep, compared with the small one at as many
    sweep_repeats: int = 2
    batch_repeats: int = 2
    # The same comparisons at the size a planner sweeps: the baseline's default organisation
    # over its default three years.  Runs of ~0.3 s make per-run overheads small, as in use.
    planner_reps: int = sz.DEFAULT_REPS
    planner_weeks: int = sz.WEEKS
    planner_runs: int = 40           # per throughput sweep, at 1 and at 2 workers
    planner_repeats: int = 3
    planner_batch_runs: int = 200    # the batch_run comparison at this size
    robustness: bool = True          # time experiments/robustness.toml at 2 workers
    # The rep-week ratio at the planner's size too: one run of planner_reps against the
    # wealth model with as many agents, same weeks and steps.
    planner_size_repeats: int = 5
    planner_wealth_repeats: dict[str, int] = field(
        default_factory=lambda: {"lean": 5, "textbook": 5})
    # Issue 19's study-sized figures (benchmarks/studies.py); None in a plan skips them.
    reference_repeats: int | None = 3   # baseline runs per model per round (2 rounds)
    shared_replications: int | None = 8  # x 5 policies at the planner's size, 2 workers
    sobol_proxy_n: int | None = 4       # experiments/sobol_study.toml at this N, its replications
    dask_runs: int | None = 300         # tiny runs through the pool and through Dask
    # Where a week's time goes (benchmarks/phases.py), at these sizes.
    phase_sizes: tuple[int, ...] = (sz.DEFAULT_REPS, sz.SIZES["large"])
    phase_weeks: int = sz.WEEKS
    phase_seeds: int = 3

    @property
    def compare_size(self) -> str:
        """The size compared with the wealth model (the largest)."""
        return self.scaling_pair[1]


FULL = Plan("full")
QUICK = Plan("quick", size_repeats={"small": 2, "medium": 2, "large": 1},
             wealth_repeats={"lean": 2, "textbook": 1}, sweep_runs=40, big_sweep_runs=400,
             sweep_repeats=1, batch_repeats=1, planner_runs=10, planner_repeats=1,
             planner_batch_runs=10, robustness=False, planner_size_repeats=2,
             planner_wealth_repeats={"lean": 2, "textbook": 2}, reference_repeats=1,
             shared_replications=2, sobol_proxy_n=1, dask_runs=100, phase_seeds=1)


@dataclass
class Results:
    plan: Plan
    sizes: dict[str, sz.SizeResult]
    wealth: dict[str, Timing]        # seconds per wealth-model run, by variant
    throughput: Throughput           # sweep_runs at 1 and 2 workers
    big_sweep: SweepRun              # big_sweep_runs at plan.memory_workers
    batch: list[SweepRun]            # sweep_runs through mesa.batch_run, 1 process
    floor_mb: float                  # peak memory of a process that only imports the libraries
    planner: Throughput              # planner_runs at 1 and 2 workers, planner size
    planner_ours: SweepRun           # planner_batch_runs through salesim sweep, 1 worker
    planner_batch: SweepRun          # the same through mesa.batch_run, 1 process
    elapsed_s: float = 0.0
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average at the start and the end
    robustness: StudyRun | None = None  # experiments/robustness.toml, sweep and analyze
    planner_size: sz.SizeResult | None = None  # one run at planner_reps x weeks
    planner_wealth: dict[str, Timing] = field(default_factory=dict)  # wealth at planner_reps
    reference: st.Versus | None = None        # today's baseline run vs the stored model's
    shared: st.SharedBurnIn | None = None     # policy comparison with / without shared burn-in
    sobol: st.SobolProxy | None = None        # experiments/sobol_study.toml, from a proxy
    dask: st.DaskCost | None = None           # Dask's cost per task over the local pool
    phases: list[PhaseProfile] = field(default_factory=list)  # a week's time, phase by phase
    kernels_warm_s: float = float("nan")      # the kernels compiled (or loaded), once, first

    @property
    def compare(self) -> sz.SizeResult:
        return self.sizes[self.plan.compare_size]

    def wealth_rate(self, variant: str, cpu: bool = False) -> Stat:
        """The wealth model's agent-steps per (wall or CPU) second."""
        t = self.wealth[variant]
        return (t.cpu if cpu else t.wall).rate(self.plan.wealth_agents * self.plan.wealth_steps)

    def ratio(self, variant: str, cpu: bool = False, planner: bool = False) -> float:
        """Our rep-weeks/s at the compared size (or the planner's) over the wealth model's
        agent-steps/s with as many agents."""
        size = self.planner_size if planner else self.compare
        ours = size.rep_weeks_per_cpu_s if cpu else size.rep_weeks_per_s
        if planner:
            t = self.planner_wealth[variant]
            ref = (t.cpu if cpu else t.wall).rate(size.reps * self.plan.wealth_steps)
        else:
            ref = self.wealth_rate(variant, cpu)
        return ours.median / ref.median

    def scaling(self) -> Stat:
        lo, hi = self.plan.scaling_pair
        return sz.scaling(self.sizes[lo], self.sizes[hi])

    def size_factor(self) -> float:
        lo, hi = self.plan.scaling_pair
        return self.sizes[hi].reps / self.sizes[lo].reps

    def memory_growth(self) -> float:
        """Peak memory of the big sweep over that of the small one, at the same worker count."""
        return self.big_sweep.peak_tree_mb / self.throughput.peak_mb(self.plan.memory_workers)

    def ours_1_worker(self) -> tuple[float, float]:
        """Median wall seconds and peak MB of our sweep at 1 worker (the batch_run match)."""
        runs = self.throughput.by_workers[1]
        return (Stat.of([s.wall_s for s in runs]).median, max(s.peak_tree_mb for s in runs))

    def batch_figures(self) -> tuple[float, float]:
        return (Stat.of([b.wall_s for b in self.batch]).median,
                max(b.peak_tree_mb for b in self.batch))

    def cpu_vs_batch(self) -> float:
        """batch_run's CPU seconds over ours at 1 worker (medians): the speed-up on CPU time."""
        ours = Stat.of([s.cpu_s for s in self.throughput.by_workers[1]]).median
        return Stat.of([b.cpu_s for b in self.batch]).median / ours

    def speedup_vs_batch(self, planner: bool = False) -> float:
        if planner:
            return self.planner_batch.wall_s / self.planner_ours.wall_s
        return self.batch_figures()[0] / self.ours_1_worker()[0]

    def memory_vs_batch(self, planner: bool = False) -> float:
        if planner:
            return self.planner_batch.peak_tree_mb / self.planner_ours.peak_tree_mb
        return self.batch_figures()[1] / self.ours_1_worker()[1]


def warm_kernels() -> float:
    """Wall seconds of a process that compiles every numba kernel into numba's cache (or
    loads them from it), run before any measurement: in a fresh checkout the first process
    on the compiled path compiles them, once, and a sweep measured then would carry that
    one-off cost in its time and memory."""
    t = time.perf_counter()
    run_measured([sys.executable, "-c", WARM_KERNELS])
    return time.perf_counter() - t


def import_floor_mb() -> float:
    """Peak memory of a Python process that only imports what a sweep imports."""
    return run_measured([sys.executable, "-c", IMPORT_FLOOR])["peak_tree_mb"]


def run_suite(plan: Plan, say: Callable[[str], None] = print) -> Results:
    """Measure everything in ``plan``; ``say`` gets one progress line per stage."""
    start, load0 = time.perf_counter(), os.getloadavg()[0]
    say("numba kernels: compiled into the cache (or loaded) before any measurement ...")
    warm_s = warm_kernels()
    say(f"model sizes {plan.sizes} x {plan.weeks} weeks ...")
    sizes = sz.measure_sizes(plan.size_repeats, plan.weeks, plan.sizes)
    say(f"wealth model, {plan.wealth_agents} agents x {plan.wealth_steps} steps ...")
    ref = {v: wealth.time_wealth(v, plan.wealth_repeats[v], plan.wealth_agents, plan.wealth_steps)
           for v in wealth.VARIANTS}
    say(f"sweeps of {plan.sweep_runs} runs at 1 and 2 workers, x{plan.sweep_repeats} ...")
    thr = measure_throughput(plan.sweep_runs, plan.sweep_repeats, (1, 2), plan.sweep_reps,
                             plan.sweep_weeks)
    say(f"sweep of {plan.big_sweep_runs} runs at {plan.memory_workers} workers ...")
    big = measure_sweep(plan.big_sweep_runs, plan.memory_workers, plan.sweep_reps,
                        plan.sweep_weeks)
    say(f"mesa.batch_run of {plan.sweep_runs} runs, x{plan.batch_repeats} ...")
    batch = [measure_batch_run(plan.sweep_runs, plan.sweep_reps, plan.sweep_weeks)
             for _ in range(plan.batch_repeats)]
    floor = import_floor_mb()
    big_reps, big_weeks = plan.planner_reps, plan.planner_weeks
    say(f"planner size ({big_reps} reps x {big_weeks} weeks): sweeps of {plan.planner_runs} "
        f"runs at 1 and 2 workers, x{plan.planner_repeats} ...")
    planner = measure_throughput(plan.planner_runs, plan.planner_repeats, (1, 2), big_reps,
                                 big_weeks)
    say(f"planner size: {plan.planner_batch_runs} runs, salesim sweep and mesa.batch_run ...")
    p_ours = measure_sweep(plan.planner_batch_runs, 1, big_reps, big_weeks)
    p_batch = measure_batch_run(plan.planner_batch_runs, big_reps, big_weeks)
    say(f"planner size: {plan.planner_reps} reps x {plan.weeks} weeks, and the wealth model "
        f"with {plan.planner_reps} agents ...")
    p_size = sz.measure_size("planner", plan.planner_reps, plan.planner_size_repeats,
                             plan.weeks)
    p_wealth = {v: wealth.time_wealth(v, plan.planner_wealth_repeats[v], plan.planner_reps,
                                      plan.wealth_steps) for v in wealth.VARIANTS}
    robust = None
    if plan.robustness:
        say("experiments/robustness.toml at 2 workers, then salesim analyze ...")
        robust = measure_robustness()
    extra = measure_studies(plan, say)
    return Results(plan, sizes, ref, thr, big, batch, floor, planner, p_ours, p_batch,
                   time.perf_counter() - start, (load0, os.getloadavg()[0]), robust,
                   p_size, p_wealth, kernels_warm_s=warm_s, **extra)


def measure_studies(plan: Plan, say: Callable[[str], None]) -> dict:
    """The figures of benchmarks/studies.py that ``plan`` asks for."""
    out: dict = {}
    if plan.reference_repeats:
        say("baseline runs, today's model and the stored one (benchmarks/reference) ...")
        out["reference"] = st.measure_reference(plan.reference_repeats)
    if plan.shared_replications:
        say(f"5-policy comparison x {plan.shared_replications} replications, with and without "
            "the shared burn-in ...")
        out["shared"] = st.measure_shared_burn_in(plan.shared_replications)
    if plan.sobol_proxy_n:
        say(f"experiments/sobol_study.toml at N = {plan.sobol_proxy_n}, then analyze ...")
        out["sobol"] = st.measure_sobol(plan.sobol_proxy_n)
    if plan.dask_runs:
        say(f"{plan.dask_runs} tiny runs, local pool and Dask ...")
        out["dask"] = st.measure_dask(plan.dask_runs)
    if plan.phase_sizes:
        say(f"a week's time phase by phase at {plan.phase_sizes} reps ...")
        out["phases"] = [profile_phases(n, plan.phase_weeks, plan.phase_seeds)
                         for n in plan.phase_sizes]
    return out
