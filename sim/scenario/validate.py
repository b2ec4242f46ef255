"""Check scenario data against the typed parameters and explain what is wrong in one line.

Every rule comes from the field declarations in :mod:`sim.world.params` and :mod:`sim.policies.params`
(type annotation plus ``lo``, ``hi``, ``choices`` and ``length`` metadata); a few rules that
span several values (monthly shares sum to 1, a custom calendar needs a profile) are here.
Messages follow one pattern: ``FILE: key.path = VALUE: what is allowed``.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from typing import Any

from sim.common.errors import ConfigError
from sim.policies.params import POLICY_CLASSES
from sim.scenario.schema import SECTIONS

TACTIC_NAMES = ("quiet_quitting", "peak_underperformance", "withholding", "cherry_picking",
                "false_urgency")
# Allowed items of list settings whose items are names rather than numbers.
ITEM_CHOICES = {"tactics.enabled": TACTIC_NAMES}
# What list settings hold, in words, for messages and the reference doc.
LIST_MEANING = {"season.monthly": "monthly shares of the year adding up to 1",
                "season.weekly": "weekly demand multipliers, each above 0",
                "tactics.enabled": "tactic names"}
TOP_KEYS = {"name": "str", "description": "str"}
SUM_TOLERANCE = 1e-6
MAX_SHOWN = 60
# Bounds for what one declaration cannot say.  A numeric parameter without its own ``hi`` (the
# test suite refuses such declarations) is still capped, and a run's size is capped as a whole,
# so that no accepted scenario runs out of memory.
FALLBACK_HI = 1e12
LIST_ITEM_HI = {"season.weekly": 1000.0, "season.monthly": 1.0}
MAX_ACCOUNTS = 2_000_000        # org.n_reps x accounts.per_rep
MAX_REP_WEEKS = 20_000_000      # org.n_reps x run.weeks (the rep-by-week panel)


# ---------------------------------------------------------------- schema lookups

def field_kind(f: dataclasses.Field) -> str:
    """'int', 'float', 'str', 'bool' or 'list' from the field's annotation."""
    t = f.type if isinstance(f.type, str) else f.type.__name__
    return t.split("[")[0]


def section_fields(cls: type) -> dict[str, dataclasses.Field]:
    return {f.name: f for f in dataclasses.fields(cls)}


def all_paths() -> list[str]:
    """Every settable dotted path, e.g. 'org.n_reps' or 'policies.rotation.share'."""
    paths = list(TOP_KEYS)
    for sec, cls in SECTIONS.items():
        paths += [f"{sec}.{n}" for n in section_fields(cls)]
    for pol, cls in POLICY_CLASSES.items():
        paths += [f"policies.{pol}.{n}" for n in section_fields(cls)]
    return paths


def lookup_field(path: str) -> dataclasses.Field | None:
    """The field declared at a dotted path, or None (also None for 'name'/'description')."""
    parts = path.split(".")
    if len(parts) == 2 and parts[0] in SECTIONS:
        return section_fields(SECTIONS[parts[0]]).get(parts[1])
    if len(parts) == 3 and parts[0] == "policies" and parts[1] in POLICY_CLASSES:
        return section_fields(POLICY_CLASSES[parts[1]]).get(parts[2])
    return None


def did_you_mean(word: str, options, template: str = "'{}'") -> str:
    """" (did you mean 'x'?)" for the closest valid name, or ''."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {template.format(close[0])}?)" if close else ""


# Settings that were removed, with what to use instead (the message names it).
REMOVED = {
    "comp.team_pool_share": "policies.team_bonus.pool_share (with policies.team_bonus.enabled "
                            "= true)",
    "comp.team_scope": "policies.team_bonus.scope (with policies.team_bonus.enabled = true)",
    "comp.team_split": "policies.team_bonus.split (with policies.team_bonus.enabled = true)",
}


def suggest_path(path: str) -> str:
    """Suggestion for an unknown dotted path: its replacement if it was removed, a near
    spelling, or the same key elsewhere."""
    if path in REMOVED:
        return (f"; there is one way to set a team bonus: this setting was removed, use "
                f"{REMOVED[path]}")
    hint = did_you_mean(path, all_paths())
    if hint:
        return hint
    last = path.rsplit(".", 1)[-1]
    elsewhere = [p for p in all_paths() if p.rsplit(".", 1)[-1] == last]
    return f" (did you mean '{elsewhere[0]}'?)" if elsewhere else ""


# ---------------------------------------------------------------- words

def show(value: Any) -> str:
    """A value as the user would write it in TOML, shortened to fit on one line."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (list, tuple)):
        text = "[" + ", ".join(show(v) for v in value) + "]"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k} = {show(v)}" for k, v in value.items()) + "}"
    else:
        text = repr(value)
    text = text.replace("\n", " ")
    if len(text) <= MAX_SHOWN:
        return text
    return text[:MAX_SHOWN - 5] + (" ...]" if text[0] == "[" else " ...")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


