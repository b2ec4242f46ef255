"""Issue 17: settings that cannot take effect and keys set twice are refused at validation.

Every case goes through both ``salesim validate`` and ``salesim sweep`` (they must agree), must
give one line and exit 2, and the sweep must not create its folder.
"""

from __future__ import annotations

import pandas as pd
import pytest
import sweep_helpers as h

from sim import cli
import sim.sweep.runner as sweep_mod
from sim.sweep.experiment import expand, load_experiment

HEAD = """\
[experiment]
name = "chk"
seed = 1
replications = 1
{weeks}
"""
POLICIES = """
[policies]
baseline = {}
rotation = { "policies.rotation.enabled" = true }
"""

# (case id, experiment text after [experiment], expected fragment of the message)
CASES = [
    ("weeks-factor-with-experiment-weeks", "weeks = 10\n[factors]\n\"run.weeks\" = [20, 40]\n",
     'factors."run.weeks" = [20, 40]: cannot take effect: experiment.weeks = 10'),
    ("weeks-sampled-with-experiment-weeks",
     "weeks = 10\n[factors.sample]\nmethod = \"lhs\"\nn = 4\nranges = { \"run.weeks\" = [5, 9] }\n",
     "factors.sample.ranges.\"run.weeks\" = [5, 9]: cannot take effect"),
    ("weeks-set-with-experiment-weeks", "weeks = 10\n[set]\n\"run.weeks\" = 30\n",
     'set."run.weeks" = 30: cannot take effect: experiment.weeks = 10'),
    ("weeks-in-policy-with-experiment-weeks",
     "weeks = 10\n[policies]\nlong = { \"run.weeks\" = 30 }\n",
     'policies.long."run.weeks" = 30: cannot take effect'),
    ("seed-factor", "[factors]\n\"run.seed\" = [1, 2]\n",
     'factors."run.seed" = [1, 2]: cannot take effect: each replication\'s seed'),
    ("seed-set", "[set]\nrun = { seed = 5 }\n", 'set."run.seed" = 5: cannot take effect'),
    ("seed-in-policy", "[policies]\na = { \"run.seed\" = 5 }\n",
     'policies.a."run.seed" = 5: cannot take effect'),
    ("seed-sampled", "[factors.sample]\nmethod = \"lhs\"\nn = 4\nranges = { \"run.seed\" = [1, 9] }\n",
     'factors.sample.ranges."run.seed" = [1, 9]: cannot take effect'),
    ("set-key-is-a-factor", "[set]\n\"comp.cap\" = 2.0\n[factors]\n\"comp.cap\" = [1.5, 3.0]\n",
     'set."comp.cap" = 2.0: cannot take effect: it is also a factor'),
    ("policy-key-is-a-factor",
     "[policies]\na = { \"comp.cap\" = 2.0 }\nb = {}\n[factors]\n\"comp.cap\" = [1.5, 3.0]\n",
     'policies.a."comp.cap" = 2.0: cannot take effect: it is also a factor'),
    ("set-key-replaced-by-every-policy",
     "[set]\n\"comp.cap\" = 2.0\n[policies]\na = { \"comp.cap\" = 1.5 }\nb = { \"comp.cap\" = 3.0 }\n",
     'set."comp.cap" = 2.0: cannot take effect: every policy sets it again'),
    ("set-calendar-replaced-by-every-season",
     "seasons = [\"flat\", \"holiday_peak\"]\n[set]\n\"season.calendar\" = \"flat\"\n",
     "set.\"season.calendar\" = 'flat': cannot take effect: every season sets it again"),
    ("policy-param-factor-policy-off",
     "[factors]\n\"policies.rotation.share\" = [0.1, 0.3]\n",
     "cannot take effect: policy 'rotation' is off in every run"),
    ("policy-param-sampled-policy-off",
     "[factors.sample]\nmethod = \"lhs\"\nn = 4\nranges = { \"policies.team_bonus.pool_share\" = [0.1, 0.4] }\n",
     "cannot take effect: policy 'team_bonus' is off in every run"),
    ("levels-equal-after-validation", "[factors]\n\"comp.cap\" = [2, 2.0]\n",
     'factors."comp.cap" = [2, 2.0]: cannot take effect: no run of the design sees'),
    ("duplicate-set-quoted-and-table",
     "[set]\n\"org.n_reps\" = 12\norg.n_reps = 20\n",
     "[set] org.n_reps = 20: this setting is already given as \"org.n_reps\""),
    ("duplicate-set-table-and-inline",
     "[set]\norg = { n_reps = 12 }\n\"org.n_reps\" = 20\n",
     "this setting is already given as org.n_reps"),
    ("duplicate-inline-policy",
     "[policies]\na = { \"comp.cap\" = 2.0, comp = { cap = 3.0 } }\n",
     "[policies.a] comp.cap = 3.0: this setting is already given as \"comp.cap\""),
    ("factor-and-sampled-factor",
     "[factors]\n\"comp.cap\" = [1.5, 3.0]\n[factors.sample]\nmethod = \"lhs\"\nn = 4\n"
     "ranges = { \"comp.cap\" = [1.0, 2.0] }\n",
     'factors."comp.cap" = [1.5, 3.0]: also listed in [factors.sample] ranges'),
]


