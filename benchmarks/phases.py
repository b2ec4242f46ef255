"""Where a week's time goes: the model's schedule timed phase by phase (issue 19 item 1).

Each phase of ``SalesModel.step`` (docs/ODD.md section 3) is the call of one or more rule
functions; :func:`profile_phases` wraps those calls with a timer for the length of a
measurement (and puts the originals back), runs whole models, and reports the median
microseconds a week each phase took over the seeds.  What no wrapped call covers (the
calendar, the policies' scheduled actions, recording the week's sales) is "the rest".  A
second run under ``cProfile`` counts the Python-level calls a week (numpy's operators and
ufuncs called from Python code are not counted by the profiler; its wrappers are).
"""

from __future__ import annotations

import cProfile
import pstats
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sim.world import collect as collect_module
from sim.world import model as model_module

from .sizes import DEFAULT_REPS, SIZES, WEEKS, scenario

#: (phase of the schedule, the calls it is made of): names in ``sim.world.model``, or
#: ``SalesModel.method`` / ``Collector.method``.
PHASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("3. perception", ("perceive",)),
    ("3. marginal pay", ("marginal_pay",)),
    ("4. tactics", ("choose_tactics",)),
    ("5. effort", ("choose_effort", "apply_to_effort")),
    ("6. warning signs", ("emit_signals",)),
    ("7. managers' week and policies' hours", ("SalesModel.manager_week",)),
    ("7. tactics found out, urgency claims", ("found_out", "resolve_false_urgency")),
    ("8. market and pipeline", ("market_week",)),
    ("9. pay", ("run_payroll",)),
    ("10. leverage plays", ("leverage_plays",)),
    ("11. moods, skills", ("update_moods", "SalesModel.grow_skills")),
    ("12. quits and hires", ("SalesModel.turnover",)),
    ("13. collection", ("Collector.collect",)),
)
REST = "the rest (calendar, scheduled policy actions, period ends)"


@dataclass(frozen=True)
class PhaseProfile:
    reps: int
    weeks: int
    seeds: int
    week_us: float                 # median microseconds a week, whole step
    phase_us: dict[str, float]     # median microseconds a week per phase (REST included)
    calls_per_week: float          # Python-level calls a week (cProfile, one run)


def _owner(name: str):
    if name.startswith("SalesModel."):
        return model_module.SalesModel, name.split(".", 1)[1]
    if name.startswith("Collector."):
        return collect_module.Collector, name.split(".", 1)[1]
    return model_module, name


@contextmanager
def _timed(acc: dict[str, float]) -> Iterator[None]:
    """Wrap every call of PHASES to add its seconds to ``acc[phase]``; undo on exit."""
    saved = []
    try:
        for phase, names in PHASES:
            for name in names:
                owner, attr = _owner(name)
                original = getattr(owner, attr)  # AttributeError: PHASES is out of date
                saved.append((owner, attr, original))

                def wrapper(*args, _f=original, _p=phase, **kw):
                    t = time.perf_counter()
                    try:
                        return _f(*args, **kw)
                    finally:
                        acc[_p] = acc.get(_p, 0.0) + time.perf_counter() - t

                setattr(owner, attr, wrapper)
        yield
    finally:
        for owner, attr, original in reversed(saved):
            setattr(owner, attr, original)


def profile_phases(n_reps: int, weeks: int, seeds: int) -> PhaseProfile:
    """Time ``seeds`` runs of ``n_reps`` reps x ``weeks`` weeks (burn-in 0, after one warm-up
    run) phase by phase, and count the calls of one more run."""
    sc = scenario(n_reps)
    model_module.SalesModel(sc, rng=0, weeks=min(weeks, 10), panel=False).run()  # warm-up
    per_seed: list[dict[str, float]] = []
    totals = []
    for seed in range(1, seeds + 1):
        acc: dict[str, float] = {}
        m = model_module.SalesModel(sc, rng=seed, weeks=weeks, panel=False)
        with _timed(acc):
            t = time.perf_counter()
            m.run()
            total = time.perf_counter() - t
        acc[REST] = max(total - sum(acc.values()), 0.0)
        per_seed.append({k: v / weeks * 1e6 for k, v in acc.items()})
        totals.append(total / weeks * 1e6)
    names = [p for p, _ in PHASES] + [REST]
    phase_us = {p: statistics.median(d.get(p, 0.0) for d in per_seed) for p in names}
    prof = cProfile.Profile()
    m = model_module.SalesModel(sc, rng=seeds + 1, weeks=weeks, panel=False)
    prof.enable()
    m.run()
    prof.disable()
    calls = pstats.Stats(prof).total_calls / weeks
    return PhaseProfile(n_reps, weeks, seeds, statistics.median(totals), phase_us, calls)


def markdown_section(profiles: list[PhaseProfile]) -> list[str]:
    """The RESULTS.md section: one column pair (microseconds a week, share) per size."""
    if not profiles:
        return []
    head = " | ".join(f"{p.reps:,} reps: us a week | share" for p in profiles)
    out = ["## Where a week's time goes", "",
           "Phases of `SalesModel.step` (`benchmarks/phases.py`): median over "
           f"{profiles[0].seeds} runs of {profiles[0].weeks} weeks each (burn-in 0, no panel, "
           "this process, after a warm-up), on the model path of the machine table.", "",
           f"| phase | {head} |", "| --- |" + " --- | --- |" * len(profiles)]
    for phase in [p for p, _ in PHASES] + [REST]:
        cells = " | ".join(f"{p.phase_us[phase]:,.0f} | {p.phase_us[phase] / p.week_us:.0%}"
                           for p in profiles)
        out.append(f"| {phase} | {cells} |")
    out.append("| **a whole week** | " + " | ".join(f"**{p.week_us:,.0f}** | 100%"
                                                  for p in profiles) + " |")
    out.append("| Python-level calls a week (cProfile) | " + " | ".join(
        f"{p.calls_per_week:,.0f} | " for p in profiles) + "|")
    return out + [""]


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.phases [REPS ...] [--weeks W] [--seeds S]``: print the table."""
    import argparse
    ap = argparse.ArgumentParser(prog="python -m benchmarks.phases", description=__doc__.split(
        "\n")[0])
    ap.add_argument("reps", nargs="*", type=int, default=[DEFAULT_REPS, SIZES["large"]])
    ap.add_argument("--weeks", type=int, default=WEEKS)
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args(argv)
    if any(n < 1 for n in args.reps) or args.weeks < 1 or args.seeds < 1:
        ap.error("reps, --weeks and --seeds must be whole numbers of at least 1")
    print("\n".join(markdown_section([profile_phases(n, args.weeks, args.seeds)
                                      for n in args.reps])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
