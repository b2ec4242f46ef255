"""Read a run directory or a sweep directory into tidy pandas frames for plots and reports.

This is the only module that knows file names and column names of the model's outputs
(docs/architecture.md).  If a writer renames a column, add the old->new pair to ``RENAME`` or
change one constant here; the plots only use the canonical names below.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.common.errors import UserError

WEEKS_PER_YEAR = 52
DESIGN_COLS = ("run_id", "point_id", "replication", "seed", "season", "policy")
NON_FACTOR_COLS = set(DESIGN_COLS) | {"status", "error", "scenario", "weeks", "experiment",
                                      "factor_point",
                                      "elapsed", "elapsed_s", "duration_s", "worker"}
TACTICS = ("quiet_quitting", "peak_underperformance", "withholding", "cherry_picking",
           "false_urgency")
# Source name -> canonical name, for columns whose name differs between writers.
RENAME: dict[str, str] = {"perf_quintile_": "perf_quintile"}
OK_STATUS = {"ok", "done", "success", "finished", ""}


@dataclass(frozen=True)
class Kpi:
    """A KPI as the report shows it."""

    key: str        # short name used in plot names: diff_<key>
    column: str     # canonical column in the runs frame
    label: str      # words for titles and tables
    diff: str       # "pct": relative change in %; "pp": change in percentage points
    higher_better: bool
    unit: str       # axis unit of the level


# Units: MONEY_YEAR and MONEY_HORIZON are replaced by the report's currency (unit_text).
MONEY_YEAR = "money per year"
MONEY_HORIZON = "money over the horizon"
KPIS: tuple[Kpi, ...] = (
    Kpi("gross_profit", "gross_profit_per_year", "gross profit", "abs", True, MONEY_YEAR),
    Kpi("revenue", "revenue_per_year", "revenue", "pct", True, MONEY_YEAR),
    Kpi("gross_margin", "gross_margin", "gross margin", "pp", True, "% of revenue"),
    Kpi("attrition", "attrition_rate_annual", "attrition", "pp", False, "% of reps per year"),
    Kpi("top_attrition", "top_quintile_attrition_rate", "top-performer attrition", "pp", False,
        "% of top-quintile reps per year"),
    Kpi("top_lost", "top_lost_per_year", "top performers lost", "abs", False,
        "top-quintile reps per year"),
    # Accounts that follow a leaver, valued at their yearly revenue, per year of the horizon.
    Kpi("revenue_lost", "revenue_lost_per_year", "yearly revenue of accounts lost to departures",
        "pct", False, MONEY_YEAR),
    Kpi("concentration", "top20_revenue_share", "top-20% revenue share", "pp", False,
        "% of revenue"),
    Kpi("leverage", "leverage_events", "leverage events", "pct", False,
        "events per run (whole horizon)"),
    Kpi("overload", "manager_overload_share", "manager overload", "pp", False,
        "% of manager-weeks over budget"),
)
KPI_BY_KEY = {k.key: k for k in KPIS}


def unit_text(unit: str, currency: str) -> str:
    """A KPI unit for readers: the money placeholders get the currency."""
    if unit == MONEY_YEAR:
        return f"{currency} per year"
    if unit == MONEY_HORIZON:
        return f"{currency} over the horizon"
    return unit


def currency(data: "PlotData") -> str:
    """The currency label of the report (``report.currency``)."""
    params = data.meta.get("report")
    return params.currency if params is not None else "USD"


def is_money(kpi: Kpi) -> bool:
    return kpi.unit in (MONEY_YEAR, MONEY_HORIZON)


def is_share(values: pd.Series) -> bool:
    """True when a KPI looks like a share in [-1, 1] rather than an amount."""
    v = pd.to_numeric(values, errors="coerce").dropna()
    return bool(len(v)) and float(v.abs().max()) <= 1.0


def diff_mode(kpi: Kpi, values: pd.Series) -> str:
    """'pct' or 'pp' for this KPI, deciding 'auto' from the data."""
    if kpi.diff != "auto":
        return kpi.diff
    return "pp" if is_share(values) else "pct"


@dataclass
class PlotData:
    """Everything the figures need, in canonical column names.

    ``runs`` has one row per finished run (design columns + KPIs); ``weekly``, ``reps`` and
    ``events`` carry ``run_id`` plus ``policy``, ``season`` and ``replication``.
    """

    kind: str
    root: Path
    runs: pd.DataFrame
    weekly: pd.DataFrame
    reps: pd.DataFrame
    events: pd.DataFrame | None
    policies: list[str]
    seasons: list[str]
    reference: str | None
    factors: list[str]
    weeks: int
    meta: dict = field(default_factory=dict)

    @property
    def n_runs(self) -> int:
        return len(self.runs)

    @property
    def n_replications(self) -> int:
        return int(self.runs["replication"].nunique()) if len(self.runs) else 0


def _canon(df: pd.DataFrame) -> pd.DataFrame:
    return df.rename(columns={k: v for k, v in RENAME.items() if k in df.columns})


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise UserError(f"{path}: not valid JSON ({err}); rerun the command that wrote it")


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as err:
        raise UserError(f"{path}: not valid TOML ({err})")


def _add_week_of_year(weekly: pd.DataFrame) -> pd.DataFrame:
    if "week" in weekly.columns and len(weekly):
        w = weekly["week"].astype(int) - int(weekly["week"].min())
        weekly["year"] = w // WEEKS_PER_YEAR
        weekly["woy"] = (weekly["week_of_year"].astype(int) if "week_of_year" in weekly
                         else w % WEEKS_PER_YEAR)
    return weekly


def _attach(df: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Add policy, season, replication (and factors) to a frame keyed by run_id."""
    if df.empty or "run_id" not in df.columns:
        return df
    keys = [c for c in runs.columns if c in DESIGN_COLS or c in NON_FACTOR_COLS or c == "run_id"]
    keep = ["run_id"] + [c for c in ("policy", "season", "replication") if c in keys]
    extra = [c for c in runs.columns if c not in NON_FACTOR_COLS and c not in df.columns
             and c in runs.attrs.get("factors", [])]
    right = runs[keep + extra]
    df = df.drop(columns=[c for c in keep[1:] + extra if c in df.columns])
    return df.merge(right, on="run_id", how="inner")


