"""Our model at three sizes: rep-weeks per second with full data collection."""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.runner import run_scenario
from sim.scenario.schema import Scenario
from sim.world import kernels

from .stats import Stat, Timing, time_repeats

WEEKS = 156
ACCOUNTS_PER_REP = 20
SIZES = {"small": 50, "medium": 200, "large": 2000}
DEFAULT_REPS = Scenario().org.n_reps  # the baseline organisation a planner starts from


@dataclass(frozen=True)
class SizeResult:
    name: str
    reps: int
    accounts: int
    weeks: int
    timing: Timing
    compiled: bool = False  # the kernels' path (from MIN_SIZE accounts) or numpy

    @property
    def seconds(self) -> Stat:
        return self.timing.wall

    @property
    def rep_weeks_per_s(self) -> Stat:
        return self.seconds.rate(self.reps * self.weeks)

    @property
    def rep_weeks_per_cpu_s(self) -> Stat:
        return self.timing.cpu.rate(self.reps * self.weeks)


def scenario(n_reps: int, per_rep: float = ACCOUNTS_PER_REP) -> Scenario:
    """The baseline scenario resized to ``n_reps`` reps with ``per_rep`` accounts each."""
    sc = Scenario()
    sc.org.n_reps = n_reps
    sc.accounts.per_rep = per_rep
    sc.run.burn_in_weeks = 0  # time only the weeks counted as rep-weeks
    return sc


def initial_accounts(n_reps: int, seed: int = 0) -> int:
    """How many accounts the model opens with (Poisson per rep, so about 20 x reps)."""
    from sim.world.model import SalesModel
    return int(SalesModel(scenario(n_reps), rng=seed, weeks=1, panel=False).owned.size)


def measure_size(name: str, n_reps: int, repeats: int, weeks: int = WEEKS) -> SizeResult:
    """Time whole runs (build, 156 weeks, full collection into a RunResult), each on the path
    a run alone in a fresh process takes (sim.world.kernels.stacked: compiled from
    ``MIN_SIZE`` accounts, numpy below), whatever this process has loaded before."""
    sc = scenario(n_reps)
    accounts = initial_accounts(n_reps)
    enabled, min_size = kernels.setting()
    path = "on" if enabled and accounts >= min_size else "off"
    seeds = iter(range(repeats))

    def one(seed):
        with kernels.mode(path):
            run_scenario(sc, seed, weeks, panel=True)
    timing = time_repeats(lambda: (lambda s=next(seeds): one(s)), repeats)
    return SizeResult(name, n_reps, accounts, weeks, timing, path == "on")


def measure_sizes(repeats: dict[str, int], weeks: int = WEEKS,
                  sizes: dict[str, int] | None = None) -> dict[str, SizeResult]:
    """Every size in ``sizes`` (default :data:`SIZES`), each with its own repeat count."""
    out = {}
    for name, n_reps in (sizes or SIZES).items():
        out[name] = measure_size(name, n_reps, repeats[name], weeks)
    return out


def scaling(small: SizeResult, big: SizeResult) -> Stat:
    """Time at the bigger size over time at the smaller (median over median, min, max)."""
    return Stat(big.seconds.median / small.seconds.median, big.seconds.lo / small.seconds.hi,
                big.seconds.hi / small.seconds.lo, min(big.seconds.n, small.seconds.n))
