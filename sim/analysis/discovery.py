"""Scenario discovery: where in assumption space does a policy's advantage disappear?

The cases of interest are the scenarios where a paired difference (policy minus reference) is
at or below a threshold (0: the advantage is gone or reversed).  PRIM (Friedman and Fisher
1999), as implemented in ``ema_workbench.analysis.prim``, peels the uncertainty box towards a
region dense in such cases; CART (``ema_workbench.analysis.cart``) gives a second view as the
leaves of a classification tree.  Each box is reported with

* coverage: the share of all cases of interest that fall inside the box;
* density: the share of scenarios inside the box that are cases of interest;
* mass: the share of all scenarios inside the box;

and its restricted ranges written out in words.  On PRIM's peeling trajectory the box shown is
the largest one that covers at least ``MIN_COVERAGE`` of the cases with a density within
``DENSITY_SLACK`` of the densest such box (fewer restrictions, less over-fitting).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

MIN_COVERAGE = 0.5   # the box kept on PRIM's trajectory covers at least this share of cases
DENSITY_SLACK = 0.05  # ...and is the largest one whose density is this close to the best
MASS_MIN = 0.05      # smallest box (share of scenarios) PRIM and CART may return
MIN_CASES = 3        # fewer cases of interest than this: no box is searched


@dataclass
class Box:
    """One box: its statistics and restricted ranges, as data and as a sentence."""

    method: str
    coverage: float
    density: float
    mass: float
    limits: dict[str, tuple]  # restricted dimension -> (low, high) or a set of categories
    words: str


def _quiet():
    logging.getLogger("EMA").setLevel(logging.ERROR)
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("EMA") or name.startswith("ema_workbench"):
            logging.getLogger(name).setLevel(logging.ERROR)


def _fmt(v) -> str:
    return f"{v:.3g}" if isinstance(v, (float, np.floating)) else str(v)


def describe_limits(limits: dict[str, tuple], full: pd.DataFrame, labels: dict[str, str]) -> str:
    """Restricted ranges in words, e.g. 'reps' learning rate below 0.02 and season is flat'."""
    parts = []
    for dim, lim in limits.items():
        name = labels.get(dim, dim)
        if isinstance(lim, (set, frozenset)):
            parts.append(f"{name} is " + " or ".join(sorted(map(str, lim))))
            continue
        lo, hi = lim
        at_lo = lo <= full[dim].min()
        at_hi = hi >= full[dim].max()
        if at_lo and not at_hi:
            parts.append(f"{name} is below {_fmt(hi)}")
        elif at_hi and not at_lo:
            parts.append(f"{name} is above {_fmt(lo)}")
        else:
            parts.append(f"{name} is between {_fmt(lo)} and {_fmt(hi)}")
    return " and ".join(parts) if parts else "anywhere (no restriction found)"


def _limits(box_lim: pd.DataFrame, box_init: pd.DataFrame) -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    for dim in box_lim.columns:
        lo, hi = box_lim[dim].iloc[0], box_lim[dim].iloc[1]
        lo0, hi0 = box_init[dim].iloc[0], box_init[dim].iloc[1]
        if isinstance(lo, (set, frozenset)):
            if set(lo) != set(lo0):
                out[dim] = frozenset(lo)
        elif lo != lo0 or hi != hi0:
            out[dim] = (float(lo), float(hi))
    return out


def _categorical(x: pd.DataFrame) -> pd.DataFrame:
    """Text columns (the season) as pandas categories, which EMA's box code expects."""
    x = x.reset_index(drop=True).copy()
    for col in x.columns:
        if not pd.api.types.is_numeric_dtype(x[col]):
            x[col] = x[col].astype("category")
    return x


def prim_box(x: pd.DataFrame, cases: np.ndarray, labels: dict[str, str] | None = None) -> Box | None:
    """The PRIM box of the cases of interest, or None when there are too few cases."""
    from ema_workbench.analysis import prim
    _quiet()
    x = _categorical(x)
    cases = np.asarray(cases, dtype=bool)
    if cases.sum() < MIN_CASES or cases.all():
        return None
    algo = prim.Prim(x, cases, mass_min=MASS_MIN)
    box = algo.find_box()
    traj = box.peeling_trajectory
    eligible = traj[traj["coverage"] >= MIN_COVERAGE]
    if len(eligible):  # the largest box within DENSITY_SLACK of the best density
        good = eligible[eligible["density"] >= eligible["density"].max() - DENSITY_SLACK]
        i = int(good.index.min())
    else:
        i = 0
    limits = _limits(box.box_lims[i], algo.box_init)
    row = traj.loc[i]
    return Box("PRIM", float(row["coverage"]), float(row["density"]), float(row["mass"]),
               limits, describe_limits(limits, x, labels or {}))


def cart_boxes(x: pd.DataFrame, cases: np.ndarray, labels: dict[str, str] | None = None) -> list[Box]:
    """CART leaves that are mostly cases of interest (density above the overall share)."""
    from ema_workbench.analysis import cart
    _quiet()
    x = _categorical(x)
    cases = np.asarray(cases, dtype=bool)
    if cases.sum() < MIN_CASES or cases.all():
        return []
    algo = cart.CART(x, cases, mass_min=MASS_MIN)
    algo.build_tree()
    base = cases.mean()
    init = algo.boxes[0].copy()
    for dim in x.columns:  # the unrestricted box, to tell which limits a leaf sets
        if isinstance(init[dim].iloc[0], (set, frozenset)):
            init.loc[:, dim] = [set(x[dim].unique())] * 2
        else:
            init.loc[:, dim] = [x[dim].min(), x[dim].max()]
    out = []
    for lim, stats in zip(algo.boxes, algo.stats):
        if stats["density"] > base:
            limits = _limits(lim, init)
            out.append(Box("CART", float(stats["coverage"]), float(stats["density"]),
                           float(stats["mass"]), limits,
                           describe_limits(limits, x, labels or {})))
    return sorted(out, key=lambda b: -b.coverage * b.density)


def boxes_table(boxes: list[Box]) -> pd.DataFrame:
    return pd.DataFrame([{"method": b.method, "coverage": b.coverage, "density": b.density,
                          "mass": b.mass, "conditions": b.words,
                          "restricted": "; ".join(b.limits)} for b in boxes],
                        columns=["method", "coverage", "density", "mass", "conditions",
                                 "restricted"])