def _flat_kpis(summary: dict) -> dict:
    """Scalar KPIs of summary.json; mappings become KEY.SUB columns."""
    out: dict = {}
    for k, v in summary.items():
        if isinstance(v, bool) or isinstance(v, (int, float)):
            out[k] = float(v)
        elif isinstance(v, dict):
            out.update({f"{k}.{s}": float(x) for s, x in v.items()
                        if isinstance(x, (int, float))})
    return out


def load_run(root: Path) -> PlotData:
    """A run directory: one run, its own calendar, policy = the scenario's name."""
    summary = _read_json(root / "summary.json")
    scen = _read_toml(root / "scenario.resolved.toml")
    name = str(summary.get("scenario") or scen.get("name") or root.name)
    season = str(scen.get("season", {}).get("calendar", "season"))
    row = {"run_id": 0, "point_id": 0, "replication": 0, "seed": summary.get("seed", 0),
           "season": season, "policy": name, **_flat_kpis(summary)}
    runs = pd.DataFrame([row])
    weekly = _canon(pd.read_parquet(root / "weekly.parquet"))
    weeks = int(summary.get("weeks") or len(weekly))
    reps = _optional_parquet(root / "rep_table.parquet")
    events = _optional_parquet(root / "events.parquet")
    for df in (weekly, reps, events):
        if not df.empty:
            df["run_id"] = 0
    weekly = _add_week_of_year(_attach(weekly, runs))
    meta = {"summary": summary, "scenario": scen, "name": name}
    return PlotData("run", root, runs, weekly, _attach(reps, runs), _attach(events, runs),
                    [name], [season], None, [], weeks, meta)


def _optional_parquet(path: Path) -> pd.DataFrame:
    return _canon(pd.read_parquet(path)) if path.exists() else pd.DataFrame()


def _ordered(values: list[str], preferred: list[str]) -> list[str]:
    """Values in the preferred order first, then the rest in order of appearance."""
    seen = [v for v in preferred if v in values]
    return seen + [v for v in dict.fromkeys(values) if v not in seen]


def _declared(exp: dict, manifest: dict) -> tuple[list[str], list[str], str | None, list]:
    """Policies, seasons, reference and factors as the manifest (or experiment.toml) declares.

    The manifest lists them in the experiment's order; experiment.toml is the fallback, with
    settings either at the top level or in an ``[experiment]`` table.
    """
    meta = exp.get("experiment", {}) if isinstance(exp.get("experiment"), dict) else {}
    meta = {**exp, **meta}

    def names(obj) -> list[str]:
        if isinstance(obj, dict):
            return [str(k) for k in obj]
        if isinstance(obj, list):
            return [str(x.get("name")) if isinstance(x, dict) else str(x) for x in obj]
        return []
    policies = names(manifest.get("policies") or exp.get("policies", []))
    seasons = [Path(s).stem if s.endswith(".toml") else s
               for s in names(manifest.get("seasons") or meta.get("seasons", []))]
    ref = manifest.get("reference") or meta.get("reference")
    return policies, seasons, (str(ref) if ref else None), list(manifest.get("factors") or [])


