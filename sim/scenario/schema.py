"""The Scenario: every section of a scenario file as one typed object."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from sim.world.params import (AccountParams, AttritionParams, BehaviourParams, CompParams,
                     LeverageParams, ManagerParams, OrgParams, PipelineParams, RepParams,
                     RunParams, SeasonParams, TacticParams)
from sim.policies.params import POLICY_CLASSES, Policies

SECTIONS = {
    "run": RunParams, "season": SeasonParams, "org": OrgParams, "managers": ManagerParams,
    "accounts": AccountParams, "reps": RepParams, "comp": CompParams,
    "pipeline": PipelineParams, "behaviour": BehaviourParams,
    "tactics": TacticParams, "leverage": LeverageParams, "attrition": AttritionParams,
}


@dataclass
class Scenario:
    name: str = "baseline"
    description: str = ""
    run: RunParams = field(default_factory=RunParams)
    season: SeasonParams = field(default_factory=SeasonParams)
    org: OrgParams = field(default_factory=OrgParams)
    managers: ManagerParams = field(default_factory=ManagerParams)
    accounts: AccountParams = field(default_factory=AccountParams)
    reps: RepParams = field(default_factory=RepParams)
    comp: CompParams = field(default_factory=CompParams)
    pipeline: PipelineParams = field(default_factory=PipelineParams)
    behaviour: BehaviourParams = field(default_factory=BehaviourParams)
    tactics: TacticParams = field(default_factory=TacticParams)
    leverage: LeverageParams = field(default_factory=LeverageParams)
    attrition: AttritionParams = field(default_factory=AttritionParams)
    policies: Policies = field(default_factory=Policies)


def scenario_to_dict(sc: Scenario) -> dict:
    """Plain nested dict (TOML-ready) of a scenario."""
    return dataclasses.asdict(sc)


def scenario_from_dict(data: dict) -> Scenario:
    """Build a Scenario from an already validated nested dict (missing keys take defaults).

    Validation with helpful messages lives in :mod:`sim.scenario.loading`; this function trusts its input.
    """
    kw = {k: data[k] for k in ("name", "description") if k in data}
    for sec, cls in SECTIONS.items():
        kw[sec] = cls(**data.get(sec, {}))
    pol = data.get("policies", {})
    kw["policies"] = Policies(**{n: POLICY_CLASSES[n](**v) for n, v in pol.items()})
    return Scenario(**kw)