def range_text(lo: float | None, hi: float | None) -> str:
    """' from 0 to 1', ' of at least 1', ' above 0' or ''."""
    if lo is not None and 0 < lo < 1e-6:
        return " above 0" + (f" and at most {_num(hi)}" if hi is not None else "")
    if lo is not None and hi is not None:
        return f" from {_num(lo)} to {_num(hi)}"
    if lo is not None:
        return f" of at least {_num(lo)}"
    if hi is not None:
        return f" of at most {_num(hi)}"
    return ""


def allowed_text(kind: str, meta: dict | None = None, path: str = "") -> str:
    """What a setting accepts, in plain words: 'a number from 0 to 1', 'true or false' ..."""
    meta = meta or {}
    if kind == "bool":
        return "true or false"
    if kind == "str":
        if meta.get("choices"):
            return "one of " + ", ".join(repr(c) for c in meta["choices"])
        return "text in quotes"
    if kind in ("int", "float"):
        noun = "a whole number" if kind == "int" else "a number"
        return noun + range_text(meta.get("lo"), meta.get("hi"))
    if kind == "list":
        what = LIST_MEANING.get(path, "values")
        if path in ITEM_CHOICES:
            what += " from " + ", ".join(repr(c) for c in ITEM_CHOICES[path])
        lengths = meta.get("length")
        if lengths:
            sizes = " or ".join(str(n) for n in lengths)
            return f"a list of {sizes} {what}".replace("a list of 0 or", "an empty list [] or")
        return f"a list of {what}"
    return kind


# ---------------------------------------------------------------- checking

