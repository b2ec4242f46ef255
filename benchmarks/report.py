"""Targets of issue 7 checked against the measurements; the console table and RESULTS.md."""

from __future__ import annotations

from dataclasses import dataclass

from .machine import usable_cores
from .phases import markdown_section
from . import studies as st
from .stats import Stat
from .suite import Results

FLAT_MEMORY = 1.2  # "flat": 10x the runs may cost at most 20% more peak memory


@dataclass(frozen=True)
class Target:
    name: str
    figure: float
    bar: str
    met: bool
    note: str = ""

    @property
    def verdict(self) -> str:
        return "met" if self.met else "MISSED"


#: Speed-up over mesa.batch_run: issue 19 asks 10x at the planner's size (200 baseline runs);
#: the small-run comparison keeps the earlier sweep issue's 3x.
BATCH_SPEED_PLANNER = 10.0
BATCH_SPEED_SMALL = 3.0


def targets(res: Results) -> list[Target]:
    scale, factor = res.scaling().median, res.size_factor()
    lean, book = res.ratio("lean"), res.ratio("textbook")
    growth = res.memory_growth()
    p = res.plan
    small = f"{p.sweep_reps} reps x {p.sweep_weeks} wk"
    big = f"{p.planner_reps} reps x {p.planner_weeks} wk"
    at = f"at {res.compare.reps:,} reps / agents"
    small_book = res.ratio("textbook", planner=True)
    out = [
        Target(f"rep-weeks/s over the textbook wealth model's agent-steps/s (the reference), {at}",
               book, ">= 1.0", book >= 1.0, f"on CPU time: {res.ratio('textbook', cpu=True):.2f}"),
        Target(f"the same at the planner's size, {p.planner_reps} reps / agents", small_book,
               ">= 1.0", small_book >= 1.0,
               f"on CPU time: {res.ratio('textbook', cpu=True, planner=True):.2f}"),
        Target(f"rep-weeks/s over a lean wealth model's agent-steps/s (stricter), {at}", lean,
               ">= 1.0", lean >= 1.0, f"on CPU time: {res.ratio('lean', cpu=True):.2f}"),
        Target(f"time at {factor:.0f}x reps and accounts / time at 1x", scale,
               f"<= {1.1 * factor:.0f}x", scale <= 1.1 * factor),
    ]
    for label, thr in ((big, res.planner), (small, res.throughput)):
        eff = thr.efficiency(2, inner=True)
        out.append(Target(f"parallel efficiency at 2 workers, {label} runs (sweep's own rate)",
                          eff, ">= 0.9", eff >= 0.9,
                          f"end to end, with start-up: {thr.efficiency(2):.2f}; CPU per run "
                          f"at 1 worker / at 2: {thr.cpu_efficiency(2):.2f}"))
    out.append(Target(f"peak memory, {p.big_sweep_runs}-run / {p.sweep_runs}-run sweep", growth,
                      f"<= {FLAT_MEMORY} (flat)", growth <= FLAT_MEMORY))
    for label, planner in ((big, True), (small, False)):
        speed, memory = res.speedup_vs_batch(planner), res.memory_vs_batch(planner)
        runs = p.planner_batch_runs if planner else p.sweep_runs
        bar = BATCH_SPEED_PLANNER if planner else BATCH_SPEED_SMALL
        out.append(Target(f"speed-up over mesa.batch_run, {runs} runs of {label} (wall, 1 "
                          "process)", speed, f">= {bar:g}x", speed >= bar,
                          "" if planner else f"on CPU time: {res.cpu_vs_batch():.2f}"))
        out.append(Target(f"peak memory of mesa.batch_run / ours, {runs} runs of {label}",
                          memory, ">= 10x", memory >= 10,
                          f"above the {res.floor_mb:.0f} MB import floor: "
                          f"{net_ratio(res, planner):.1f}x"))
    return out + study_targets(res)


SOBOL_BAR_S = 15 * 60
DASK_BAR_MS = 5.0


