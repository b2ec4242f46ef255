"""Adaptive replications: ``replications = "auto"`` adds paired replications in batches.

Settings in ``[experiment]``::

    replications = "auto"
    target_halfwidth = 0.02        # share of the reference policy's mean, for every KPI, or
                                   # a table of absolute half-widths: { revenue_total = 5e5 }
    max_replications = 40          # the cap
    batch = 5                      # replications added per round (default 5)

The design is expanded once with ``max_replications`` (so its hash, run ids and seeds never
change: replication ``r`` keeps its seed as the count grows, see ``replication_seeds``).  Round
``k`` runs the replications below ``k * batch`` that are not done yet, then reads every paired
difference (each policy minus the reference, per season and factor/uncertainty point, per KPI
checked).  A difference is *resolved* when its 95% t-interval is no wider than the target on
either side, or when the interval excludes zero (its sign is clear).  The study stops when all
are resolved or the cap is reached; the reason, the count used and the unresolved differences
go to ``manifest.json`` (key ``adaptive``) and ``adaptive.csv``.  Rerunning the same command
resumes: finished rounds are read back, not run again.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.common.errors import ConfigError

DEFAULT_BATCH = 5
MIN_BATCH = 2  # a t-interval needs two paired replications
SETTINGS = ("target_halfwidth", "max_replications", "batch")


@dataclass(frozen=True)
class AdaptiveSpec:
    """How far to go: a relative target (``relative``) or absolute targets per KPI."""

    target: float | dict[str, float]
    max_replications: int
    batch: int

    @property
    def relative(self) -> bool:
        return not isinstance(self.target, dict)


def _bad(path, key: str, value: Any, allowed: str) -> ConfigError:
    from sim.scenario.validate import show
    return ConfigError(f"{path}: experiment.{key} = {show(value)}: {allowed}")


def _whole(path, key: str, value: Any, lo: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise _bad(path, key, value, f"expected a whole number of at least {lo}")
    return value


def _positive(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x > 0


def parse_adaptive(path, meta: dict) -> AdaptiveSpec | None:
    """The adaptive settings when ``replications = "auto"``; None for a fixed count."""
    if meta.get("replications") != "auto":
        for key in SETTINGS:
            if key in meta:
                raise _bad(path, key, meta[key], 'only used with replications = "auto"')
        return None
    target = meta.get("target_halfwidth")
    if isinstance(target, dict):
        if not target or not all(_positive(v) for v in target.values()):
            raise _bad(path, "target_halfwidth", target, "expected KPI = half-width above 0")
    elif not _positive(target):
        raise _bad(path, "target_halfwidth", target, "expected a number above 0 (a share of "
                   "the reference mean) or a table { KPI = absolute half-width }")
    batch = _whole(path, "batch", meta.get("batch", DEFAULT_BATCH), MIN_BATCH)
    cap = _whole(path, "max_replications", meta.get("max_replications"), batch)
    return AdaptiveSpec(target, cap, batch)


def judge(summary: pd.DataFrame, spec: AdaptiveSpec) -> pd.DataFrame:
    """Every checked paired difference with its half-width, target and whether it is resolved.

    ``summary`` is the table of :func:`sim.sweep.summarize.summarize`.
    """
    diffs = summary[summary["kind"] == "diff"].copy()
    if not spec.relative:
        diffs = diffs[diffs["kpi"].isin(list(spec.target))]
        diffs["target"] = diffs["kpi"].map(spec.target)
    else:
        points = summary[summary["kind"] == "point"]
        ref = points[points["policy"] == diffs["reference"].iloc[0]] if len(diffs) else points
        keys = [c for c in ("factor_point", "season", "kpi")]
        scale = ref.set_index(keys)["mean"].abs()
        diffs["target"] = spec.target * diffs.set_index(keys).index.map(scale).to_numpy()
    diffs["halfwidth"] = (diffs["ci_high"] - diffs["ci_low"]) / 2
    narrow = diffs["halfwidth"] <= diffs["target"]
    sign = (diffs["ci_low"] > 0) | (diffs["ci_high"] < 0)
    diffs["resolved"] = narrow | sign
    diffs["why"] = ["narrow" if a else "sign clear" if b else "open"
                    for a, b in zip(narrow, sign)]
    return diffs


def decide(judged: pd.DataFrame, reps: int, spec: AdaptiveSpec) -> tuple[bool, str]:
    """(stop?, the reason in words)."""
    n, open_ = len(judged), int((~judged["resolved"]).sum())
    if n == 0:
        return True, "no paired difference to check (one policy only, or no finished pairs)"
    if open_ == 0:
        n_sign = int((judged["why"] == "sign clear").sum())
        return True, (f"all {n} paired differences resolved after {reps} replications "
                      f"({n - n_sign} narrower than the target, {n_sign} with a clear sign)")
    if reps >= spec.max_replications:
        return True, (f"cap of {spec.max_replications} replications reached with {open_} of "
                      f"{n} paired differences still open")
    return False, f"{open_} of {n} paired differences still open after {reps} replications"


def run_adaptive(args, exp, design) -> int:
    """Run batches of paired replications until :func:`decide` stops (see module docstring)."""
    from sim.sweep import runner
    from sim.sweep.storage import prepare, read_runs, scan, write_manifest
    from sim.sweep.summarize import summarize
    from sim.common.atomic import write_text_atomic
    import sim.sweep.experiment as ex

    spec: AdaptiveSpec = exp.adaptive
    out = Path(args.out) if args.out else Path("results") / "sweeps" / exp.name
    runner.check_kpis(exp, design)
    digest = ex.experiment_hash(exp, design)
    handle, manifest = prepare(out, exp.name, digest, args.force)
    rc, reps, rounds = 0, 0, []
    try:
        with runner.sigterm_as_interrupt():
            manifest = runner.start_folder(out, exp, design, digest, manifest)
            while True:
                reps = min(spec.max_replications, reps + spec.batch)
                part = design.table[design.table["replication"] < reps]
                todo = set(part["run_id"]) - scan(out).ok
                if todo:
                    sub = ex.Design(part.reset_index(drop=True), design.cells, design.points,
                                    design.factor_keys, design.uncertainty_keys)
                    rc = max(rc, runner.execute(args, out, exp, sub, manifest))
                runs = read_runs(out)
                runs = runs[runs["run_id"].isin(part["run_id"])]
                judged = judge(summarize(runs, part, exp.reference), spec) \
                    if (runs["status"] == "ok").any() else judge_empty()
                stop, why = decide(judged, reps, spec)
                rounds.append({"replications": reps, "open": int((~judged["resolved"]).sum()),
                               "ran": len(todo)})
                if stop:
                    break
    finally:
        handle.close()
    write_text_atomic(out / "adaptive.csv", judged.to_csv(index=False))
    manifest["adaptive"] = {"replications_used": reps, "stopped_because": why,
                            "target_halfwidth": spec.target, "batch": spec.batch,
                            "max_replications": spec.max_replications, "rounds": rounds}
    write_manifest(out, manifest)
    if not getattr(args, "quiet", False):
        print(f"salesim: adaptive replications stopped at {reps}: {why} "
              f"(details in {out / 'adaptive.csv'})", file=sys.stderr)
    return rc


def judge_empty() -> pd.DataFrame:
    return pd.DataFrame(columns=["kpi", "halfwidth", "target", "resolved", "why"]).astype(
        {"resolved": bool})
