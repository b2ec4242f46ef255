"""Scenario loading: files, extends chains, --set, the policy-enabled rule, TOML round trips."""

from __future__ import annotations

import dataclasses
import math
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import cli
import sim.scenario.refdoc as refdoc
from sim.scenario.loading import apply_sets, dump_toml, load_scenario, validate_dict
from sim.common.errors import ConfigError
from sim.scenario.schema import Scenario, scenario_from_dict, scenario_to_dict
from sim.world.params import TacticParams
from sim.scenario.validate import TACTIC_NAMES, all_paths, lookup_field


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_baseline_is_all_defaults():
    sc = load_scenario(None)
    assert sc == Scenario()
    assert sc.name == "baseline"


def test_file_values_and_name_from_stem(tmp_path):
    f = write(tmp_path / "small-org.toml", '[org]\nn_reps = 12\n[comp]\ncommission_rate = 1\n')
    sc = load_scenario(f)
    assert sc.name == "small-org"
    assert sc.org.n_reps == 12 and sc.org.span == 8
    assert sc.comp.commission_rate == 1.0 and isinstance(sc.comp.commission_rate, float)


def test_explicit_name_and_description(tmp_path):
    f = write(tmp_path / "x.toml", 'name = "peak test"\ndescription = "why"\n')
    sc = load_scenario(str(f))
    assert (sc.name, sc.description) == ("peak test", "why")


def test_extends_chain_merges_child_over_parent(tmp_path):
    (tmp_path / "base").mkdir()
    write(tmp_path / "base" / "root.toml",
          'name = "root"\n[org]\nn_reps = 40\nspan = 5\n[season]\ncalendar = "flat"\n')
    write(tmp_path / "mid.toml", 'extends = "base/root.toml"\ndescription = "mid"\n'
          '[org]\nspan = 6\n[policies.rotation]\nenabled = false\nshare = 0.5\n')
    leaf = write(tmp_path / "leaf.toml", 'extends = "mid.toml"\n[org]\nmanager_hours = 40\n'
                 '[policies.rotation]\nperiod_weeks = 13\n')
    sc = load_scenario(leaf)
    assert sc.name == "leaf"  # a parent's name is not inherited
    assert sc.description == "mid"
    assert (sc.org.n_reps, sc.org.span, sc.org.manager_hours) == (40, 6, 40.0)
    assert sc.season.calendar == "flat"
    # the parent said enabled = false explicitly, so the leaf's block does not switch it on
    assert sc.policies.rotation.enabled is False
    assert (sc.policies.rotation.share, sc.policies.rotation.period_weeks) == (0.5, 13)


def test_error_in_parent_names_the_parent_file(tmp_path):
    write(tmp_path / "parent.toml", "[org]\nn_reps = -3\n")
    child = write(tmp_path / "child.toml", 'extends = "parent.toml"\n[org]\nspan = 4\n')
    with pytest.raises(ConfigError) as err:
        load_scenario(child)
    assert str(err.value).startswith(f"{tmp_path / 'parent.toml'}: org.n_reps = -3:")


def test_present_policy_block_is_enabled(tmp_path):
    f = write(tmp_path / "p.toml", "[policies.rotation]\nshare = 0.3\n[policies.favouritism]\n"
              "[policies.coaching]\nenabled = false\n")
    sc = load_scenario(f)
    assert sc.policies.rotation.enabled and sc.policies.rotation.share == 0.3
    assert sc.policies.favouritism.enabled
    assert not sc.policies.coaching.enabled
    assert not sc.policies.team_bonus.enabled and not sc.policies.playbook.enabled


def test_sets_override_after_extends(tmp_path):
    write(tmp_path / "parent.toml", "[comp]\ncommission_rate = 0.05\n")
    child = write(tmp_path / "c.toml", 'extends = "parent.toml"\n')
    sc = load_scenario(child, ["comp.commission_rate=0.1", "comp.quota_period=month",
                               'name="renamed"', "season.monthly=[" + ", ".join(["0.25"] * 4
                               + ["0"] * 8) + "]", "season.calendar=custom",
                               "policies.team_bonus.enabled=true", "tactics.enabled=[]"])
    assert sc.comp.commission_rate == 0.1 and sc.comp.quota_period == "month"
    assert sc.name == "renamed" and sc.season.calendar == "custom"
    assert sc.season.monthly[:4] == [0.25] * 4
    assert sc.policies.team_bonus.enabled and sc.tactics.enabled == []


def test_set_does_not_switch_a_policy_on():
    sc = load_scenario(None, ["policies.rotation.share=0.4"])
    assert sc.policies.rotation.share == 0.4 and not sc.policies.rotation.enabled


def test_bare_word_only_for_text_settings():
    assert load_scenario(None, ["name=2024"]).name == "2024"
    with pytest.raises(ConfigError, match=r"^--set org.n_reps=many: cannot parse 'many'"):
        load_scenario(None, ["org.n_reps=many"])


def test_set_errors_name_set_as_source():
    with pytest.raises(ConfigError) as err:
        load_scenario(None, ["org.n_reps=2.5"])
    assert str(err.value).startswith("--set: org.n_reps = 2.5: expected an integer")