def study_targets(res: Results) -> list[Target]:
    """Issue 19's targets on whole runs and studies (those the plan measured)."""
    out = []
    if res.reference is not None:
        v = res.reference
        out.append(Target("baseline run (80 reps, 156 wk after the 156-wk burn-in), today / "
                          "the stored model of 7917ec0", v.ratio, "<= 0.05 (1/20)",
                          v.ratio <= 0.05, f"{v.today.median:.2f} s vs {v.stored.median:.2f} s"
                          " (a run alone in a fresh process: the numpy path)"))
        if v.warm is not None:
            out.append(Target("the same run alone in a process that has loaded the kernels "
                              "(a sweep's worker: the compiled path), today / the stored model",
                              v.warm_ratio, "<= 0.05 (1/20)", v.warm_ratio <= 0.05,
                              f"{v.warm.median:.2f} s vs {v.stored.median:.2f} s"))
        if v.batched is not None:
            out.append(Target(f"the same run stepped beside {st.BATCH - 1} other replications "
                              "(as a sweep runs it), per run, today / the stored model",
                              v.batched_ratio, "<= 0.05 (1/20)", v.batched_ratio <= 0.05,
                              f"{v.batched.median:.2f} s vs {v.stored.median:.2f} s"))
    if res.sobol is not None:
        sb = res.sobol
        out.append(Target(f"experiments/sobol_study.toml ({sb.full_runs:,} runs) at 2 workers, "
                          "sweep + analyze, minutes (extrapolated from a proxy)", sb.full_s / 60,
                          f"<= {SOBOL_BAR_S // 60}", sb.full_s <= SOBOL_BAR_S,
                          f"proxy N = {sb.proxy_n}: {sb.proxy_runs} runs in {sb.sweep_s:.0f} s"
                          f" ({sb.start_s:.0f} s of it the start)"))
    if res.dask is not None:
        d = res.dask
        out.append(Target("Dask's cost per task over the local pool, ms of worker time",
                          d.per_task_ms, f"<= {DASK_BAR_MS:g}", d.per_task_ms <= DASK_BAR_MS,
                          f"{d.runs} tiny runs: {d.local_rate:.1f} vs {d.dask_rate:.1f} runs/s"))
    return out


def study_rows(res: Results) -> list[tuple[str, str]]:
    rows = []
    if res.reference is not None:
        v = res.reference
        rows.append(("baseline run, seconds: stored model of 7917ec0 / today",
                     f"{spread(v.stored, '.3f')} / {spread(v.today, '.3f')}"))
        if v.batched is not None:
            rows.append((f"baseline run in a batch of {st.BATCH} side by side, seconds a run",
                         spread(v.batched, '.3f')))
    if res.shared is not None:
        sh = res.shared
        rows.append((f"5-policy comparison, {sh.runs} baseline-size runs, 2 workers: wall with "
                     "shared burn-in / without", f"{sh.shared_s:.1f} s / {sh.alone_s:.1f} s "
                     f"({sh.speedup:.2f}x)"))
    if res.sobol is not None:
        sb = res.sobol
        rows.append((f"experiments/sobol_study.toml proxy, N = {sb.proxy_n}, its "
                     f"replications ({sb.proxy_runs} runs), 2 workers: sweep / analyze wall",
                     f"{sb.sweep_s:.1f} s / {sb.analyze_s:.1f} s"))
        rows.append(("the proxy sweep's own rate (once its workers are up) / its start",
                     f"{sb.inner_rate:.2f} runs/s / {sb.start_s:.1f} s"))
        rows.append(("the full study's design expansion / analysis (both KPIs' indices) on a "
                     f"results table of its size, {sb.full_runs:,} runs",
                     f"{sb.full_design_s:.1f} s / {sb.full_analyze_s:.1f} s"))
        rows.append((f"the full study ({sb.full_runs:,} runs), extrapolated",
                     f"{sb.full_s / 3600:.1f} h"))
    if res.dask is not None:
        d = res.dask
        rows.append((f"{d.runs} tiny runs (2 reps x 2 wk), 2 workers: runs/s local pool / Dask",
                     f"{d.local_rate:.1f} / {d.dask_rate:.1f}"))
    return rows


