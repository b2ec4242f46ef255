"""EMA Workbench connector: a salesim scenario as an ``ema_workbench`` model.

::

    from ema_workbench import SequentialEvaluator, perform_experiments
    from sim.analysis.ema import ema_model

    model = ema_model("scenarios/baseline.toml",
                      uncertainties={"org.detect_skill_mean": None,        # schema range
                                     "comp.commission_rate": (0.06, 0.12)},
                      levers=["policies.coaching.hours", "policies.rotation.enabled"],
                      kpis=["revenue_total", "gross_margin"], replications=3, seed=1)
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = perform_experiments(model, scenarios=8, policies=2,
                                                    evaluator=evaluator)

Uncertainties and levers are scenario keys; each becomes a ``RealParameter``,
``IntegerParameter``, ``BooleanParameter`` or ``CategoricalParameter`` from the schema
(its type, and its declared ``lo``/``hi`` or ``choices``), unless a range is given.  EMA
parameter names cannot hold dots, so ``comp.commission_rate`` is named
``comp__commission_rate``; :func:`ema_name` and :func:`scenario_key` convert.  Outcomes are
KPIs (``gross_profit`` is derived as in :mod:`sim.analysis.study`), each the mean over the
replications.  Replication ``r`` runs with seed ``replication_seeds(seed, replications)[r]``,
the seed scheme of ``salesim sweep``, so EMA results pair with sweep results run by seed.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np

from sim.common.errors import ConfigError
from sim.scenario.validate import lookup_field
from sim.sweep.experiment import replication_seeds, set_dotted
from sim.analysis.study import DERIVED

SEP = "__"


def ema_name(key: str) -> str:
    return key.replace(".", SEP)


def scenario_key(name: str) -> str:
    return name.replace(SEP, ".")


def parameter(key: str, bounds: Any = None):
    """The EMA parameter of one scenario key, typed and bounded by the schema."""
    from ema_workbench import (BooleanParameter, CategoricalParameter, IntegerParameter,
                               RealParameter)
    field = lookup_field(key)
    if field is None:
        raise ConfigError(f"EMA connector: '{key}' is not a scenario setting")
    kind, meta, name = str(field.type), field.metadata, ema_name(key)
    if kind == "bool":
        return BooleanParameter(name)
    if meta.get("choices"):
        return CategoricalParameter(name, list(bounds or meta["choices"]))
    lo, hi = bounds if bounds is not None else (meta.get("lo"), meta.get("hi"))
    if lo is None or hi is None:
        raise ConfigError(f"EMA connector: '{key}' has no declared range; give one, e.g. "
                          f"{{'{key}': (low, high)}}")
    if kind == "int":
        return IntegerParameter(name, int(lo), int(hi))
    return RealParameter(name, float(lo), float(hi))


class ScenarioFunction:
    """The callable EMA runs: scenario values in, one replication's KPIs out (picklable)."""

    def __init__(self, base: dict, kpis: list[str], weeks: int | None):
        self.base, self.kpis, self.weeks = base, kpis, weeks

    def __call__(self, seed: int, **values) -> dict[str, float]:
        from sim.scenario.loading import validate_dict
        from sim.scenario.runner import run_scenario
        from sim.scenario.schema import scenario_from_dict
        data = copy.deepcopy(self.base)
        for name, value in values.items():
            value = value.item() if isinstance(value, np.generic) else value
            set_dotted(data, scenario_key(name), value)
        for name in values:
            parts = scenario_key(name).split(".")
            if parts[0] == "policies" and parts[-1] != "enabled" \
                    and f"{parts[0]}{SEP}{parts[1]}{SEP}enabled" not in values:
                data["policies"][parts[1]]["enabled"] = True
        scenario = scenario_from_dict(validate_dict(data, "EMA connector"))
        weeks = self.weeks or scenario.run.weeks
        summary = run_scenario(scenario, int(seed), weeks=weeks, panel=False).summary
        for name, (a, b) in DERIVED.items():
            summary.setdefault(name, summary[a] * summary[b])
        return {k: float(summary[k]) for k in self.kpis}


def ema_model(scenario: str | Path | dict | None = None, uncertainties: dict | None = None,
              levers: dict | list | None = None, kpis: list[str] | None = None,
              replications: int = 1, seed: int = 0, weeks: int | None = None,
              name: str = "salesim"):
    """An ``ema_workbench.ReplicatorModel`` of a scenario (see the module docstring)."""
    from ema_workbench import ReplicatorModel, ScalarOutcome
    from sim.sweep.experiment import load_scenario_dict
    base = scenario if isinstance(scenario, dict) else \
        load_scenario_dict(Path(scenario) if scenario is not None else None)
    kpis = list(kpis or ["revenue_total", "gross_margin", "gross_profit"])
    model = ReplicatorModel(name, function=ScenarioFunction(base, kpis, weeks))
    as_dict = lambda v: v if isinstance(v, dict) else {k: None for k in (v or [])}  # noqa: E731
    model.uncertainties = [parameter(k, b) for k, b in as_dict(uncertainties).items()]
    model.levers = [parameter(k, b) for k, b in as_dict(levers).items()]
    model.outcomes = [ScalarOutcome(k, function=np.mean) for k in kpis]
    model.replications = [{"seed": s} for s in replication_seeds(seed, replications)]
    return model