def test_apply_sets_copies_and_rejects_unknown():
    data = {"org": {"n_reps": 5}}
    out = apply_sets(data, ["org.span=3"])
    assert out == {"org": {"n_reps": 5, "span": 3}} and data == {"org": {"n_reps": 5}}
    with pytest.raises(ConfigError,
                       match=r"unknown setting 'org\.spam' \(did you mean 'org\.span'"):
        apply_sets(data, ["org.spam=3"])


def test_validate_dict_widens_ints_and_keeps_only_given_keys():
    clean = validate_dict({"org": {"manager_hours": 40}, "season": {"monthly": [1] + [0] * 11}},
                          "x.toml")
    assert clean == {"org": {"manager_hours": 40.0}, "season": {"monthly": [1.0] + [0.0] * 11}}
    assert isinstance(clean["org"]["manager_hours"], float)


def test_monthly_sum_tolerance():
    ok = [1 / 12] * 12
    assert validate_dict({"season": {"monthly": ok}}, "f")
    with pytest.raises(ConfigError, match="add up to 1"):
        validate_dict({"season": {"monthly": [1 / 12] * 11 + [1 / 12 + 2e-6]}}, "f")


def test_tactic_names_match_the_default_list():
    assert tuple(TacticParams().enabled) == TACTIC_NAMES


def test_every_path_resolves_to_a_field():
    paths = all_paths()
    assert len(paths) == len(set(paths)) > 100
    assert all(lookup_field(p) is not None for p in paths if "." in p)


def test_dump_round_trips_the_default_scenario():
    sc = Scenario()
    text = dump_toml(scenario_to_dict(sc))
    assert scenario_from_dict(tomllib.loads(text)) == sc
    assert load_scenario(None) == scenario_from_dict(validate_dict(tomllib.loads(text), "dump"))


def test_dump_round_trips_awkward_values(tmp_path):
    sc = Scenario(name='q"uote\\d \u00e9\t', description="line one\nline two\x7f")
    sc.comp.commission_rate = 0.1 + 0.2
    sc.accounts.potential_median = 1e9 - 1e-7  # the largest allowed, nearly
    sc.accounts.churn_base = 5e-324
    sc.season.calendar, sc.season.weekly = "custom", [1 / 3] * 52
    text = dump_toml(scenario_to_dict(sc))
    back = scenario_from_dict(tomllib.loads(text))
    assert back == sc
    sc.name = "resolved"
    f = write(tmp_path / "resolved.toml", dump_toml(scenario_to_dict(sc)))
    assert load_scenario(f) == sc


finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-z_][a-z0-9_-]{0,8}", fullmatch=True),
                       st.one_of(finite, st.integers(), st.booleans(), st.text(max_size=8),
                                 st.lists(finite, max_size=4)), max_size=5))
def test_dump_round_trips_any_flat_table(table):
    data = {"sec": table, "outer": {"inner": dict(table)}}
    assert tomllib.loads(dump_toml(data)) == data


def test_dump_special_floats():
    text = dump_toml({"a": {"x": math.inf, "y": -math.inf}})
    assert tomllib.loads(text) == {"a": {"x": math.inf, "y": -math.inf}}
    assert math.isnan(tomllib.loads(dump_toml({"a": {"z": math.nan}}))["a"]["z"])


def test_every_field_has_metadata_for_the_reference():
    from sim.policies.params import POLICY_CLASSES
    from sim.scenario.schema import SECTIONS
    for cls in [*SECTIONS.values(), *POLICY_CLASSES.values()]:
        for f in dataclasses.fields(cls):
            assert f.metadata.get("doc") and f.metadata.get("unit"), (cls.__name__, f.name)


def test_reference_doc_is_current():
    assert refdoc.DOC_PATH.read_text(encoding="utf-8") == refdoc.generate(), \
        "docs/scenario-reference.md is stale: run python -m sim.scenario.refdoc"
    assert refdoc.main(["--check"]) == 0


def test_validate_command_ok(tmp_path, capsys):
    f = write(tmp_path / "team.toml", "[org]\nn_reps = 24\n[run]\nweeks = 52\n"
              "[policies.team_bonus]\n")
    assert cli.main(["validate", str(f)]) == 0
    out = capsys.readouterr().out
    assert out == (f"{f}: OK (scenario 'team', 52 weeks, 24 reps, policies on: team_bonus, "
                   "coaching, monitoring, independence, concessions, hiring, manager)\n")


def test_validate_command_on_an_experiment_file(tmp_path, capsys):
    f = write(tmp_path / "exp.toml", '[experiment]\nname = "cmp"\nseed = 1\nreplications = 3\n'
              '[policies]\nbase = {}\nrot = { "policies.rotation.share" = 0.3 }\n'
              '[factors]\n"comp.commission_rate" = [0.05, 0.1]\n')
    assert cli.main(["validate", str(f)]) == 0
    assert capsys.readouterr().out == (f"{f}: OK (experiment 'cmp', 2 factor points x 1 season "
                                       "x 2 policies x 3 replications = 12 runs)\n")


def test_validate_command_warns_about_a_large_experiment(tmp_path, capsys):
    f = write(tmp_path / "big.toml", '[experiment]\nname = "big"\nseed = 1\n'
              'replications = 30\nmax_runs = 10\n')
    assert cli.main(["validate", str(f)]) == 0
    assert capsys.readouterr().out.endswith("= 30 runs; above max_runs = 10, sweep needs --yes)\n")
