"""Factor designs: the list of factor settings an experiment visits.

A design is a list of *points*; each point maps dotted scenario keys to values.  Explicit value
lists form a full grid (every combination); ranges are sampled by Latin hypercube or Sobol
(``scipy.stats.qmc``).  When both are given, every grid combination is crossed with every
sampled point.  The same inputs always give the same points in the same order.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

METHODS = ("lhs", "sobol")


@dataclass(frozen=True)
class SampleSpec:
    """Ranges to sample: ``ranges[key] = (low, high)``; ``integer`` keys are rounded."""

    method: str
    n: int
    ranges: dict[str, tuple[float, float]]
    seed: int
    integer: frozenset[str] = field(default_factory=frozenset)


def grid_points(levels: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of the value lists, the first key varying slowest."""
    keys = list(levels)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(levels[k] for k in keys))]


def unit_sample(method: str, n: int, dims: int, seed: int) -> np.ndarray:
    """``n`` points in the unit cube ``[0, 1)^dims``, reproducible from ``seed``.

    Sobol points are scrambled and drawn as the first ``n`` of the sequence; ``n`` must be a
    power of two so that the set keeps its balance properties (checked by the caller).
    """
    from scipy.stats import qmc  # (scipy.stats is ~30 MB: imported when a design needs it)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    if method == "lhs":
        return qmc.LatinHypercube(d=dims, rng=rng).random(n)
    if method == "sobol":
        return qmc.Sobol(d=dims, scramble=True, rng=rng).random_base2(int(np.log2(n)))
    raise ValueError(f"unknown sampling method {method!r}")


def sampled_points(spec: SampleSpec) -> list[dict[str, Any]]:
    """Sampled points scaled to their ranges, keys in the order given.

    A real range ``[lo, hi]`` maps the unit interval linearly.  An integer range gives each
    whole number from ``lo`` to ``hi`` an equal share of the unit interval.
    """
    keys = list(spec.ranges)
    unit = unit_sample(spec.method, spec.n, len(keys), spec.seed)
    points = []
    for row in unit:
        point: dict[str, Any] = {}
        for key, u in zip(keys, row):
            lo, hi = spec.ranges[key]
            if key in spec.integer:
                point[key] = int(min(hi, np.floor(lo + u * (hi - lo + 1))))
            else:
                point[key] = float(lo + u * (hi - lo))
        points.append(point)
    return points


def expand_points(levels: dict[str, list[Any]], sample: SampleSpec | None) -> list[dict[str, Any]]:
    """The full list of factor points: grid combinations crossed with sampled points.

    With no factors at all the design has a single empty point.
    """
    grid = grid_points(levels) if levels else [{}]
    if sample is None:
        return grid
    drawn = sampled_points(sample)
    return [{**g, **s} for g in grid for s in drawn]


def is_power_of_two(n: int) -> bool:
    return n > 0 and (n & (n - 1)) == 0
