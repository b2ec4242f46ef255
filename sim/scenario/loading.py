"""Load scenario files: TOML reading, ``extends`` chains, ``--set`` overrides, TOML output.

A scenario file is data only: it is parsed with :mod:`tomllib` and never executed.  Loading
goes file -> files it extends (merged, the extending file wins) -> ``[policies.NAME]`` blocks
without ``enabled`` are switched on -> ``--set`` overrides -> validation
(:mod:`sim.scenario.validate`) -> :class:`~sim.scenario.schema.Scenario`.
"""

from __future__ import annotations

import copy
import math
import os
import re
import stat
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.common.errors import ConfigError
from sim.scenario.schema import Scenario, scenario_from_dict
from sim.scenario.validate import (TOP_KEYS, allowed_text, field_kind, lookup_field, suggest_path,
                       validate_dict)

__all__ = ["load_scenario", "validate_dict", "apply_sets", "dump_toml", "read_toml",
           "parse_toml", "SET_SOURCE"]

SET_SOURCE = "--set"
MAX_FILE_BYTES = 1_000_000  # scenario and experiment files are small; bigger is a mistake
MAX_DEPTH = 16              # nesting of tables and lists
BOM = b"\xef\xbb\xbf"
MAX_ECHO = 80               # longest --set item repeated in a message
_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_AT_END = re.compile(r"\s*\(at end of document\)\s*$")
_TUPLE = re.compile(r"\((?:'[^']*',?\s?)+\)")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


# ---------------------------------------------------------------- reading TOML

def _toml_reason(message: str, text: str) -> tuple[int, int, str]:
    """Line, column and a plain reason from a tomllib error message."""
    line, col = 1, 1
    m = _AT.search(message)
    if m:
        line, col = int(m.group(1)), int(m.group(2))
        message = message[:m.start()]
    elif _AT_END.search(message):
        lines = text.split("\n")
        line, col = len(lines), len(lines[-1]) + 1
        message = _AT_END.sub("", message)
    # "Cannot declare ('org', 'span') twice" -> "Cannot declare org.span twice"
    message = _TUPLE.sub(lambda t: ".".join(re.findall(r"'([^']*)'", t.group())), message)
    reason = message[:1].lower() + message[1:]
    if reason.startswith("invalid value"):
        reason += " (text must be in quotes, e.g. calendar = \"flat\")"
    return line, col, reason


