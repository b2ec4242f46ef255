"""salesim: an agent-based model of a sales organisation built on independent contractors.

The package has five layers; each may import only the layers below it (import-linter checks
this in ``make test``; see docs/architecture.md)::

    sim.cli, sim.commands, sim.api    the command line and the Python API
    sim.report | sim.sweep            figures and the HTML report | experiments and sweeps
    sim.scenario                      scenario schema, loading, validation, one run
    sim.policies                      management policies, plugged into the world
    sim.world                         the Mesa model and its processes
    sim.common                        errors, atomic writes, the sweep folder format

Use the model as a function::

    import sim
    sc = sim.load_scenario("scenarios/coaching.toml", sets=["org.n_reps=20"])
    result = sim.run(sc, seed=1, weeks=104)          # KPIs and tables of one run
    print(result.summary["gross_margin"])
    runs = sim.run_sweep("experiments/coaching_sweep.toml", out="results/sweeps/coaching")
"""

import os

# pyarrow's default allocator (mimalloc) keeps the pages of every part file a sweep writes:
# at the planner's size a sweep grew by about 1 MB a run (250 MB after 60 runs of 80 reps x
# 52 weeks); with the C allocator it stays near 230 MB.  Set before pyarrow is imported (the
# allocator is chosen once); a value the user set wins.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")


from sim import policies as _policies  # noqa: F401  (registers the policy builder)

__version__ = "0.1.0"
__all__ = ["SalesModel", "Scenario", "load_scenario", "run", "run_sweep", "__version__"]


def __getattr__(name: str):
    """Load the public names on first use, so ``import sim`` stays light."""
    if name == "SalesModel":
        from sim.world.model import SalesModel
        return SalesModel
    if name == "Scenario":
        from sim.scenario.schema import Scenario
        return Scenario
    if name == "load_scenario":
        from sim.scenario.loading import load_scenario
        return load_scenario
    if name in ("run", "run_sweep"):
        from sim import api
        return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
