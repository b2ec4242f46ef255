"""Global sensitivity with SALib: Morris screening and Sobol first/total-order indices.

The estimators are SALib's (``SALib.analyze.morris`` and ``SALib.analyze.sobol``); this module
only lines the outcome up with the design and deals with failed runs.

Failed runs (method ``drop-incomplete-blocks``): a Saltelli design is made of base samples, each
a block of ``D + 2`` rows (A, the D mixed rows, B); a Morris design is made of trajectories of
``D + 1`` rows.  Both estimators average over blocks, so a block that holds a failed scenario
is dropped whole and the indices are computed from the complete blocks, with a warning that
names the method and the count.  Dropping is unbiased only if failures do not depend on the
parameters; the warning says so, and PRIM on the failure flag shows where they happen.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.sweep.uncertainties import UncertaintySpec, unit_sample

METHOD = "drop-incomplete-blocks"
CONF_LEVEL = 0.95
RESAMPLES = 500
MIN_BLOCKS = 2


@dataclass
class Indices:
    """A table of indices (one row per parameter) and how failed runs were handled."""

    method: str
    table: pd.DataFrame
    blocks_used: int
    blocks_total: int
    failed_note: str

    @property
    def ok(self) -> bool:
        return self.blocks_used >= MIN_BLOCKS


def bootstrap_seed(seed: int) -> int:
    """SALib draws from the global numpy generator when its seed is falsy (0 or None), so the
    bootstrap seed is shifted by one: the same study always gives the same intervals."""
    return int(seed) + 1


def _complete_blocks(spec: UncertaintySpec, y: np.ndarray) -> tuple[np.ndarray, str]:
    y = np.asarray(y, dtype=float)
    if y.size != spec.size():
        raise ValueError(f"expected {spec.size()} outcome values (one per uncertainty point), "
                         f"got {y.size}")
    keep = ~np.isnan(y.reshape(spec.n, spec.block)).any(axis=1)
    dropped = int((~keep).sum())
    unit = "Saltelli base samples" if spec.method == "sobol" else "Morris trajectories"
    note = (f"failed runs: none ({METHOD} not needed)" if not dropped else
            f"failed runs: {dropped} of {spec.n} {unit} held a failed scenario and were dropped "
            f"whole ({METHOD}); the indices use the other {int(keep.sum())} and are unbiased "
            "only if failures do not depend on the parameters")
    if dropped:
        warnings.warn(note, RuntimeWarning, stacklevel=3)
    return keep, note


def _empty(spec: UncertaintySpec, method: str, keep: np.ndarray, note: str) -> Indices:
    return Indices(method, pd.DataFrame({"parameter": spec.keys}), int(keep.sum()), spec.n,
                   note + f"; fewer than {MIN_BLOCKS} complete blocks, no indices")


def sobol_indices(spec: UncertaintySpec, y: np.ndarray, seed: int = 0) -> Indices:
    """First- and total-order Sobol indices with bootstrap 95% intervals (SALib)."""
    from SALib.analyze import sobol
    if spec.method != "sobol":
        raise ValueError("Sobol indices need a Saltelli design: [uncertainties] method = 'sobol'")
    keep, note = _complete_blocks(spec, y)
    if keep.sum() < MIN_BLOCKS:
        return _empty(spec, "sobol", keep, note)
    yk = np.asarray(y, dtype=float).reshape(spec.n, spec.block)[keep].ravel()
    with np.errstate(all="ignore"):
        si = sobol.analyze(spec.problem(), yk, calc_second_order=False,
                           num_resamples=RESAMPLES, conf_level=CONF_LEVEL,
                           seed=bootstrap_seed(seed))
    table = pd.DataFrame({"parameter": spec.keys, "S1": si["S1"], "S1_conf": si["S1_conf"],
                          "ST": si["ST"], "ST_conf": si["ST_conf"]})
    for name in ("S1", "ST"):
        table[f"{name}_low"] = table[name] - table[f"{name}_conf"]
        table[f"{name}_high"] = table[name] + table[f"{name}_conf"]
    return Indices("sobol", table, int(keep.sum()), spec.n, note)


def morris_indices(spec: UncertaintySpec, y: np.ndarray, seed: int = 0) -> Indices:
    """Morris elementary effects (mu, mu*, sigma, bootstrap interval of mu*) on the unit scale."""
    from SALib.analyze import morris
    if spec.method != "morris":
        raise ValueError("Morris indices need a Morris design: [uncertainties] method = 'morris'")
    keep, note = _complete_blocks(spec, y)
    if keep.sum() < MIN_BLOCKS:
        return _empty(spec, "morris", keep, note)
    rows = np.repeat(keep, spec.block)
    x = unit_sample(spec)[rows]
    yk = np.asarray(y, dtype=float)[rows]
    with np.errstate(all="ignore"):
        si = morris.analyze(spec.problem(), x, yk, num_resamples=RESAMPLES,
                            conf_level=CONF_LEVEL, num_levels=spec.levels,
                            seed=bootstrap_seed(seed))
    table = pd.DataFrame({"parameter": spec.keys, "mu": si["mu"], "mu_star": si["mu_star"],
                          "sigma": si["sigma"], "mu_star_conf": si["mu_star_conf"]})
    return Indices("morris", table, int(keep.sum()), spec.n, note)


def indices(spec: UncertaintySpec, y: np.ndarray, seed: int = 0) -> Indices | None:
    """The indices the design supports (Sobol or Morris); None for an LHS design."""
    if spec.method == "sobol":
        return sobol_indices(spec, y, seed)
    if spec.method == "morris":
        return morris_indices(spec, y, seed)
    return None


def ranking(ind: Indices) -> pd.DataFrame:
    """Parameters from most to least influential (total order, or mu* for Morris)."""
    key = "ST" if ind.method == "sobol" else "mu_star"
    if key not in ind.table:
        return ind.table
    return ind.table.sort_values(key, ascending=False, na_position="last").reset_index(drop=True)