def net_ratio(res: Results, planner: bool = False) -> float:
    """The memory ratio after taking off what importing the libraries costs both sides."""
    ours_mb, batch_mb = ((res.planner_ours.peak_tree_mb, res.planner_batch.peak_tree_mb)
                         if planner else (res.ours_1_worker()[1], res.batch_figures()[1]))
    return max(batch_mb - res.floor_mb, 1.0) / max(ours_mb - res.floor_mb, 1.0)


def spread(stat: Stat, fmt: str = ",.0f") -> str:
    return f"{stat.median:{fmt}} ({stat.lo:{fmt}} .. {stat.hi:{fmt}}, n={stat.n})"


def figure_rows(res: Results) -> list[tuple[str, str]]:
    """(what, value) rows: every figure measured."""
    p, thr = res.plan, res.throughput
    rows = []
    for s in res.sizes.values():
        rows.append((f"{s.name}: {s.reps} reps, ~{s.accounts:,} accounts, {s.weeks} weeks, "
                     f"{'compiled' if s.compiled else 'numpy'} path, rep-weeks/s",
                     spread(s.rep_weeks_per_s)))
        rows.append((f"{s.name}: seconds per run", spread(s.seconds, ".3f")))
    for variant in res.wealth:
        rows.append((f"wealth model ({variant}), {p.wealth_agents} agents x {p.wealth_steps} "
                     "steps, agent-steps/s", spread(res.wealth_rate(variant))))
    rows.append((f"ratio, {p.compare_size} rep-weeks/s / lean agent-steps/s",
                 f"{res.ratio('lean'):.3f}"))
    rows.append((f"ratio, {p.compare_size} rep-weeks/s / textbook agent-steps/s",
                 f"{res.ratio('textbook'):.3f}"))
    rows.append(("the same two ratios on CPU time of this process (lean / textbook)",
                 f"{res.ratio('lean', True):.3f} / {res.ratio('textbook', True):.3f}"))
    ps = res.planner_size
    rows.append((f"planner size: {ps.reps} reps, ~{ps.accounts:,} accounts, {ps.weeks} weeks, "
                 f"{'compiled' if ps.compiled else 'numpy'} path, rep-weeks/s",
                 spread(ps.rep_weeks_per_s)))
    rows.append(("planner size: seconds per run", spread(ps.seconds, ".3f")))
    for variant, t in res.planner_wealth.items():
        rows.append((f"wealth model ({variant}), {ps.reps} agents x {p.wealth_steps} steps, "
                     "agent-steps/s", spread(t.wall.rate(ps.reps * p.wealth_steps))))
    rows.append((f"ratio at the planner size, rep-weeks/s / agent-steps/s (lean / textbook)",
                 f"{res.ratio('lean', planner=True):.3f} / "
                 f"{res.ratio('textbook', planner=True):.3f}"))
    lo, hi = p.scaling_pair
    rows.append((f"scaling, time {hi} / time {lo} ({res.size_factor():.0f}x size)",
                 spread(res.scaling(), ".2f")))
    for w in (1, 2):
        rows.append((f"sweep {p.sweep_runs} runs, {w} worker(s), runs/s end to end",
                     spread(thr.rate(w), ".2f")))
        rows.append((f"sweep {p.sweep_runs} runs, {w} worker(s), runs/s sweep's own rate",
                     spread(thr.rate(w, inner=True), ".2f")))
    for w in (1, 2):
        rows.append((f"sweep {p.sweep_runs} runs, {w} worker(s), CPU seconds per run (all "
                     "processes)", spread(thr.cpu_per_run(w), ".3f")))
    rows.append(("parallel efficiency, 2 workers (own rate / end to end)",
                 f"{thr.efficiency(2, True):.2f} / {thr.efficiency(2):.2f}"))
    mw = p.memory_workers
    rows.append((f"peak memory, {p.sweep_runs}-run sweep at {mw} worker(s) (all processes)",
                 f"{thr.peak_mb(mw):.0f} MB"))
    rows.append((f"peak memory, {p.big_sweep_runs}-run sweep at {mw} worker(s) (all processes)",
                 f"{res.big_sweep.peak_tree_mb:.0f} MB ({res.big_sweep.wall_s:.1f} s, "
                 f"largest single process {res.big_sweep.max_proc_mb:.0f} MB)"))
    ours_s, ours_mb = res.ours_1_worker()
    b_s, b_mb = res.batch_figures()
    rows.append((f"{p.sweep_runs} runs, salesim sweep, 1 worker: wall / peak memory",
                 f"{ours_s:.1f} s / {ours_mb:.0f} MB"))
    rows.append((f"{p.sweep_runs} runs, mesa.batch_run + DataCollector, 1 process: wall / "
                 "peak memory", f"{b_s:.1f} s / {b_mb:.0f} MB"))
    big = f"{p.planner_reps} reps x {p.planner_weeks} weeks"
    for w in (1, 2):
        rows.append((f"planner size ({big}), sweep {p.planner_runs} runs, {w} worker(s), "
                     "runs/s sweep's own rate / end to end",
                     f"{spread(res.planner.rate(w, inner=True), '.2f')} / "
                     f"{spread(res.planner.rate(w), '.2f')}"))
    rows.append((f"planner size, parallel efficiency, 2 workers (own rate / end to end)",
                 f"{res.planner.efficiency(2, True):.2f} / {res.planner.efficiency(2):.2f}"))
    po, pb = res.planner_ours, res.planner_batch
    rows.append((f"planner size, {p.planner_batch_runs} runs, salesim sweep, 1 worker: wall / "
                 "peak memory", f"{po.wall_s:.1f} s / {po.peak_tree_mb:.0f} MB"))
    rows.append((f"planner size, {p.planner_batch_runs} runs, mesa.batch_run + DataCollector, "
                 "1 process: wall / peak memory", f"{pb.wall_s:.1f} s / {pb.peak_tree_mb:.0f} MB"))
    rows.append(("import floor (python + sim, mesa, pandas, pyarrow)", f"{res.floor_mb:.0f} MB"))
    rows.append(("numba kernels compiled into the cache before any measurement (a fresh "
                 "checkout's one-off cost; later processes load them), wall",
                 f"{res.kernels_warm_s:.1f} s"))
    if res.robustness is not None:
        rb = res.robustness
        rows.append((f"experiments/robustness.toml, {rb.runs} runs ({rb.design}), 2 workers: "
                     "sweep / analyze wall", f"{rb.sweep_s:.0f} s / {rb.analyze_s:.0f} s"))
    rows += study_rows(res)
    rows.append(("1-minute load average at start / end (other work on the machine)",
                 f"{res.load[0]:.2f} / {res.load[1]:.2f}"))
    return rows