def parse_toml(text: str, shown: str) -> dict:
    """Parse TOML text; a syntax error becomes ``FILE:LINE:COL: invalid TOML: reason``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        line, col, reason = _toml_reason(str(err), text)
        raise ConfigError(f"{shown}:{line}:{col}: invalid TOML: {reason}") from None
    except RecursionError:
        data = None
    except ValueError as err:  # e.g. an integer with thousands of digits
        raise ConfigError(f"{shown}: invalid TOML: {' '.join(str(err).split())[:100]}") from None
    if data is None or _depth(data) > MAX_DEPTH:
        raise ConfigError(f"{shown}: tables or lists are nested more than {MAX_DEPTH} deep; a "
                          "scenario needs at most 4")
    return data


def _depth(value: Any, level: int = 0) -> int:
    """How deeply tables and lists nest (stops counting past MAX_DEPTH)."""
    if level > MAX_DEPTH or not isinstance(value, (dict, list)):
        return level
    items = value.values() if isinstance(value, dict) else value
    return max((_depth(v, level + 1) for v in items), default=level + 1)


def read_toml(path: str | os.PathLike, shown: str | None = None) -> dict:
    """Read and parse one TOML file; ``shown`` is how the file is named in messages."""
    path = Path(path)
    shown = str(path) if shown is None else shown
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ConfigError(f"{shown}: file not found") from None
    except OSError as err:
        raise ConfigError(f"{shown}: cannot read the file ({(err.strerror or '').lower()})") \
            from None
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"{shown}: is a folder, not a TOML file")
    if not stat.S_ISREG(info.st_mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(info.st_mode) else
                "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else
                "a socket" if stat.S_ISSOCK(info.st_mode) else "not a regular file")
        raise ConfigError(f"{shown}: is {kind}, not a TOML file")
    if info.st_size > MAX_FILE_BYTES:
        raise ConfigError(f"{shown}: is {info.st_size:,} bytes; a scenario or experiment file "
                          f"is at most {MAX_FILE_BYTES:,} bytes")
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise ConfigError(f"{shown}: cannot read the file ({(err.strerror or '').lower()})") \
            from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(f"{shown}: is more than {MAX_FILE_BYTES:,} bytes; a scenario or "
                          "experiment file is at most that")
    if raw.startswith(BOM):
        raw = raw[len(BOM):]  # a UTF-8 byte order mark (some Windows editors add one)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        before = raw[:err.start]
        line, col = before.count(b"\n") + 1, err.start - before.rfind(b"\n")
        raise ConfigError(f"{shown}:{line}:{col}: not a UTF-8 text file (byte "
                          f"0x{raw[err.start]:02x}); save it as UTF-8") from None
    return parse_toml(text, shown)


# ---------------------------------------------------------------- extends

def deep_merge(base: dict, over: dict) -> dict:
    """A new dict: ``over`` wins; tables present in both are merged key by key."""
    out = dict(base)
    for key, val in over.items():
        if isinstance(val, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], val)
        else:
            out[key] = val
    return out


def _paths(data: dict, prefix: str = ""):
    """Every dotted path in a nested dict, tables included."""
    for key, val in data.items():
        path = f"{prefix}{key}"
        yield path
        if isinstance(val, dict):
            yield from _paths(val, path + ".")


def _load_chain(path: Path, shown: str, chain: list[tuple[Path, str]]) -> tuple[dict, dict]:
    """Data of ``path`` merged over everything it extends, plus path -> file origins."""
    data = read_toml(path, shown)
    ext = data.pop("extends", None)
    origins = {p: shown for p in _paths(data)}
    if ext is None:
        return data, origins
    if not isinstance(ext, str) or not ext.strip():
        raise ConfigError(f"{shown}: extends = {ext!r}: expected the name of another scenario "
                          "file in quotes, e.g. extends = \"baseline.toml\"")
    parent = path.parent / ext
    parent_shown = os.path.normpath(os.path.join(os.path.dirname(shown), ext))
    here = [*chain, (path.resolve(), shown)]
    if parent.resolve() in [real for real, _ in here]:
        loop = " -> ".join([name for _, name in here] + [parent_shown])
        raise ConfigError(f"{shown}: extends = {ext!r}: these files extend each other in a "
                          f"loop ({loop})")
    if not parent.is_file():
        what = "is a folder, not a file" if parent.is_dir() else "file not found"
        raise ConfigError(f"{shown}: extends = {ext!r}: {what} ({parent_shown}; the path is "
                          "relative to the extending file's folder)")
    base, base_origins = _load_chain(parent, parent_shown, here)
    base.pop("name", None)  # a name belongs to the file that declares it
    base_origins.pop("name", None)
    base_origins.update(origins)
    return deep_merge(base, data), base_origins


def enable_present_policies(data: dict) -> None:
    """Switch on every ``[policies.NAME]`` block that does not say ``enabled`` itself."""
    policies = data.get("policies")
    if isinstance(policies, dict):
        for block in policies.values():
            if isinstance(block, dict):
                block.setdefault("enabled", True)


# ---------------------------------------------------------------- --set

def _quote_set(item: str) -> str:
    """The override as typed, or quoted when it holds line breaks or control characters;
    cut to MAX_ECHO characters."""
    text = item if item.isprintable() else repr(item)
    return text if len(text) <= MAX_ECHO else text[:MAX_ECHO - 4] + " ..."


def _parse_set_value(item: str, key: str, text: str) -> Any:
    """The TOML value of one ``--set`` right-hand side (bare text for text settings)."""
    f = lookup_field(key)
    kind = field_kind(f) if f is not None else TOP_KEYS[key]
    try:
        parsed = tomllib.loads(f"v = {text}")
        if set(parsed) == {"v"} and (kind != "str" or isinstance(parsed["v"], str)):
            return parsed["v"]
    except (ValueError, RecursionError):  # TOMLDecodeError, or a number too long to read
        pass
    if kind == "str" and text and "\n" not in text:
        return text  # a bare word (or number) for a text setting
    allowed = allowed_text(kind, dict(f.metadata) if f is not None else {}, key)
    raise ConfigError(f"{SET_SOURCE} {_quote_set(item)}: cannot parse {_quote_set(text)!r} as a value; "
                      f"expected {allowed}")


def apply_sets(data: dict, sets: Sequence[str], origins: dict[str, str] | None = None) -> dict:
    """A copy of ``data`` with each ``KEY.PATH=VALUE`` override applied.

    VALUE is read as a TOML value (``0.1``, ``true``, ``"text"``, ``[1, 2]``); text settings
    also take bare words (``--set comp.quota_period=month``).  Paths must name a known setting.
    When ``origins`` is given, each overridden path is recorded as coming from ``--set``.
    """
    out = copy.deepcopy(data)
    given: dict[str, str] = {}
    for item in sets:
        key, sep, text = item.partition("=")
        key, text = key.strip(), text.strip()
        if not sep or not key:
            raise ConfigError(f"{SET_SOURCE} {_quote_set(item)}: expected KEY.PATH=VALUE, for "
                              "example --set comp.commission_rate=0.1")
        if key in given:
            raise ConfigError(f"{SET_SOURCE} {_quote_set(item)}: {key} is already set by "
                              f"{SET_SOURCE} {_quote_set(given[key])}; give each key once")
        given[key] = item
        if key not in TOP_KEYS and lookup_field(key) is None:
            raise ConfigError(f"{SET_SOURCE} {_quote_set(item)}: unknown setting {key!r}"
                              f"{suggest_path(key) or '; see docs/scenario-reference.md'}")
        value = _parse_set_value(item, key, text)
        *tables, leaf = key.split(".")
        node = out
        for part in tables:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[leaf] = value
        if origins is not None:
            origins[key] = SET_SOURCE
    return out


# ---------------------------------------------------------------- loading

def load_scenario(path: str | os.PathLike | None = None, sets: Sequence[str] = ()) -> Scenario:
    """Load, merge, override and validate a scenario; ``None`` means the built-in baseline."""
    if path is None:
        data, origins, source = {"name": "baseline"}, {}, "baseline"
    else:
        source = str(path)
        data, origins = _load_chain(Path(path), source, [])
        data.setdefault("name", Path(path).stem)
    enable_present_policies(data)
    if sets:
        data = apply_sets(data, sets, origins)
    return scenario_from_dict(validate_dict(data, source, origins))


# ---------------------------------------------------------------- writing TOML

def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _toml_string(key)


def _toml_string(text: str) -> str:
    escapes = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
               "\r": "\\r"}
    out = []
    for ch in text:
        if ch in escapes:
            out.append(escapes[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    """One value in TOML syntax; floats use repr so they read back exactly."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as a TOML value")


def dump_toml(data: dict) -> str:
    """TOML text for a nested dict of tables, text, numbers, booleans and lists."""
    lines: list[str] = []

    def table(node: dict, prefix: list[str]) -> None:
        scalars = {k: v for k, v in node.items() if not isinstance(v, dict)}
        subs = {k: v for k, v in node.items() if isinstance(v, dict)}
        if prefix and (scalars or not subs):
            lines.extend(["", "[" + ".".join(_toml_key(p) for p in prefix) + "]"])
        lines.extend(f"{_toml_key(k)} = {toml_value(v)}" for k, v in scalars.items())
        for key, sub in subs.items():
            table(sub, [*prefix, key])

    table(data, [])
    return "\n".join(lines).lstrip("\n") + "\n"
