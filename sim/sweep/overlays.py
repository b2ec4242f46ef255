"""The overlays of an experiment: dotted keys that a policy or a season changes.

A policy is a scenario file (what it changes relative to the experiment's base) or an inline
table of dotted keys; a season is a built-in calendar name or a scenario file whose ``season.*``
keys differ from the base.  Also the small helpers that check a dotted key and word an error.
"""

from __future__ import annotations

import copy
import difflib
from pathlib import Path
from typing import Any

from sim.common.errors import ConfigError
from sim.scenario.schema import Scenario, scenario_to_dict
from sim.scenario.validate import show
from sim.sweep.effects import flatten_once
from sim.sweep.task import flatten
from sim.world.seasons import BUILTIN_MONTHLY

SKIPPED_IN_OVERLAYS = ("name", "description", "run.")


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
        from sim.scenario.validate import REMOVED
        close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        if key in REMOVED:
            hint = f"; it was removed (one way to set a team bonus): use {REMOVED[key]}"
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
    flat = flatten_once(table, exp_path, key)
    for dotted, value in flat.items():
        check_path(exp_path, key, dotted, value)
    for dotted in list(flat):
        parts = dotted.split(".")
        if parts[0] == "policies" and f"policies.{parts[1]}.enabled" not in flat:
            flat[f"policies.{parts[1]}.enabled"] = True
    return flat



# ---------------------------------------------------------------- seasons and policies

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