def _read_sweep_tables(root: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Runs, weekly and rep rows of committed parts (latest record of each run)."""
    from sim.common.sweepdir import read_reptable, read_runs, read_weekly
    try:
        return (_canon(read_runs(root)), _canon(read_weekly(root)), _canon(read_reptable(root)))
    except (OSError, ValueError) as err:
        raise UserError(f"{root}: cannot read the sweep's part files ({err}); rerun "
                        "`salesim sweep` on it to set damaged parts aside") from None


def _hashable(df: pd.DataFrame) -> pd.DataFrame:
    """List-valued columns (e.g. a ``season.monthly`` factor) as one text label per value."""
    for col in df.columns:
        if df[col].dtype == object and df[col].map(lambda v: isinstance(v, (list, np.ndarray))).any():
            df[col] = df[col].map(lambda v: json.dumps(np.asarray(v).tolist())
                                  if isinstance(v, (list, np.ndarray)) else v)
    return df


def completeness(design: pd.DataFrame, runs: pd.DataFrame) -> dict:
    """How much of the design has finished, and which policies/seasons the gaps fall in.

    ``text`` is empty for a complete sweep; otherwise one sentence for the top of the report.
    """
    if design.empty or "run_id" not in design:
        return {"total": None, "done": None, "text": "" if not runs.empty else
                "the design table (design.parquet) is missing; run `salesim repair` on the "
                "folder"}
    status = runs.set_index("run_id")["status"] if "status" in runs else pd.Series(dtype=str)
    ok = status.fillna("").astype(str).str.lower().isin(OK_STATUS)
    done_ids = set(status[ok].index)
    missing = design[~design["run_id"].isin(done_ids)]
    failed = int((~ok).sum())
    out = {"total": int(len(design)), "done": int(len(done_ids)), "failed": failed,
           "not_run": int(len(missing)) - failed, "text": ""}
    if missing.empty:
        return out
    gaps = []
    for col in ("policy", "season"):
        if col in missing:
            counts = missing[col].astype(str).value_counts(sort=False)
            whole = design[col].astype(str).value_counts(sort=False)
            gaps += [f"{col} {name}: {n} of {whole[name]}" for name, n in counts.items()]
    out["text"] = (f"Incomplete sweep: {out['done']:,} of {out['total']:,} runs of the design "
                   f"are done ({failed:,} failed, {out['not_run']:,} not run yet); missing: "
                   f"{'; '.join(gaps)}. Every figure and number in this report uses "
                   "the finished runs only and will change when the missing runs finish.")
    return out


def load_sweep(root: Path) -> PlotData:
    """A sweep directory: finished runs only (failed runs are counted in meta)."""
    design = _hashable(_optional_parquet(root / "design.parquet"))
    runs, weekly, reps = _read_sweep_tables(root)
    runs = _hashable(runs)
    done = completeness(design, runs)
    if runs.empty or "run_id" not in runs:
        raise UserError(f"{root}: no finished runs in runs/part-*.parquet; run `salesim sweep` "
                        "first")
    status = runs["status"].fillna("").astype(str).str.lower() if "status" in runs else None
    failed = int((~status.isin(OK_STATUS)).sum()) if status is not None else 0
    if status is not None:
        runs = runs[status.isin(OK_STATUS)].reset_index(drop=True)
    if runs.empty:
        raise UserError(f"{root}: all {failed} runs failed; see the error column of "
                        "runs/part-*.parquet")
    for col, default in (("policy", "baseline"), ("season", "season"), ("replication", 0)):
        if col not in runs.columns:
            runs[col] = default
    runs["policy"] = runs["policy"].astype(str)
    runs["season"] = runs["season"].astype(str)
    exp = _read_toml(root / "experiment.toml")
    manifest = _read_json(root / "manifest.json")
    exp_pol, exp_sea, ref, declared = _declared(exp, manifest)
    order_src = design if not design.empty else runs
    policies = _ordered(list(runs["policy"].unique()),
                        exp_pol or [str(p) for p in order_src["policy"].unique()])
    seasons = _ordered(list(runs["season"].unique()),
                       exp_sea or [str(s) for s in order_src["season"].unique()])
    if ref not in policies:
        ref = "baseline" if "baseline" in policies else (policies[0] if policies else None)
    candidates = declared or [c for c in design.columns if c not in NON_FACTOR_COLS]
    factors = [c for c in candidates if c in runs.columns and runs[c].nunique(dropna=True) > 1]
    runs.attrs["factors"] = factors
    weekly = _add_week_of_year(_attach(weekly, runs))
    reps = _attach(reps, runs)
    weeks = int(weekly["week"].nunique()) if "week" in weekly else 0
    meta = {"experiment": exp, "manifest": manifest, "failed": failed,
            "name": str(manifest.get("experiment") or exp.get("name")
                        or exp.get("experiment", {}).get("name") or root.name),
            "design_rows": int(len(design)), "completeness": done,
            "incomplete": done["text"],
            "design_policies": [str(p) for p in design["policy"].unique()]
            if "policy" in design else [],
            "design_factors": [c for c in (declared or design.columns)
                               if c in design.columns and c not in NON_FACTOR_COLS]}
    return PlotData("sweep", root, runs, weekly, reps, None, policies, seasons, ref, factors,
                    weeks, meta)


def report_settings(data: PlotData):
    """The [report] settings of the experiment (sweep) or scenario (run), else defaults."""
    from sim.report.params import report_params
    if data.kind == "sweep":
        return report_params(data.meta.get("experiment", {}).get("report"),
                             str(data.root / "experiment.toml"))
    return report_params(data.meta.get("scenario", {}).get("report"),
                         str(data.root / "scenario.resolved.toml"))


def add_per_year(data: PlotData) -> PlotData:
    """Money per year (ledger), top performers lost, and per-year versions of horizon totals.

    Every money KPI of the report is per year of the run's horizon, so that a three-year run
    and a one-year run read alike; ``data.meta['report']`` holds the settings used.
    """
    from sim.report.money import add_money
    params = report_settings(data)
    data.meta["report"] = params
    runs = add_money(data.runs, data.weekly, data.reps, params)
    if "years" not in runs.columns:
        runs["years"] = data.weeks / WEEKS_PER_YEAR if data.weeks else float("nan")
    for total, per_year in (("revenue_total", "revenue_per_year"),
                            ("revenue_lost_to_departures", "revenue_lost_per_year")):
        if total in runs.columns and per_year not in runs.columns:
            runs[per_year] = runs[total] / runs["years"]
    runs.attrs.update(data.runs.attrs)
    data.runs = runs
    return data


def kept_kpis(data: PlotData) -> list[str]:
    """Every numeric KPI column the runs hold, in file order (nothing is silently dropped)."""
    skip = NON_FACTOR_COLS | set(data.factors) | {"years", "run_id"}
    return [c for c in data.runs.columns if c not in skip
            and pd.api.types.is_numeric_dtype(data.runs[c]) and data.runs[c].notna().any()]


def load(path: str | Path) -> PlotData:
    """Load a run or sweep directory (with the money view added); a UserError otherwise."""
    return add_per_year(_load(Path(path)))


def _load(path: Path) -> PlotData:
    root = Path(path)
    if not root.is_dir():
        raise UserError(f"{root}: no such directory; give a run directory (from `salesim run`) "
                        "or a sweep directory (from `salesim sweep`)")
    if (root / "design.parquet").exists() or (root / "runs").is_dir():
        return load_sweep(root)
    if (root / "weekly.parquet").exists():
        return load_run(root)
    raise UserError(f"{root}: neither a run directory (summary.json, weekly.parquet) nor a "
                    "sweep directory (design.parquet, runs/part-*.parquet)")


def tactic_columns(weekly: pd.DataFrame) -> list[str]:
    """tactic_<name> columns in the documented order, then any others."""
    cols = [c for c in weekly.columns if c.startswith("tactic_")]
    known = [f"tactic_{t}" for t in TACTICS if f"tactic_{t}" in cols]
    return known + [c for c in cols if c not in known]


def hours_columns(weekly: pd.DataFrame) -> list[str]:
    """hours_<activity> columns in file order."""
    return [c for c in weekly.columns if c.startswith("hours_")]


def peak_weeks(data: PlotData, season: str) -> np.ndarray:
    """Boolean (52,) peak window of a season: from the weekly 'peak' column, else the calendar."""
    w = data.weekly
    if "peak" in w.columns and "woy" in w.columns:
        sel = w[w["season"] == season] if "season" in w.columns else w
        if len(sel):
            flags = sel.groupby("woy")["peak"].mean().reindex(range(WEEKS_PER_YEAR), fill_value=0)
            return flags.to_numpy() >= 0.5
    try:
        from sim.world.params import SeasonParams
        from sim.world.seasons import build_calendar
        return build_calendar(SeasonParams(calendar=season)).peak
    except (KeyError, TypeError, ValueError):
        return np.zeros(WEEKS_PER_YEAR, dtype=bool)
