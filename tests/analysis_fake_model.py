"""Fast stand-ins for the model, for the analysis tests (``run_function`` hook of the sweep).

``ishigami``: the Ishigami function of three scenario parameters with a known Sobol answer.
Each input is ``accounts.potential_median``, ``accounts.difficulty_a`` or
``accounts.hours_needed`` minus ``1 + pi``, so a range ``[1, 1 + 2 pi]`` gives ``[-pi, pi]``.
The value is returned as ``y`` when rotation is on and 0 otherwise, so the paired difference
*rotation minus baseline* is the Ishigami function.  ``comp.cap`` above 50 raises.

``effect``: revenue with a policy effect of ``comp.commission_rate * 1000`` when rotation is on,
plus noise drawn from a generator seeded by the seed *and* the policy, so pairing does not
remove it (sd 100).  A large rate gives a clear sign at once; a rate of 0 never does.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

A, B = 7.0, 0.1
SHIFT = 1.0 + math.pi
NOISE_SD = 100.0


def ishigami_value(x1: float, x2: float, x3: float) -> float:
    return math.sin(x1) + A * math.sin(x2) ** 2 + B * x3 ** 4 * math.sin(x1)


def ishigami_analytic() -> tuple[list[float], list[float]]:
    """(first-order, total-order) Sobol indices of the Ishigami function on [-pi, pi]^3."""
    pi4 = math.pi ** 4
    v1 = 0.5 * (1 + B * pi4 / 5) ** 2
    v2 = A ** 2 / 8
    v13 = B ** 2 * math.pi ** 8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return [v1 / var, v2 / var, 0.0], [(v1 + v13) / var, v2 / var, v13 / var]


def _result(summary: dict, weeks: int):
    return SimpleNamespace(summary=summary, weekly={"week": np.arange(weeks),
                                                     "revenue": np.zeros(weeks)}, reps={})


def ishigami(scenario, seed: int, weeks: int | None = None, panel: bool = False):
    if scenario.comp.cap > 50:
        raise ValueError("planted failure")
    acc = scenario.accounts
    y = ishigami_value(acc.potential_median - SHIFT, acc.difficulty_a - SHIFT,
                       acc.hours_needed - SHIFT)
    return _result({"y": y if scenario.policies.rotation.enabled else 0.0}, weeks or 1)


def effect(scenario, seed: int, weeks: int | None = None, panel: bool = False):
    on = bool(scenario.policies.rotation.enabled)
    rng = np.random.default_rng(np.random.SeedSequence([seed, int(on)]))
    revenue = 10_000 + on * scenario.comp.commission_rate * 1000 + rng.normal(0, NOISE_SD)
    return _result({"revenue_total": float(revenue)}, weeks or 1)