def console_table(res: Results) -> str:
    rows = figure_rows(res)
    width = max(len(k) for k, _ in rows)
    lines = [f"{k:<{width}}  {v}" for k, v in rows]
    lines.append("")
    for t in targets(res):
        extra = f"  [{t.note}]" if t.note else ""
        lines.append(f"{t.verdict:<6}  {t.name}: {t.figure:.2f} (bar {t.bar}){extra}")
    return "\n".join(lines)


def markdown(res: Results, machine: dict[str, str], command: str) -> str:
    p = res.plan
    out = ["# Benchmark results", "",
           f"Generated by `{command}` ({p.name} plan) in {res.elapsed_s:.0f} s. "
           "Do not edit by hand: rerun `make bench`.", ""]
    out += busy_warning(res)
    out += ["## Machine", "", "| | |", "| --- | --- |"]
    out += [f"| {k} | {v} |" for k, v in machine.items()]
    out += ["", "## Targets", "", "| target | figure | bar | verdict | note |",
            "| --- | --- | --- | --- | --- |"]
    out += [f"| {t.name} | {t.figure:.2f} | {t.bar} | {t.verdict} | {t.note} |"
            for t in targets(res)]
    out += ["", "## Figures", "",
            "Median of the repeats, with (min .. max, n = repeats). Rates count the whole run: "
            "building the model, every week, and collecting the results.", "",
            "| measurement | value |", "| --- | --- |"]
    out += [f"| {k} | {v} |" for k, v in figure_rows(res)]
    out += [""] + markdown_section(res.phases)
    out += ["## How each figure is taken", ""] + [f"- {line}" for line in method_notes(res)]
    return "\n".join(out) + "\n"


