"""Experiments: a TOML file that declares a sweep, checked and expanded into a list of runs.

An experiment crosses factor points (a grid and/or sampled ranges) with seasons, named policies
and replications.  Every run starts from the base scenario, then applies, in this order, the
experiment's ``[set]`` values, the policy overlay, the season overlay, the factor values and the
experiment's ``weeks``.  Replication ``r`` of every cell uses the same seed (common random
numbers), so policy comparisons are paired.  The sweep itself runs in :mod:`sim.sweep.runner`.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.sweep.adaptive import SETTINGS as ADAPTIVE_SETTINGS, AdaptiveSpec, parse_adaptive
from sim.sweep.design import METHODS, SampleSpec, expand_points, is_power_of_two
from sim.common.errors import ConfigError
from sim.sweep.task import flatten
from sim.scenario.schema import Scenario, scenario_to_dict
from sim.world.seasons import BUILTIN_MONTHLY
from sim.scenario.validate import show
from sim.sweep.uncertainties import POINT_COLUMN, UncertaintySpec, check_apart, cross, parse_uncertainties

DEFAULT_MAX_RUNS = 5000
TABLES = ("experiment", "set", "policies", "factors", "uncertainties")
SETTINGS = ("name", "description", "base", "seed", "replications", "weeks", "reference",
            "kpis", "max_runs", "seasons", *ADAPTIVE_SETTINGS)
SAMPLE_KEYS = ("method", "n", "ranges", "seed")
SKIPPED_IN_OVERLAYS = ("name", "description", "run.")
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

def bad(path: Path | str, key: str, value: Any, allowed: str) -> ConfigError:
    """The one-line error for a bad experiment setting."""
    return ConfigError(f"{path}: {key} = {show(value)}: {allowed}")


def set_dotted(data: dict, key: str, value: Any) -> None:
    *parents, leaf = key.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[leaf] = copy.deepcopy(value)


def known_paths() -> dict[str, Any]:
    """Every settable dotted key with its default value."""
    return {k: v for k, v in flatten(scenario_to_dict(Scenario())).items()
            if k not in ("name", "description")}


def check_path(path: Path | str, where: str, key: str, value: Any) -> None:
    """Refuse a dotted key that is not a scenario setting."""
    known = known_paths()
    if key not in known:
        close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise bad(path, f"{where}.\"{key}\"", value, f"not a scenario setting{hint}")


def load_scenario_dict(path: Path | None) -> dict:
    """A scenario file (or the built-in baseline for None) as a full nested dict."""
    if path is None:
        return scenario_to_dict(Scenario())
    from sim.scenario.loading import load_scenario
    return scenario_to_dict(load_scenario(path, []))


def file_overlay(exp_path: Path, key: str, ref: str, base: dict) -> dict[str, Any]:
    """What a scenario file changes relative to the experiment's base scenario."""
    target = (exp_path.parent / ref).resolve()
    if not target.is_file():
        raise bad(exp_path, key, ref, f"no such scenario file ({target})")
    flat_base = flatten(base)
    return {k: v for k, v in flatten(load_scenario_dict(target)).items()
            if flat_base.get(k) != v and not k.startswith(SKIPPED_IN_OVERLAYS)}


def inline_overlay(exp_path: Path, key: str, table: dict) -> dict[str, Any]:
    """Overrides written in the experiment; a policy block named without ``enabled`` is on."""
    flat = flatten(table)
    for dotted, value in flat.items():
        check_path(exp_path, key, dotted, value)
    for dotted in list(flat):
        parts = dotted.split(".")
        if parts[0] == "policies" and f"policies.{parts[1]}.enabled" not in flat:
            flat[f"policies.{parts[1]}.enabled"] = True
    return flat


# ---------------------------------------------------------------- reading the file