def experiment(tmp_path, body: str):
    weeks = "" if body.startswith("weeks") else "weeks = 8"
    if body.startswith("weeks"):
        first, body = body.split("\n", 1)
        weeks = first
    if body.startswith("seasons"):
        first, body = body.split("\n", 1)
        weeks += "\n" + first
    text = HEAD.format(weeks=weeks) + body
    if "[policies]" not in text:
        text += "\n[policies]\nbaseline = {}\n"
    path = tmp_path / "e.toml"
    path.write_text(text)
    return path


def test_enough_cases():
    assert len(CASES) >= 19 and len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("body,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_validate_and_sweep_refuse_alike(tmp_path, capsys, body, expected):
    path = experiment(tmp_path, body)
    outputs = []
    for argv in (["validate", str(path)],
                 ["sweep", str(path), "--out", str(tmp_path / "out"), "--quiet"]):
        assert cli.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("salesim: error: "), err
        assert expected in err, err
        outputs.append(err)
    assert outputs[0] == outputs[1]
    assert not (tmp_path / "out").exists()


def test_a_factor_that_matters_under_one_policy_is_accepted(tmp_path):
    path = experiment(tmp_path, POLICIES + "[factors]\n\"policies.rotation.share\" = [0.1, 0.3]\n")
    design = expand(load_experiment(path))
    assert design.n_runs == 4


def test_design_records_the_values_the_runs_used(tmp_path, monkeypatch):
    """Values are read back from the resolved scenario: 2 becomes 2.0 for a real-valued key,
    and sampled whole-number keys are whole numbers."""
    monkeypatch.setattr(sweep_mod, "RUN_FUNCTION", "sweep_fake_model:run")
    body = ("[factors]\n\"comp.cap\" = [2, 3]\n[factors.sample]\nmethod = \"lhs\"\nn = 3\n"
            "ranges = { \"org.n_reps\" = [8, 12] }\n")
    path = experiment(tmp_path, body)
    design = expand(load_experiment(path))
    for point_id, cap, reps in zip(design.table["point_id"], design.table["comp.cap"],
                                   design.table["org.n_reps"]):
        cell = design.cells[int(point_id)]
        assert cap == cell["comp"]["cap"] and isinstance(cap, float)
        assert reps == cell["org"]["n_reps"] and float(reps).is_integer()
    out = tmp_path / "o"
    assert h.sweep(path, "--out", out, "--workers", "1") == 0
    runs = pd.read_parquet(out / "design.parquet")
    assert runs["comp.cap"].dtype == "float64" and set(runs["comp.cap"]) == {2.0, 3.0}
