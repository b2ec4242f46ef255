"""A sweep folder read back as a study: runs, their uncertainty points and the outcomes asked for.

An *outcome* is one number per run-group that the analysis explains:

``KPI``                 the KPI under the reference policy, e.g. ``gross_profit``;
``KPI@policy``          the KPI under that policy;
``KPI@policy-other``    the paired difference *policy minus other* (``other`` defaults to the
                        reference), replication ``r`` of one against replication ``r`` of the
                        other at the same season and uncertainty point (they share a seed).

``gross_profit`` is derived as ``revenue_total * gross_margin`` when the sweep kept both KPIs.
A *scenario* is one (season, uncertainty point); its outcome is the mean over replications.
A scenario with any failed run among the ones it needs counts as failed (NaN): failures are
usually caused by the parameters, so a partial mean would hide them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.common.errors import UserError
from sim.common.sweepdir import read_manifest, read_runs
from sim.sweep.uncertainties import POINT_COLUMN, UncertaintySpec, parse_uncertainties

SCENARIO = ["season", POINT_COLUMN]
DERIVED = {"gross_profit": ("revenue_total", "gross_margin")}


@dataclass
class Study:
    """Every run of a sweep (pending ones with status ``pending``) and its uncertainty design."""

    frame: pd.DataFrame
    spec: UncertaintySpec | None
    reference: str
    root: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def policies(self) -> list[str]:
        return list(dict.fromkeys(self.frame["policy"]))

    @property
    def seasons(self) -> list[str]:
        return list(dict.fromkeys(self.frame["season"]))

    def uncertainty_values(self) -> pd.DataFrame:
        """One row per scenario: season, uncertainty point and the sampled parameter values."""
        keys = self.spec.keys if self.spec else []
        return self.frame.drop_duplicates(SCENARIO)[[*SCENARIO, *keys]].reset_index(drop=True)


def with_derived(frame: pd.DataFrame) -> pd.DataFrame:
    for name, (a, b) in DERIVED.items():
        if name not in frame and a in frame and b in frame:
            frame[name] = frame[a] * frame[b]
    return frame


def make_study(design: pd.DataFrame, runs: pd.DataFrame, spec: UncertaintySpec | None,
               reference: str, root: Path | None = None) -> Study:
    """Join the design with the runs' results; design rows without a result are pending."""
    if design["factor_point"].nunique() != design.get(POINT_COLUMN, design["factor_point"]).nunique():
        raise UserError("analysis needs the levers in [policies]: this sweep also has "
                        "[factors] points, which the analysis does not separate yet")
    runs = runs[["run_id", *(c for c in runs.columns if c not in design.columns)]]
    frame = design.merge(runs, on="run_id", how="left")
    frame["status"] = frame["status"].fillna("pending")
    if POINT_COLUMN not in frame:
        frame[POINT_COLUMN] = 0
    return Study(with_derived(frame), spec, reference, root)


def load_study(folder: str | Path) -> Study:
    """Read a sweep folder written by ``salesim sweep``."""
    from sim.scenario.loading import read_toml
    root = Path(folder)
    manifest = read_manifest(root) if root.is_dir() else None
    if manifest is None:
        raise UserError(f"{root}: not a sweep folder (no manifest.json); run `salesim sweep "
                        "EXPERIMENT --out DIR` first")
    design = pd.read_parquet(root / "design.parquet")
    data = read_toml(root / "experiment.toml")
    seed = data.get("experiment", {}).get("seed", 0)
    spec = parse_uncertainties(root / "experiment.toml", data.get("uncertainties"), seed)
    if spec is not None and design[POINT_COLUMN].nunique() != spec.size():
        raise UserError(f"{root}: design.parquet holds {design[POINT_COLUMN].nunique()} "
                        f"uncertainty points but [uncertainties] gives {spec.size()}")
    study = make_study(design, read_runs(root), spec, manifest["reference"], root)
    if "adaptive" in manifest:
        study.notes.append("adaptive replications: " + manifest["adaptive"]["stopped_because"])
    return study


@dataclass(frozen=True)
class Outcome:
    """What to explain: a KPI under one policy, or a paired difference of two policies."""

    kpi: str
    policy: str
    minus: str | None = None

    @property
    def label(self) -> str:
        if self.minus:
            return f"{self.policy} minus {self.minus}: {self.kpi}"
        return f"{self.kpi} under {self.policy}"

    @property
    def slug(self) -> str:
        return f"{self.kpi}@{self.policy}" + (f"-{self.minus}" if self.minus else "")


def parse_outcome(text: str, study: Study) -> Outcome:
    """``KPI``, ``KPI@policy`` or ``KPI@policy-other`` (see the module docstring)."""
    kpi, _, rest = text.partition("@")
    policy, dash, minus = rest.partition("-") if rest else (study.reference, "", "")
    if dash and not minus:
        minus = study.reference
    if kpi not in study.frame or not pd.api.types.is_numeric_dtype(study.frame[kpi]):
        raise UserError(f"outcome '{text}': '{kpi}' is not a KPI of this sweep")
    for name in (policy, minus or policy):
        if name not in study.policies:
            raise UserError(f"outcome '{text}': no policy '{name}' in this sweep; it has "
                            + ", ".join(study.policies))
    return Outcome(kpi, policy, minus or None)


def _per_replication(study: Study, kpi: str, policy: str) -> pd.DataFrame:
    rows = study.frame[study.frame["policy"] == policy]
    value = rows[kpi].where(rows["status"] == "ok")
    return rows[[*SCENARIO, "replication"]].assign(value=value.to_numpy())


def scenario_values(study: Study, outcome: Outcome) -> pd.DataFrame:
    """One row per scenario: season, uncertainty point, ``y`` (NaN when a run failed), ``n``."""
    data = _per_replication(study, outcome.kpi, outcome.policy)
    if outcome.minus:
        ref = _per_replication(study, outcome.kpi, outcome.minus)
        data = data.merge(ref, on=[*SCENARIO, "replication"], suffixes=("", "_ref"))
        data["value"] = data["value"] - data["value_ref"]
    pending = study.frame.groupby(SCENARIO)["status"].agg(lambda s: (s == "pending").all())
    grouped = data.groupby(SCENARIO, sort=False)["value"]
    table = pd.DataFrame({"y": grouped.agg(lambda v: v.mean() if v.notna().all() else np.nan),
                          "n": grouped.count()}).reset_index()
    table = table[~table.set_index(SCENARIO).index.map(pending).to_numpy(dtype=bool)]
    return table.sort_values([*SCENARIO], key=_season_order(study)).reset_index(drop=True)


def _season_order(study: Study):
    order = {s: i for i, s in enumerate(study.seasons)}
    return lambda col: col.map(order) if col.name == "season" else col


def policy_table(study: Study, kpi: str) -> pd.DataFrame:
    """Scenario x policy means of ``kpi`` (NaN for a scenario with a failed run)."""
    cols = {p: scenario_values(study, Outcome(kpi, p)).set_index(SCENARIO)["y"]
            for p in study.policies}
    return pd.DataFrame(cols)
