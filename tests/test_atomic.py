"""Atomic writes: the target is either the old file or the complete new one."""

from __future__ import annotations

import pytest

from sim.common.atomic import atomic_path, ensure_writable_dir, write_bytes_atomic, write_text_atomic
from sim.common.errors import UserError


def test_write_text_and_bytes(tmp_path):
    target = tmp_path / "a.txt"
    write_text_atomic(target, "héllo\n")
    assert target.read_text(encoding="utf-8") == "héllo\n"
    write_bytes_atomic(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_atomic_path_keeps_suffix_and_replaces(tmp_path):
    target = tmp_path / "fig.png"
    target.write_bytes(b"old")
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".png" and tmp != target
        tmp.write_bytes(b"new")
        assert target.read_bytes() == b"old"
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.png"]


def test_failure_leaves_old_file_and_no_temp(tmp_path):
    target = tmp_path / "data.json"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("writer failed")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.json"]


def test_temp_names_are_unique(tmp_path):
    with atomic_path(tmp_path / "x") as a, atomic_path(tmp_path / "x") as b:
        assert a != b
        a.write_text("1")
        b.write_text("2")
    # The inner block (b) finishes first; the outer one (a) replaces it last.
    assert (tmp_path / "x").read_text() == "1"


def test_ensure_writable_dir_creates_nested(tmp_path):
    out = ensure_writable_dir(tmp_path / "a" / "b")
    assert out.is_dir() and list(out.iterdir()) == []


def test_ensure_writable_dir_under_a_file(tmp_path):
    blocker = tmp_path / "somefile"
    blocker.write_text("x")
    with pytest.raises(UserError) as err:
        ensure_writable_dir(blocker / "sub")
    msg = str(err.value)
    assert msg.startswith(f"{blocker / 'sub'}: output directory is not writable (")
    assert "somefile is a file, not a folder" in msg and "\n" not in msg


def test_ensure_writable_dir_that_is_a_file(tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("x")
    with pytest.raises(UserError, match="is a file, not a folder"):
        ensure_writable_dir(blocker)
