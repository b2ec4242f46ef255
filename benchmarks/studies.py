"""Issue 19's study-sized figures: the stored model of before the speed work, the shared
burn-in of a policy comparison, the Sobol study's time (from a proxy), Dask's cost per task.

Each runs in fresh processes (``run_measured``), so interpreter start, imports, the pool and
writing results count as a user would see them.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sim.sweep.checks import batch_size

from .peakrss import ROOT, run_measured
from .stats import Stat
from .sweep import inner_rate, write_experiment

#: sim/ and scenarios/baseline.toml at 7917ec0: the model the model issues left behind,
#: before the speed work of issue 19 (``git archive 7917ec0 sim scenarios/baseline.toml``).
REFERENCE = Path(__file__).resolve().parent / "reference" / "model-7917ec0.tar.gz"
SOBOL = ROOT / "experiments" / "sobol_study.toml"
POLICIES = ("baseline = {{}}", 'rotation = "{s}/rotation.toml"', 'team_bonus = "{s}/team_bonus.toml"',
            'coaching = "{s}/coaching.toml"', 'playbook = "{s}/playbook.toml"')

# One baseline run as a planner makes it (80 reps, 156 weeks after the 156-week burn-in),
# timed inside the process after a warm-up run, for the model found first on sys.path.  With
# a third argument (today's model only) the process loads the kernels first, as a sweep's
# worker does, so the run takes the compiled path (sim.world.kernels.stacked).
ONE_RUN = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
import sim
assert sim.__file__.startswith(sys.argv[1]), sim.__file__
from sim.scenario.loading import load_scenario
from sim.scenario.runner import run_scenario
if len(sys.argv) > 3:
    from sim.scenario.runner import warm_kernels
    warm_kernels()
sc = load_scenario(sys.argv[1] + "/scenarios/baseline.toml")
run_scenario(sc, 99, weeks=4, panel=False)
times = []
for seed in range(int(sys.argv[2])):
    t = time.perf_counter()
    run_scenario(sc, seed, panel=False)
    times.append(time.perf_counter() - t)
print(json.dumps(times))
"""


# The same runs stepped side by side, ``BATCH`` replications in one model (today's model only),
# seconds per run.
BATCHED_RUNS = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from sim.scenario.loading import load_scenario
from sim.scenario.runner import run_replications
sc = load_scenario(sys.argv[1] + "/scenarios/baseline.toml")
run_replications(sc, [98, 99], weeks=4, panel=False)
times, batch = [], int(sys.argv[3])
for k in range(int(sys.argv[2])):
    t = time.perf_counter()
    run_replications(sc, list(range(k * batch, (k + 1) * batch)), panel=False)
    times.append((time.perf_counter() - t) / batch)
