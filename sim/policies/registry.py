"""The registry of policy classes, and the builder the model uses for a scenario's policies."""

from __future__ import annotations

from sim.policies.accounts import Favouritism, Rotation, TeamBonus
from sim.policies.base import Policy
from sim.policies.management import Coaching, Concessions, Hiring, Independence, Monitoring
from sim.policies.playbook import Playbook
from sim.policies.signs import ManagerActions
from sim.world.hooks import register_policy_builder

REGISTRY: dict[str, type[Policy]] = {
    "coaching": Coaching, "monitoring": Monitoring, "independence": Independence,
    "concessions": Concessions, "hiring": Hiring, "rotation": Rotation,
    "team_bonus": TeamBonus, "favouritism": Favouritism, "playbook": Playbook,
    "manager": ManagerActions}


def build_policies(sc) -> list[Policy]:
    """The policy objects a scenario switches on (hiring always runs), in registry order."""
    out = []
    for name, cls in REGISTRY.items():
        params = getattr(sc.policies, name)
        if params.enabled or name == "hiring":
            out.append(cls(params))
    return out


register_policy_builder(build_policies)
