"""Experiments: a TOML file that declares a sweep, checked and expanded into a list of runs.

An experiment crosses factor points (a grid and/or sampled ranges) with seasons, named policies
and replications.  Every run starts from the base scenario, then applies, in this order, the
experiment's ``[set]`` values, the policy overlay, the season overlay, the factor values and the
experiment's ``weeks``.  Replication ``r`` of every cell uses the same seed (common random
numbers), so policy comparisons are paired.  The sweep itself runs in :mod:`sim.sweep.runner`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.sweep.adaptive import SETTINGS as ADAPTIVE_SETTINGS, AdaptiveSpec, parse_adaptive
from sim.sweep.effects import check_factor_effects, check_layers, flatten_once
from sim.sweep.overlays import (bad, check_path, known_paths, load_scenario_dict,  # noqa: F401
                                parse_policies, parse_seasons, set_dotted)
from sim.sweep.uncertainties import (POINT_COLUMN, UncertaintySpec, check_apart, cross,
                                     parse_uncertainties)
from sim.world.kernels import MODES as KERNEL_MODES
from sim.world.params import RunParams
from sim.sweep.design import METHODS, SampleSpec, expand_points, is_power_of_two
from sim.common.errors import ConfigError
from sim.sweep.task import flatten

DEFAULT_MAX_RUNS = 5000
MAX_DESIGN_RUNS = 1_000_000  # the largest design a sweep folder holds, --yes or not
MAX_REPLICATIONS = 100_000
MAX_SAMPLE_N = 1_000_000
MAX_SEED = 2**63 - 1
MAX_WEEKS = int(RunParams.__dataclass_fields__["weeks"].metadata["hi"])
TABLES = ("experiment", "set", "policies", "factors", "report",  # report: sim/report/params.py
          "uncertainties")
SETTINGS = ("name", "description", "base", "seed", "replications", "weeks", "reference",
            "kpis", "max_runs", "seasons", "compiled", *ADAPTIVE_SETTINGS)
SAMPLE_KEYS = ("method", "n", "ranges", "seed")
DESIGN_COLUMNS = ("run_id", "point_id", "factor_point", "replication", "seed", "season", "policy")


@dataclass
class Experiment:
    """A checked experiment file: everything needed to list and run its cells."""

    path: Path
    name: str
    description: str
    seed: int
    replications: int
    weeks: int | None
    reference: str
    kpis: list[str]
    max_runs: int
    base: dict
    sets: dict[str, Any]
    seasons: dict[str, dict[str, Any]]
    policies: dict[str, dict[str, Any]]
    levels: dict[str, list[Any]]
    sample: SampleSpec | None
    uncertainties: UncertaintySpec | None = None  # sim.sweep.uncertainties
    adaptive: AdaptiveSpec | None = None  # replications = "auto" (sim.sweep.adaptive)
    # How runs execute (sim.world.kernels.MODES; --compiled wins).  It changes no result, so
    # it is not in the experiment hash.
    compiled: str = "auto"

    def src(self, where: str = "") -> str:
        return f"{self.path}{f' [{where}]' if where else ''}"


@dataclass
class Design:
    """The expanded experiment: one row per run plus the resolved scenario of each cell."""

    table: pd.DataFrame
    cells: list[dict]
    points: list[dict[str, Any]]
    factor_keys: list[str]
    uncertainty_keys: list[str] | None = None

    @property
    def n_runs(self) -> int:
        return len(self.table)


# ---------------------------------------------------------------- small helpers

# ---------------------------------------------------------------- reading the file

def whole(path: Path, key: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise bad(path, key, value, f"expected a whole number from {lo} to {hi:,}")
    return value


def kernel_mode(path: Path, value: Any) -> str:
    """``experiment.compiled``: "auto" (compiled kernels on large arrays only), "on", "off"."""
    if value not in KERNEL_MODES:
        raise bad(path, "experiment.compiled", value, "expected one of: " + ", ".join(
            f'"{m}"' for m in KERNEL_MODES))
    return value


def text(path: Path, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise bad(path, key, value, "expected non-empty text in quotes")
    return value


def parse_levels(path: Path, factors: dict) -> dict[str, list]:
    """Grid factors: dotted key -> non-empty list of distinct values."""
    levels = {}
    for key, values in factors.items():
        if key == "sample":
            continue
        check_path(path, "factors", key, values)
        where = f"factors.\"{key}\""
        if not isinstance(values, list) or not values:
            raise bad(path, where, values, "expected a non-empty list of values, e.g. [0.1, 0.2]")
        if len({json.dumps(v, sort_keys=True) for v in values}) != len(values):
            raise bad(path, where, values, "the values must be distinct")
        levels[key] = values
    return levels


def parse_sample(path: Path, table: Any, seed: int) -> SampleSpec | None:
    """``[factors.sample]``: method, n, ranges = { key = [low, high] }, optional seed."""
    if table is None:
        return None
    if not isinstance(table, dict):
        raise bad(path, "factors.sample", table, "expected a table with method, n and ranges")
    for key in table:
        if key not in SAMPLE_KEYS:
            raise bad(path, f"factors.sample.{key}", table[key],
                      "unknown setting; allowed: " + ", ".join(SAMPLE_KEYS))
    method = table.get("method")
    if method not in METHODS:
        raise bad(path, "factors.sample.method", method, "expected 'lhs' or 'sobol'")
    n = whole(path, "factors.sample.n", table.get("n"), 1, MAX_SAMPLE_N)
    if method == "sobol" and not is_power_of_two(n):
        raise bad(path, "factors.sample.n", n, "Sobol samples need a power of two "
                  "(8, 16, 32, 64, ...) to stay balanced")
    ranges = table.get("ranges")
    if not isinstance(ranges, dict) or not ranges:
        raise bad(path, "factors.sample.ranges", ranges,
                  "expected a table such as { \"comp.cap\" = [1.0, 3.0] }")
    known, integer, clean = known_paths(), set(), {}
    for key, rng in ranges.items():
        check_path(path, "factors.sample.ranges", key, rng)
        where = f"factors.sample.ranges.\"{key}\""
        default = known[key]
        if isinstance(default, (bool, str, list)):
            raise bad(path, where, rng, "only numeric settings can be sampled; list the "
                      "values under [factors] instead")
        ok = (isinstance(rng, list) and len(rng) == 2
              and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                      and math.isfinite(x) for x in rng) and rng[0] < rng[1])
        if not ok:
            raise bad(path, where, rng, "expected [low, high] with low < high")
        if isinstance(default, int):
            integer.add(key)
        clean[key] = (rng[0], rng[1])
    sample_seed = whole(path, "factors.sample.seed", table.get("seed", seed), 0, MAX_SEED)
    return SampleSpec(method, n, clean, sample_seed, frozenset(integer))


def parse_kpis(path: Path, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(k, str) and k for k in value):
        raise bad(path, "experiment.kpis", value, "expected a list of KPI names in quotes; "
                  "leave it out to keep every KPI")
    return list(dict.fromkeys(value))


def load_experiment(path: str | Path, replications: int | None = None) -> Experiment:
    """Read and check an experiment file.  Raises ConfigError with a one-line message."""
    path = Path(path)
    from sim.scenario.loading import read_toml
    data = read_toml(path)
    for key in data:
        if key not in TABLES:
            raise bad(path, key, data[key], "unknown table; allowed: " + ", ".join(TABLES))
    meta = data.get("experiment")
    if not isinstance(meta, dict):
        raise ConfigError(f"{path}: [experiment]: missing; it needs at least name, seed and "
                          "replications")
    for key in meta:
        if key not in SETTINGS:
            raise bad(path, f"experiment.{key}", meta[key],
                      "unknown setting; allowed: " + ", ".join(SETTINGS))
    name = text(path, "experiment.name", meta.get("name", path.stem))
    seed = whole(path, "experiment.seed", meta.get("seed"), 0, MAX_SEED)
    adaptive = parse_adaptive(path, meta)
    reps = adaptive.max_replications if adaptive else \
        whole(path, "experiment.replications", meta.get("replications"), 1, MAX_REPLICATIONS)
    if replications is not None:
        reps = whole(path, "--replications", replications, 1, MAX_REPLICATIONS)
    weeks = meta.get("weeks")
    if weeks is not None:
        weeks = whole(path, "experiment.weeks", weeks, 1, MAX_WEEKS)
    base_ref = meta.get("base")
    if base_ref is None:
        base = load_scenario_dict(None)
    else:
        base_path = (path.parent / text(path, "experiment.base", base_ref)).resolve()
        if not base_path.is_file():
            raise bad(path, "experiment.base", base_ref, f"no such scenario file ({base_path})")
        base = load_scenario_dict(base_path)
    sets = data.get("set", {})
    if not isinstance(sets, dict):
        raise bad(path, "set", sets, "expected a [set] table of dotted keys")
    sets = flatten_once(sets, path, "set")
    for key, value in sets.items():
        check_path(path, "set", key, value)
    policies = parse_policies(path, data.get("policies"), base)
    reference = meta.get("reference", next(iter(policies)))
    if reference not in policies:
        raise bad(path, "experiment.reference", reference,
                  "expected one of the policies: " + ", ".join(policies))
    factors = data.get("factors", {})
    if not isinstance(factors, dict):
        raise bad(path, "factors", factors, "expected a [factors] table")
    uncertainties = parse_uncertainties(path, data.get("uncertainties"), seed)
    levers = {k: "[factors]" for k in factors if k != "sample"}
    levers.update({k: "[factors.sample]" for k in (factors.get("sample") or {}).get("ranges", {})})
    levers.update({k: f"[policies] {name}" for name, ov in policies.items() for k in ov})
    check_apart(path, uncertainties, levers)
    exp = Experiment(
        path=path, name=name, description=str(meta.get("description", "")), seed=seed,
        replications=reps, weeks=weeks, reference=reference,
        kpis=parse_kpis(path, meta.get("kpis")),
        max_runs=whole(path, "experiment.max_runs", meta.get("max_runs", DEFAULT_MAX_RUNS), 1,
                       MAX_DESIGN_RUNS),
        base=base, sets=sets, seasons=parse_seasons(path, meta.get("seasons"), base),
        policies=policies, levels=parse_levels(path, factors),
        sample=parse_sample(path, factors.get("sample"), seed),
        uncertainties=uncertainties, adaptive=adaptive,
        compiled=kernel_mode(path, meta.get("compiled", "auto")))
    check_layers(exp)
    return exp


# ---------------------------------------------------------------- expansion

def replication_seeds(seed: int, replications: int) -> list[int]:
    """One seed per replication from ``SeedSequence(seed)``; the same for every cell.

    Child ``r`` depends only on ``seed`` and ``r``, so adding replications keeps earlier seeds.
    """
    children = np.random.SeedSequence(seed).spawn(replications)
    return [int(child.generate_state(1)[0]) for child in children]


def design_size(exp: Experiment) -> tuple[int, int, int, int]:
    """(factor points, seasons, policies, replications), without expanding anything."""
    n_grid = math.prod(len(v) for v in exp.levels.values())
    n_points = n_grid * (exp.sample.n if exp.sample else 1) * \
        (exp.uncertainties.size() if exp.uncertainties else 1)
    return n_points, len(exp.seasons), len(exp.policies), exp.replications


def size_text(exp: Experiment) -> str:
    f, s, p, r = design_size(exp)
    return (f"{f} factor point{'s' * (f != 1)} x {s} season{'s' * (s != 1)} x {p} "
            f"polic{'ies' if p != 1 else 'y'} x {r} replication{'s' * (r != 1)} = "
            f"{f * s * p * r} runs")


def check_size(exp: Experiment, yes: bool) -> None:
    """Above ``max_runs`` needs ``yes``; above MAX_DESIGN_RUNS is refused either way."""
    total = math.prod(design_size(exp))
    if total > MAX_DESIGN_RUNS:
        raise ConfigError(f"{exp.path}: the design has {size_text(exp)}: more than the "
                          f"{MAX_DESIGN_RUNS:,} runs one sweep can hold; split it into several "
                          "experiments or use fewer levels")
    if total > exp.max_runs and not yes:
        raise ConfigError(f"{exp.path}: experiment.max_runs = {exp.max_runs}: the design has "
                          f"{size_text(exp)}; pass --yes to run it anyway, or lower "
                          "replications or factor levels")


def resolve_cell(exp: Experiment, point: dict, season: str, policy: str) -> dict:
    """The validated scenario dict of one (factor point, season, policy) cell."""
    from sim.scenario.loading import validate_dict
    data = copy.deepcopy(exp.base)
    origins: dict[str, str] = {}
    layers = [("set", exp.sets), (f"policies.{policy}", exp.policies[policy]),
              (f"experiment.seasons: {season}", exp.seasons[season]), ("factors", point)]
    for where, overlay in layers:
        for key, value in overlay.items():
            set_dotted(data, key, value)
            origins[key] = exp.src(where)
    if exp.weeks is not None:
        data["run"]["weeks"] = exp.weeks
        origins["run.weeks"] = exp.src("experiment.weeks")
    data["name"] = f"{exp.name}-{policy}-{season}"
    return validate_dict(data, exp.src(f"policy {policy}, season {season}"), origins)


def expand(exp: Experiment) -> Design:
    """Every run of the experiment, ``run_id`` in a fixed order (replication innermost)."""
    points, u_index = cross(expand_points(exp.levels, exp.sample), exp.uncertainties)
    factor_keys = list(exp.levels) + (list(exp.sample.ranges) if exp.sample else [])
    u_keys = exp.uncertainties.keys if exp.uncertainties else []
    seeds = replication_seeds(exp.seed, exp.replications)
    cells, rows = [], []
    for f, point in enumerate(points):
        for season in exp.seasons:
            for policy in exp.policies:
                point_id = len(cells)
                cell = resolve_cell(exp, point, season, policy)
                cells.append(cell)
                used = flatten(cell)  # the values the run gets, read back from its scenario
                for r, seed in enumerate(seeds):
                    rows.append((point_id * exp.replications + r, point_id, f, r, seed, season,
                                 policy, *(used[k] for k in factor_keys),
                                 *([u_index[f]] if u_keys else []), *(used[k] for k in u_keys)))
    extra = [POINT_COLUMN, *u_keys] if u_keys else []
    table = pd.DataFrame(rows, columns=[*DESIGN_COLUMNS, *factor_keys, *extra])
    table["seed"] = table["seed"].astype("int64")
    design = Design(table, cells, points, factor_keys, u_keys)
    check_factor_effects(exp, design, lambda p, s, pol: resolve_cell(exp, p, s, pol))
    return design


def experiment_hash(exp: Experiment, design: Design) -> str:
    """sha256 of everything that decides the results: settings, cells and the run list."""
    canon = {
        "seed": exp.seed, "replications": exp.replications, "weeks": exp.weeks,
        "reference": exp.reference, "kpis": exp.kpis, "seasons": list(exp.seasons),
        "policies": list(exp.policies), "factors": design.factor_keys, "cells": design.cells,
        "runs": design.table.astype(str).to_numpy().tolist(),
    }
    blob = json.dumps(canon, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(blob.encode()).hexdigest()
