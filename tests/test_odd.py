"""docs/ODD.md stays true to the code: generated tables are fresh, and every parameter, state
index, schedule step, tactic, sign and KPI of the code appears in it."""

from __future__ import annotations

import dataclasses
import inspect
import re

import pytest

import sim.scenario.odd_tables as odd_tables
from sim.world.agents import INDICES, SIGNALS, TACTICS
from sim.world.model import SalesModel
from sim.scenario.odd_tables import BEGIN, END, Const, locate, render
from sim.policies.params import POLICY_CLASSES
from sim.scenario.runner import collect_result
from sim.scenario.schema import SECTIONS, Scenario

DOC = odd_tables.DOC_PATH.read_text(encoding="utf-8")


def section(number: int) -> str:
    """Text of the top-level section '## N. ...' up to the next top-level heading."""
    m = re.search(rf"^## {number}\. .*?(?=^## \d+\. |\Z)", DOC, flags=re.S | re.M)
    assert m, f"ODD.md has no section {number}"
    return m.group(0)


def test_generated_tables_are_fresh():
    assert render(DOC) == DOC, "run: python -m sim.scenario.odd_tables"


def test_check_mode_agrees(capsys):
    assert odd_tables.main(["--check"]) == 0


@pytest.mark.parametrize("prefix,cls", [*SECTIONS.items(),
                                        *((f"policies.{k}", v) for k, v in POLICY_CLASSES.items())])
def test_every_parameter_has_a_row(prefix, cls):
    tables = section(8)
    for f in dataclasses.fields(cls):
        assert f"| `{prefix}.{f.name}` |" in tables, f"{prefix}.{f.name} missing from ODD 8"
        assert f.metadata.get("source"), f"{prefix}.{f.name} has no source"


def test_calibrated_parameters_exist_and_are_marked():
    paths = {f"{sec}.{f.name}" for sec, cls in SECTIONS.items() for f in dataclasses.fields(cls)}
    paths |= {f"policies.{p}.{f.name}" for p, cls in POLICY_CLASSES.items()
              for f in dataclasses.fields(cls)}
    tables = section(8)
    for path, target in odd_tables.CALIBRATED.items():
        assert path in paths, path
        row = next(line for line in tables.splitlines() if line.startswith(f"| `{path}` |"))
        assert f"calibrated: {target}" in row


def test_render_replaces_only_the_marked_block():
    doc = f"intro\n{BEGIN}\nstale\n{END}\noutro\n"
    out = render(doc)
    assert out.startswith("intro\n" + BEGIN) and out.endswith(END + "\noutro\n")
    assert "stale" not in out and "`comp.cap`" in out


def test_render_needs_the_markers():
    with pytest.raises(ValueError, match="BEGIN PARAMETER TABLES"):
        render("no markers here")


def test_constants_must_match_one_line(tmp_path):
    (tmp_path / "m.py").write_text("A = 1.5\nB = 2\nB = 2\n", encoding="utf-8")
    assert locate(Const("m.py", "A = 1.5", ""), tmp_path) == 1
    with pytest.raises(ValueError, match="not found"):
        locate(Const("m.py", "A = 1.6", ""), tmp_path)
    with pytest.raises(ValueError, match=r"lines \[2, 3\]"):
        locate(Const("m.py", "B = 2", ""), tmp_path)


def test_schedule_matches_model_step():
    src = inspect.getsource(SalesModel.step)
    steps = re.findall(r"#\s*(\d+)\.\s*(.+?)\s*$", src, flags=re.M)
    assert [int(n) for n, _ in steps] == list(range(1, len(steps) + 1))
    text = section(3).lower()
    for n, name in steps:
        assert f"{n}. **{name.lower()}.**" in text, f"step {n} ({name}) missing from ODD 3"
    assert f"{len(steps) + 1}. **" not in text


def test_every_state_index_is_documented():
    text = section(2)
    for k in INDICES:
        assert re.search(rf"^\| `{k}` \| .+ \| \[0, 1\] \|", text, flags=re.M), k


def test_every_tactic_and_sign_is_described():
    text = section(7)
    for t in TACTICS:
        assert f"(`{t}`)" in text, t
    for s in SIGNALS:
        assert f"`{s}`" in text, s


def test_every_kpi_is_defined():
    sc = Scenario()
    sc.org.n_reps, sc.org.span = 12, 4
    model = SalesModel(sc, rng=1, weeks=20, panel=False)
    model.run()
    keys = collect_result(model, panel=False).summary
    text = section(10)
    for k in keys:
        assert f"`{k}`" in text, f"KPI {k} missing from ODD 10"
