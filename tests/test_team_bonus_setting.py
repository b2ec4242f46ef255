"""A team bonus is set in one place: [policies.team_bonus]; the old comp keys say so."""

from __future__ import annotations

import pytest

from sim.cli import main
from sim.common.errors import ConfigError
from sim.scenario.loading import load_scenario
from sim.world.params import CompParams


def test_comp_has_no_team_pool_settings():
    assert not {"team_pool_share", "team_scope", "team_split"} & set(vars(CompParams()))


@pytest.mark.parametrize("key", ["comp.team_pool_share", "comp.team_scope", "comp.team_split"])
def test_removed_key_names_what_to_use(key):
    value = "0.2" if key.endswith("share") else "team"
    with pytest.raises(ConfigError, match=r"use policies\.team_bonus\."):
        load_scenario(None, [f"{key}={value}"])


def test_removed_key_in_a_scenario_file(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text('name = "s"\n[comp]\nteam_pool_share = 0.3\n')
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "comp.team_pool_share" in err and "policies.team_bonus.pool_share" in err


def test_removed_key_as_an_experiment_factor(tmp_path, capsys):
    path = tmp_path / "e.toml"
    path.write_text('[experiment]\nname = "e"\nseed = 1\nreplications = 1\n'
                    '[policies]\nbaseline = {}\n[factors]\n"comp.team_pool_share" = [0.1, 0.2]\n')
    assert main(["validate", str(path)]) == 2
    assert "policies.team_bonus.pool_share" in capsys.readouterr().err
