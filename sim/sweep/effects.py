"""Settings of an experiment that cannot take effect, and keys set twice: both are errors.

A sweep labels each run with its factor values.  A factor that the model never sees (its value
is replaced by a later layer, it belongs to a policy that is off in every cell, or it is the
run seed, which each replication sets itself) would label runs with values that never ran, so
it is refused when the experiment is read, before anything is written.  The checks work on the
resolved scenarios as the model sees them (:func:`effective`), not on the file's text.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sim.common.errors import ConfigError
from sim.scenario.validate import show

ALWAYS_READ = ("hiring",)  # policy blocks the model reads even when switched off
SEED_KEY = "run.seed"
WEEKS_KEY = "run.weeks"
EFFECT_POINTS = 50  # grid points a sampled factor is tried at (the first ones of the grid)


def effective(cell: dict) -> dict:
    """A cell as the model sees it: no name or description, no run seed (each replication
    brings its own), and a switched-off policy reduced to ``enabled``.

    The model builds only the policies that are switched on
    (``sim.policies.registry.build_policies``), except hiring, whose settings apply either way.
    """
    pols = {name: block if block.get("enabled", True) or name in ALWAYS_READ
            else {"enabled": False} for name, block in cell.get("policies", {}).items()}
    run = {k: v for k, v in cell.get("run", {}).items() if k != "seed"}
    return {**{k: v for k, v in cell.items() if k not in ("name", "description")},
            "run": run, "policies": pols}


def effective_key(cell: dict) -> str:
    return hashlib.sha256(json.dumps(effective(cell), sort_keys=True).encode()).hexdigest()


def flatten_once(table: dict, path, where: str, prefix: str = "",
                 seen: dict[str, str] | None = None) -> dict[str, Any]:
    """Nested or quoted dotted keys to dotted keys; a key reached twice is an error.

    TOML keeps ``"org.n_reps" = 1`` (one quoted key) and ``org.n_reps = 2`` (a table) apart,
    so both can sit in one table; a plain merge would let one silently win.
    """
    seen = {} if seen is None else seen
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten_once(value, path, where, name + ".", seen))
            continue
        written = ".".join(f'"{p}"' if "." in p else p for p in [*prefix.split(".")[:-1], key]
                           if p) if prefix else (f'"{key}"' if "." in key else key)
        if name in seen:
            raise ConfigError(f"{path}: [{where}] {written} = {show(value)}: this setting is "
                              f"already given as {seen[name]}; set each key once")
        seen[name] = written
        out[name] = value
    return out


def refuse(path, where: str, key: str, value: Any, why: str) -> ConfigError:
    return ConfigError(f"{path}: {where}.\"{key}\" = {show(value)}: cannot take effect: {why}")


def check_layers(exp) -> None:
    """Keys that a later layer always replaces, the run seed, and weeks fixed by the experiment.

    Layers apply in order [set] -> policy -> season -> factors -> experiment.weeks.
    """
    grid, sample = exp.levels, (exp.sample.ranges if exp.sample else {})
    for key in grid:
        if key in sample:
            raise ConfigError(f"{exp.path}: factors.\"{key}\" = {show(grid[key])}: also listed "
                              "in [factors.sample] ranges; give each factor once")
    factors = {**grid, **sample}
    layers = [("set", exp.sets)]
    layers += [(f"policies.{name}", o) for name, o in exp.policies.items()]
    layers += [(f"experiment.seasons.{name}", o) for name, o in exp.seasons.items()]
    layers += [("factors", grid), ("factors.sample.ranges", sample)]
    for where, overlay in layers:
        for key, value in overlay.items():
            if key == SEED_KEY:
                raise refuse(exp.path, where, key, value, "each replication's seed comes from "
                             "experiment.seed (common random numbers); change that instead")
            if key == WEEKS_KEY and exp.weeks is not None:
                raise refuse(exp.path, where, key, value, f"experiment.weeks = {exp.weeks} sets "
                             "the horizon of every run; remove one of the two")
            if where.startswith(("set", "policies", "experiment.seasons")) and key in factors:
                raise refuse(exp.path, where, key, value, "it is also a factor, and the factor's "
                             "values replace it in every run")
    for key, value in exp.sets.items():
        for kind, overlays in (("policy", exp.policies), ("season", exp.seasons)):
            if overlays and all(key in o for o in overlays.values()):
                raise refuse(exp.path, "set", key, value, f"every {kind} sets it again")


def _groups(design, key: str) -> dict[tuple, set[str]]:
    """Cells that differ only in ``key``: (other factors, season, policy) -> effective keys."""
    others = [k for k in design.factor_keys if k != key]
    cells = design.table.drop_duplicates("point_id")
    out: dict[tuple, set[str]] = {}
    for point_id, season, policy, f in zip(cells["point_id"], cells["season"], cells["policy"],
                                           cells["factor_point"]):
        point = design.points[int(f)]
        label = (json.dumps([point[k] for k in others], sort_keys=True, default=str), season,
                 policy)
        out.setdefault(label, set()).add(effective_key(design.cells[int(point_id)]))
    return out


def check_factor_effects(exp, design, resolve) -> None:
    """Every factor must change what some run of the design sees.

    A grid factor is compared across its levels with all else held fixed (cells that exist in
    the design); a sampled factor is tried at the ends of its range at the first grid points.
    ``resolve(point, season, policy)`` gives a validated cell.
    """
    for key, values in exp.levels.items():
        if len(values) > 1 and all(len(v) == 1 for v in _groups(design, key).values()):
            raise refuse(exp.path, "factors", key, values, _why_not(exp, key))
    if not exp.sample:
        return
    grid_points = list(dict.fromkeys(json.dumps({k: p[k] for k in exp.levels}, sort_keys=True,
                                                default=str) for p in design.points))
    for key, (lo, hi) in exp.sample.ranges.items():
        base = [json.loads(g) for g in grid_points[:EFFECT_POINTS]]
        point0 = design.points[0]
        seen = False
        for grid in base:
            for season in exp.seasons:
                for policy in exp.policies:
                    ends = [effective_key(resolve({**point0, **grid, key: end}, season, policy))
                            for end in (lo, hi)]
                    seen = seen or ends[0] != ends[1]
        if not seen:
            raise refuse(exp.path, "factors.sample.ranges", key, [lo, hi], _why_not(exp, key))


def _why_not(exp, key: str) -> str:
    parts = key.split(".")
    if parts[0] == "policies" and parts[1] not in ALWAYS_READ and parts[-1] != "enabled":
        return (f"policy '{parts[1]}' is off in every run, so the model never reads it; switch "
                f"it on in a policy, e.g. {{ \"policies.{parts[1]}.enabled\" = true }}")
    return "no run of the design sees a different scenario when it changes"