def whole(path: Path, key: str, value: Any, lo: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise bad(path, key, value, f"expected a whole number of at least {lo}")
    return value


def text(path: Path, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise bad(path, key, value, "expected non-empty text in quotes")
    return value


def parse_seasons(path: Path, value: Any, base: dict) -> dict[str, dict]:
    """Season label -> overlay.  A built-in calendar name or a scenario file per entry."""
    if value is None:
        return {base["season"]["calendar"]: {}}
    allowed = ("a non-empty list of built-in calendars (" + ", ".join(BUILTIN_MONTHLY)
               + ") or scenario files ending in .toml")
    if not isinstance(value, list) or not value:
        raise bad(path, "experiment.seasons", value, f"expected {allowed}")
    out: dict[str, dict] = {}
    for i, entry in enumerate(value):
        key = f"experiment.seasons[{i}]"
        if isinstance(entry, str) and entry in BUILTIN_MONTHLY:
            label, overlay = entry, {"season.calendar": entry}
        elif isinstance(entry, str) and entry.endswith(".toml"):
            label = Path(entry).stem
            overlay = {k: v for k, v in file_overlay(path, key, entry, base).items()
                       if k.startswith("season.")}
        else:
            raise bad(path, key, entry, f"expected {allowed}")
        if label in out:
            raise bad(path, key, entry, "this season is listed twice")
        out[label] = overlay
    return out


def parse_policies(path: Path, value: Any, base: dict) -> dict[str, dict]:
    """Policy name -> overlay (a scenario file, or an inline table of overrides)."""
    if value is None:
        return {"base": {}}
    if not isinstance(value, dict) or not value:
        raise bad(path, "policies", value, "expected a [policies] table with at least one entry")
    out = {}
    for name, ref in value.items():
        key = f"policies.{name}"
        if not name.replace("_", "").replace("-", "").isalnum():
            raise bad(path, key, ref, "policy names use letters, digits, '_' and '-' only")
        if isinstance(ref, str):
            out[name] = file_overlay(path, key, ref, base)
        elif isinstance(ref, dict):
            out[name] = inline_overlay(path, key, ref)
        else:
            raise bad(path, key, ref, "expected a scenario file path in quotes or an inline "
                      "table of overrides such as { \"policies.rotation.enabled\" = true }")
    return out


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
    n = whole(path, "factors.sample.n", table.get("n"), 1)
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
    sample_seed = whole(path, "factors.sample.seed", table.get("seed", seed), 0)
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
    seed = whole(path, "experiment.seed", meta.get("seed"), 0)
    adaptive = parse_adaptive(path, meta)
    reps = adaptive.max_replications if adaptive else \
        whole(path, "experiment.replications", meta.get("replications"), 1)
    if replications is not None:
        reps = whole(path, "--replications", replications, 1)
    weeks = meta.get("weeks")
    if weeks is not None:
        weeks = whole(path, "experiment.weeks", weeks, 1)
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
    sets = flatten(sets)
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
    return Experiment(
        path=path, name=name, description=str(meta.get("description", "")), seed=seed,
        replications=reps, weeks=weeks, reference=reference,
        kpis=parse_kpis(path, meta.get("kpis")),
        max_runs=whole(path, "experiment.max_runs", meta.get("max_runs", DEFAULT_MAX_RUNS), 1),
        base=base, sets=sets, seasons=parse_seasons(path, meta.get("seasons"), base),
        policies=policies, levels=parse_levels(path, factors),
        sample=parse_sample(path, factors.get("sample"), seed),
        uncertainties=uncertainties, adaptive=adaptive)


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
    total = math.prod(design_size(exp))
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
                cells.append(resolve_cell(exp, point, season, policy))
                for r, seed in enumerate(seeds):
                    rows.append((point_id * exp.replications + r, point_id, f, r, seed, season,
                                 policy, *(point[k] for k in factor_keys),
                                 *([u_index[f]] if u_keys else []), *(point[k] for k in u_keys)))
    extra = [POINT_COLUMN, *u_keys] if u_keys else []
    table = pd.DataFrame(rows, columns=[*DESIGN_COLUMNS, *factor_keys, *extra])
    table["seed"] = table["seed"].astype("int64")
    return Design(table, cells, points, factor_keys, u_keys)


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