print(json.dumps(times))
"""
BATCH = batch_size(None, [{"org": {"n_reps": 80}}])  # a sweep's default at baseline size


def time_batched_runs(root: Path, repeats: int, batch: int = BATCH) -> Stat:
    done = subprocess.run([sys.executable, "-c", BATCHED_RUNS, str(root), str(repeats),
                           str(batch)], stdout=subprocess.PIPE, text=True, check=True,
                          cwd=root)
    return Stat.of(json.loads(done.stdout.strip().splitlines()[-1]))


def time_baseline_runs(root: Path, repeats: int, warm: bool = False) -> Stat:
    done = subprocess.run([sys.executable, "-c", ONE_RUN, str(root), str(repeats)]
                          + (["warm"] if warm else []),
                          stdout=subprocess.PIPE, text=True, check=True, cwd=root)
    return Stat.of(json.loads(done.stdout.strip().splitlines()[-1]))


@dataclass(frozen=True)
class Versus:
    """Seconds per baseline run: the stored model and today's, interleaved; today's alone in
    a process that has loaded the kernels (a sweep's worker); and today's per run when
    ``BATCH`` replications are stepped side by side (as a sweep does)."""

    stored: Stat
    today: Stat
    batched: Stat | None = None
    warm: Stat | None = None

    @property
    def warm_ratio(self) -> float:
        return self.warm.median / self.stored.median if self.warm else float("nan")

    @property
    def ratio(self) -> float:
        return self.today.median / self.stored.median

    @property
    def batched_ratio(self) -> float:
        return self.batched.median / self.stored.median if self.batched else float("nan")


def measure_reference(repeats: int) -> Versus:
    """Today's baseline run against the stored model's, alternating so drift hits both."""
    with tempfile.TemporaryDirectory(prefix="salesim-ref-") as tmp:
        with tarfile.open(REFERENCE) as tar:
            tar.extractall(tmp, filter="data")
        old, new, batched, warm = [], [], [], []
        for _ in range(2):
            old.append(time_baseline_runs(Path(tmp), repeats))
            new.append(time_baseline_runs(ROOT, repeats))
            warm.append(time_baseline_runs(ROOT, repeats, warm=True))
            batched.append(time_batched_runs(ROOT, max(1, repeats // 2)))
    return Versus(_pooled(old), _pooled(new), _pooled(batched), _pooled(warm))


def _pooled(stats: list[Stat]) -> Stat:
    meds = [s.median for s in stats]
    return Stat(statistics.median(meds), min(s.lo for s in stats), max(s.hi for s in stats),
                sum(s.n for s in stats))


@dataclass(frozen=True)
class SharedBurnIn:
    """A five-policy comparison at the planner's size, with and without the shared burn-in."""

    runs: int
    shared_s: float
    alone_s: float

    @property
    def speedup(self) -> float:
        return self.alone_s / self.shared_s


def policy_experiment(folder: Path, replications: int) -> Path:
    policies = "\n".join(p.format(s=ROOT / "scenarios") for p in POLICIES)
    path = folder / "policies.toml"
    path.write_text(f'[experiment]\nname = "policies"\nbase = "{ROOT}/scenarios/baseline.toml"\n'
                    f'seed = 3\nreplications = {replications}\nreference = "baseline"\n\n'
                    f"[policies]\n{policies}\n", encoding="utf-8")
    return path


def sweep(experiment: Path, out: Path, workers: int = 2, env: dict | None = None,
          extra: tuple[str, ...] = ()) -> dict:
    return run_measured([sys.executable, "-m", "sim", "sweep", str(experiment), "--out",
                         str(out), "--workers", str(workers), "--yes", *extra], env)


def measure_shared_burn_in(replications: int) -> SharedBurnIn:
    with tempfile.TemporaryDirectory(prefix="salesim-shared-") as tmp:
        exp = policy_experiment(Path(tmp), replications)
        shared = sweep(exp, Path(tmp) / "shared")
        alone = sweep(exp, Path(tmp) / "alone", env={"SALESIM_SHARED_BURN_IN": "0"})
    return SharedBurnIn(replications * len(POLICIES), shared["wall_s"], alone["wall_s"])


@dataclass(frozen=True)
class SobolProxy:
    """The Sobol study at a small N with its own replications, timed; the full study
    extrapolated from the proxy's runs per second (same size per run and the same batches of
    replications stepped side by side, so the rate carries over)."""

    proxy_n: int
    proxy_runs: int
    sweep_s: float
    analyze_s: float
    full_runs: int
    full_design_s: float = 0.0   # expanding the full study's design (part of its sweep)
    full_analyze_s: float = 0.0  # its analysis, on a results table of the full size
    inner_rate: float = float("nan")  # the proxy sweep's own runs/s (once its workers are up)

    @property
    def start_s(self) -> float:
        """The proxy sweep's one-off start (interpreter, imports, workers, numba's compile):
        its wall time less its runs at its own rate; 0 when the rate was not reported."""
        if not self.inner_rate > 0:
            return 0.0
        return max(self.sweep_s - self.proxy_runs / self.inner_rate, 0.0)

    @property
    def full_s(self) -> float:
        """One start, the full study's runs at the proxy's own rate, the full design's
        expansion and its analysis (as measured; the proxy's own analysis stands in when
        those were not measured).  Without the own rate: the proxy's wall time per run,
        start included, times the full run count."""
        analysis = self.full_analyze_s or self.analyze_s
        if self.inner_rate > 0:
            runs_s = self.start_s + self.full_runs / self.inner_rate
        else:
            runs_s = self.full_runs * self.sweep_s / self.proxy_runs
        return runs_s + self.full_design_s + analysis


#: What the study's file says to run after the sweep: the indices of both of its KPIs.
ANALYZE_ARGS = ("--kpi", "gross_margin", "--outcome", "revenue_total")


def sobol_sizes(text: str) -> tuple[int, int, int]:
    """(N, factors, replications) read from the study file."""
    n = int(re.search(r"^n = (\d+)$", text, re.M).group(1))
    reps = int(re.search(r"^replications = (\d+)$", text, re.M).group(1))
    factors = len(re.findall(r'^"[a-z_]+\.[a-z_]+" = \[', text, re.M))
    return n, factors, reps


def measure_sobol(proxy_n: int) -> SobolProxy:
    text = SOBOL.read_text(encoding="utf-8")
    n, factors, reps = sobol_sizes(text)
    proxy = re.sub(r"^n = \d+$", f"n = {proxy_n}", text, flags=re.M)
    proxy = proxy.replace('base = "../', f'base = "{ROOT}/')
    with tempfile.TemporaryDirectory(prefix="salesim-sobol-") as tmp:
        path = Path(tmp) / "sobol_proxy.toml"
        path.write_text(proxy, encoding="utf-8")
        out = Path(tmp) / "out"
        swept = sweep(path, out)
        analyzed = run_measured([sys.executable, "-m", "sim", "analyze", str(out),
                                 *ANALYZE_ARGS])
    design_s, analyze_s = measure_full_analysis()
    return SobolProxy(proxy_n, proxy_n * (factors + 2) * reps, swept["wall_s"],
                      analyzed["wall_s"], n * (factors + 2) * reps, design_s, analyze_s,
                      inner_rate(swept.get("stderr", "")))


def measure_full_analysis() -> tuple[float, float]:
    """(seconds to expand the full study's design, seconds to analyse it) in this process.

    The analysis is ``run_analysis`` with ANALYZE_ARGS, written to a scratch folder as
    ``salesim analyze`` writes it, on a synthetic results table of the full size: every run
    ok, both KPIs a smooth function of the 12 assumptions plus noise (what the indices say is
    beside the point; the work of computing them does not depend on the values)."""
    import numpy as np
    import pandas as pd
    from sim.analysis.analyze import run_analysis
    from sim.analysis.study import make_study
    from sim.scenario.loading import read_toml
    from sim.sweep import experiment as ex
    from sim.sweep.uncertainties import parse_uncertainties

    t = time.perf_counter()
    design = ex.expand(ex.load_experiment(SOBOL)).table
    design_s = time.perf_counter() - t
    data = read_toml(SOBOL)
    spec = parse_uncertainties(SOBOL, data["uncertainties"], data["experiment"]["seed"])
    x = design[list(spec.keys)].to_numpy()
    scaled = (x - x.min(axis=0)) / np.ptp(x, axis=0)
    noise = np.random.default_rng(0).standard_normal(len(design))
    revenue = 1e7 * (1 + 0.1 * scaled @ np.linspace(1, 0.1, x.shape[1]) + 0.02 * noise)
    runs = pd.DataFrame({"run_id": design["run_id"], "status": "ok",
                         "error": pd.array([None] * len(design), dtype="string"),
                         "revenue_total": revenue, "gross_margin": 0.4 + 0.01 * noise})
    study = make_study(design, runs, spec, data["experiment"]["reference"])
    t = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="salesim-sobol-analysis-") as tmp:
        run_analysis(study, ANALYZE_ARGS[1], "reference", Path(tmp), [ANALYZE_ARGS[3]])
    return design_s, time.perf_counter() - t


@dataclass(frozen=True)
class DaskCost:
    """Seconds of worker time Dask adds per task over the local pool, on tiny runs."""

    runs: int
    local_rate: float
    dask_rate: float

    @property
    def per_task_ms(self) -> float:
        workers = 2
        return 1000 * workers * (1 / self.dask_rate - 1 / self.local_rate)


def measure_dask(runs: int) -> DaskCost:
    with tempfile.TemporaryDirectory(prefix="salesim-dask-") as tmp:
        exp = write_experiment(Path(tmp), runs, n_reps=2, weeks=2)
        local = sweep(exp, Path(tmp) / "local")
        dask = sweep(exp, Path(tmp) / "dask", extra=("--executor", "dask"))
    return DaskCost(runs, inner_rate(local["stderr"]), inner_rate(dask["stderr"]))
