"""Management policies: plug-ins that act on the world through the hooks it defines.

Here live the policy base class, one module per family (everyday management, account
policies, seed 000's playbook), their parameter dataclasses and the registry.  May import
:mod:`sim.world` (the hook protocol, the parameter helpers) and :mod:`sim.common`; never the
scenario, sweep or report layers.  Importing this package registers the policy builder with
the world.
"""

from sim.policies import registry as registry  # noqa: F401  (registers the builder)