def busy_warning(res: Results) -> list[str]:
    """A warning paragraph when other work shared the machine (load above the core count)."""
    cores = usable_cores()
    if max(res.load) <= cores:
        return []
    return [f"**The machine was busy**: the 1-minute load average was {res.load[0]:.1f} at the "
            f"start and {res.load[1]:.1f} at the end on {cores} cores, so other processes "
            "competed for the CPU. Wall-clock times are inflated, and figures across processes "
            "(sweeps, batch_run) suffer most; the same-process ratios and CPU-time figures "
            "suffer least.", ""]


def method_notes(res: Results) -> list[str]:
    p = res.plan
    return [
        f"Model sizes: `run_scenario(scenario, seed, {p.weeks}, panel=True)` on the baseline "
        "scenario with `org.n_reps` set and `accounts.per_rep = 20`; one seed per repeat.",
        "Wealth model (`benchmarks/wealth.py`), in the same process: every agent holding "
        "wealth gives one unit to a random agent, driven by `model.agents.shuffle_do(\"step\")`,"
        " no data collection. *lean* draws each step's partners in one numpy call and looks "
        "them up in a list; *textbook* draws inside the agent step from `model.agents`, whose "
        "indexing copies the AgentSet (O(N) per draw), as Mesa's tutorial writes it. The "
        "issue's reference is the textbook model; *lean* is reported as a stricter bar that "
        "a hand-optimised wealth model reaches.",
        f"Sweeps: `salesim sweep` in a fresh process on an experiment of {p.sweep_reps} reps x "
        f"{p.sweep_weeks} weeks, replicated; memory is the peak of the summed resident memory "
        "of the sweep and all its workers (psutil, every 50 ms). End-to-end rates include "
        "interpreter start, imports and pool start; the sweep's own rate starts once its "
        "workers are up. Efficiency = rate at 2 workers / (2 x rate at 1 worker).",
        "mesa.batch_run (`benchmarks/batchrun.py`): the same seeds through a SalesModel "
        "subclass with a DataCollector (model reporters revenue, headcount, mean effort; agent "
        "reporters effort, engagement, sales, pay), `data_collection_period=1` so the weekly "
        "series match what a sweep keeps, records turned into a DataFrame and saved as Parquet."
        " Compared with our sweep at 1 worker.",
        f"Planner size: the same sweep and batch_run measurements on the baseline's default "
        f"organisation ({p.planner_reps} reps, {p.planner_weeks} weeks), the size a planner "
        "sweeps; batch_run's per-agent, per-week records grow with it, our compact weekly "
        "series do not.",
        "Stored model (`benchmarks/reference/model-7917ec0.tar.gz`: sim/ and the baseline "
        "scenario as the model issues left them, before the speed work): the baseline run a "
        "planner makes, timed in a fresh process per model after one warm-up, two rounds "
        "alternating the models.",
        "Shared burn-in: the baseline and four policies at the planner's size with default "
        "burn-in, replicated, through `salesim sweep --workers 2`, once as shipped and once "
        "with `SALESIM_SHARED_BURN_IN=0` (every run simulates its own burn-in).",
        "Sobol study: `experiments/sobol_study.toml` with N and replications lowered, swept at "
        "2 workers and analysed (`salesim analyze --kpi gross_margin --outcome revenue_total`,"
        " the indices of both KPIs); the full study's time is one start of the sweep (the "
        "proxy's wall time less its runs at the sweep's own rate: interpreter, imports, "
        "workers, numba's compile) plus the full run count at the proxy's own rate (runs have "
        "the same size, so the rate carries over), plus the full design's expansion and the "
        "analysis of a synthetic results table of the full size, both timed in the benchmark "
        "process.",
        "Dask: a sweep of tiny runs at 2 workers through the local pool and through a local "
        "Dask cluster (`--executor dask`); cost per task = 2 x (1 / Dask's rate - 1 / the "
        "pool's rate), the sweeps' own rates.",
    ]