class Checker:
    """Validates one nested dict; ``origins`` maps dotted paths to the file that set them."""

    def __init__(self, source: str, origins: dict[str, str] | None = None):
        self.source = source
        self.origins = origins or {}

    def origin(self, path: str) -> str:
        key = path.split("[")[0]
        while key:
            if key in self.origins:
                return self.origins[key]
            key = key.rpartition(".")[0]
        return self.source

    def fail(self, path: str, value: Any, allowed: str) -> ConfigError:
        return ConfigError(f"{self.origin(path)}: {path} = {show(value)}: {allowed}")

    def fail_table(self, path: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.origin(path)}: [{path}]: {problem}")

    # -- one value

    def number(self, path: str, value: Any, kind: str, meta: dict) -> int | float:
        allowed = allowed_text(kind, meta, path)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(path, value, f"expected {allowed}")
        if kind == "int" and isinstance(value, float):
            hint = f" (write {int(value)})" if math.isfinite(value) and value.is_integer() else ""
            raise self.fail(path, value, f"expected an integer, without a decimal point{hint}; "
                            f"allowed: {allowed}")
        if isinstance(value, float) and not math.isfinite(value):
            what = "not a number (nan)" if math.isnan(value) else "infinity"
            raise self.fail(path, value, f"{what} is not allowed; expected {allowed}")
        lo, hi = meta.get("lo"), meta.get("hi")
        if hi is None:
            hi = FALLBACK_HI
            allowed = allowed_text(kind, {**meta, "hi": hi}, path)
        if (lo is not None and value < lo) or value > hi:
            raise self.fail(path, value, f"out of range; allowed: {allowed}")
        return float(value) if kind == "float" else value

    def text(self, path: str, value: Any, meta: dict, what: str = "choice") -> str:
        allowed = allowed_text("str", meta, path)
        if not isinstance(value, str):
            raise self.fail(path, value, f"expected {allowed}")
        if meta.get("choices") and value not in meta["choices"]:
            raise self.fail(path, value, f"unknown {what}{did_you_mean(value, meta['choices'])}"
                            f"; allowed: {allowed}")
        return value

    def items(self, path: str, value: Any, meta: dict, default: list) -> list:
        allowed = allowed_text("list", meta, path)
        if not isinstance(value, list):
            raise self.fail(path, value, f"expected {allowed}")
        if meta.get("length") and len(value) not in meta["length"]:
            raise self.fail(path, value, f"has {len(value)} items; expected {allowed}")
        names = ITEM_CHOICES.get(path)
        if names or (default and isinstance(default[0], str)):
            what = path.split(".")[0].rstrip("s")  # "tactics" -> "tactic"
            out = [self.text(f"{path}[{i}]", v, {"choices": names}, what)
                   for i, v in enumerate(value)]
            return list(dict.fromkeys(out))
        item = {"hi": LIST_ITEM_HI.get(path, FALLBACK_HI)}
        return [self.number(f"{path}[{i}]", v, "float", item) for i, v in enumerate(value)]

    def value(self, path: str, value: Any, f: dataclasses.Field) -> Any:
        kind, meta = field_kind(f), dict(f.metadata)
        if kind in ("int", "float"):
            return self.number(path, value, kind, meta)
        if kind == "str":
            return self.text(path, value, meta)
        if kind == "bool":
            if not isinstance(value, bool):
                raise self.fail(path, value, "expected true or false")
            return value
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else []
        return self.items(path, value, meta, default)

    # -- tables

    def table(self, path: str, block: Any, cls: type) -> dict:
        if not isinstance(block, dict):
            raise self.fail(path, block, f"expected a table [{path}] of settings")
        fields = section_fields(cls)
        out = {}
        for key, val in block.items():
            sub = f"{path}.{key}"
            if key not in fields:
                raise self.fail(sub, val, f"unknown setting in [{path}]{suggest_path(sub)}")
            out[key] = self.value(sub, val, fields[key])
        return out

    def policies(self, block: Any) -> dict:
        if not isinstance(block, dict):
            raise self.fail("policies", block, "expected [policies.NAME] tables")
        out = {}
        for name, sub in block.items():
            if name not in POLICY_CLASSES:
                hint = did_you_mean(name, POLICY_CLASSES, "[policies.{}]")
                raise self.fail_table(f"policies.{name}", f"unknown policy{hint}; known "
                                      "policies: " + ", ".join(POLICY_CLASSES))
            out[name] = self.table(f"policies.{name}", sub, POLICY_CLASSES[name])
        return out

    def top(self, key: str, value: Any) -> str:
        if not isinstance(value, str):
            raise self.fail(key, value, "expected text in quotes")
        if key == "name" and (not value.strip() or value.startswith(".") or len(value) > 100
                              or any(c in value for c in "/\\") or not value.isprintable()):
            raise self.fail(key, value, "expected a short name without slashes, "
                            "e.g. 'rotation-26w'")
        return value

    def check(self, data: Any) -> dict:
        if not isinstance(data, dict):
            raise ConfigError(f"{self.source}: expected a table of settings")
        out: dict = {}
        for key, val in data.items():
            if key in TOP_KEYS:
                out[key] = self.top(key, val)
            elif key in SECTIONS:
                out[key] = self.table(key, val, SECTIONS[key])
            elif key == "policies":
                out[key] = self.policies(val)
            elif isinstance(val, dict):
                hint = did_you_mean(key, [*SECTIONS, "policies"], "[{}]")
                raise self.fail_table(key, f"unknown section{hint}; sections: "
                                      + ", ".join(SECTIONS) + ", policies")
            else:
                raise self.fail(key, val, "unknown setting at the top level" + suggest_path(key))
        self.season(out.get("season", {}))
        self.size(out)
        return out

    def size(self, data: dict) -> None:
        """Rules that bound the size of one run as a whole (memory), beyond each value's range."""
        def get(section: str, key: str):
            value = data.get(section, {}).get(key)
            return value if value is not None else section_fields(SECTIONS[section])[key].default
        reps, per_rep, weeks = get("org", "n_reps"), get("accounts", "per_rep"), get("run", "weeks")
        if reps * per_rep > MAX_ACCOUNTS:
            path = "accounts.per_rep" if "per_rep" in data.get("accounts", {}) else "org.n_reps"
            raise self.fail(path, per_rep if path == "accounts.per_rep" else reps,
                            f"org.n_reps x accounts.per_rep = {reps * per_rep:,.0f} accounts; "
                            f"at most {MAX_ACCOUNTS:,} fit in one run")
        if reps * weeks > MAX_REP_WEEKS:
            path = "run.weeks" if "weeks" in data.get("run", {}) else "org.n_reps"
            raise self.fail(path, weeks if path == "run.weeks" else reps,
                            f"org.n_reps x run.weeks = {reps * weeks:,} rep-weeks; at most "
                            f"{MAX_REP_WEEKS:,} fit in one run")

    def season(self, season: dict) -> None:
        """Rules that span several season values."""
        monthly, weekly = season.get("monthly", []), season.get("weekly", [])
        if monthly:
            for i, share in enumerate(monthly):
                if share < 0:
                    raise self.fail(f"season.monthly[{i}]", share, "a monthly share must be 0 "
                                    "or more")
            total = math.fsum(monthly)
            if abs(total - 1.0) > SUM_TOLERANCE:
                raise self.fail("season.monthly", monthly, "the 12 monthly shares must add up "
                                f"to 1; these add up to {total:.6g}")
        for i, mult in enumerate(weekly):
            if mult <= 0:
                raise self.fail(f"season.weekly[{i}]", mult, "a weekly multiplier must be above 0")
        if season.get("calendar") == "custom" and not (monthly or weekly):
            raise self.fail("season.calendar", "custom", "a custom calendar needs season.monthly "
                            "(12 shares) or season.weekly (52 multipliers)")


def validate_dict(data: dict, source: str, origins: dict[str, str] | None = None) -> dict:
    """Return a clean copy of ``data`` (ints widened to floats where a float is declared).

    Raises :class:`ConfigError` with a one-line message on the first problem found.
    ``origins`` (optional) maps dotted paths to the file or ``--set`` that supplied them, so
    the message names the right source.
    """
    return Checker(source, origins).check(data)
