"""Run one scenario and turn the model's buffers into a RunResult and KPIs."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.world.agents import TACTICS
from sim.world.managers import ACTIVITIES
from sim.world.collect import WEEKLY_COLUMNS  # noqa: F401  (re-exported: the weekly schema)
from sim.world.model import SalesModel
from sim.policies.registry import build_policies
from sim.policies.params import Policies
from sim.scenario.schema import Scenario
from sim.world import fork as forking
from sim.world import kernels
from sim.world.accounts import HandoverLog
from sim.world.state import EventLog
from sim.world.unstack import replica


@dataclass
class RunResult:
    summary: dict
    weekly: dict[str, np.ndarray]
    reps: dict[str, np.ndarray]
    panel: dict[str, np.ndarray] | None = None
    accounts: dict[str, np.ndarray] | None = None
    events: dict[str, np.ndarray] | None = None
    handovers: dict[str, np.ndarray] | None = None
    accounts_weekly: dict[str, np.ndarray] | None = None


def run_scenario(scenario: Scenario | None = None, seed: int = 0, weeks: int | None = None,
                 panel: bool = True, account_panel: bool = False) -> RunResult:
    """Simulate ``scenario`` with ``seed`` and return everything collected; with
    ``account_panel`` also the account-week panel (large: accounts x weeks rows)."""
    scenario = scenario or Scenario()
    with kernels.stacked(stacked_rows(scenario, 1)):  # the run picks its path as a whole
        model = SalesModel(scenario, rng=int(seed), weeks=weeks, panel=panel,
                           policies=build_policies(scenario), account_panel=account_panel)
        model.run()
        result = collect_result(model, panel)
    model.release()  # (a model is freed at once, not at the next full garbage collection)
    return result


def run_replications(scenario: Scenario, seeds: Sequence[int], weeks: int | None = None,
                     panel: bool = True, account_panel: bool = False) -> list[RunResult]:
    """:func:`run_scenario` for each of ``seeds``, stepped side by side as one model of
    ``len(seeds)`` replications (sim.world.replicas): each result equals the serial run of
    its seed, table for table."""
    seeds = [int(s) for s in seeds]
    if len(seeds) == 1:
        return [run_scenario(scenario, seeds[0], weeks, panel, account_panel)]
    with kernels.stacked(stacked_rows(scenario, len(seeds))):
        model = SalesModel(scenario, rng=seeds, weeks=weeks, panel=panel,
                           policies=build_policies(scenario), account_panel=account_panel)
        model.run()
        out = [collect_result(replica(model, r), panel) for r in range(model.R)]
    model.release()
    return out


def warm_kernels() -> None:
    """Compile every numba kernel into numba's cache, or load it from there: a small model
    run alone and two side by side (the two call the kernels with different types).  A
    worker that will run the compiled path does this before its first task."""
    if not kernels.AVAILABLE:
        return
    sc = Scenario()
    sc.org.n_reps, sc.run.burn_in_weeks = 20, 0
    with kernels.mode("on"):
        run_scenario(sc, 1, 60, panel=False)
        run_replications(sc, [1, 2], 60, panel=False)


def stacked_rows(scenario: Scenario, replications: int) -> int:
    """Accounts of a batch of ``replications`` of ``scenario`` at the start (all of them)."""
    return int(scenario.org.n_reps * scenario.accounts.per_rep) * replications


def same_world(a: Scenario, b: Scenario) -> bool:
    """Whether two scenarios differ at most in name, description and policies: then their
    burn-ins are the same model (sim.world.fork) and one can serve both."""
    def world(sc):
        return dataclasses.replace(sc, name="", description="", policies=Policies())
    return world(a) == world(b)


def run_policies(scenarios: Sequence[Scenario], seed: int = 0, weeks: int | None = None,
                 panel: bool = True, account_panel: bool = False) -> list[RunResult]:
    """Each scenario with ``seed``, as :func:`run_scenario` would return it, sharing one
    burn-in among scenarios that differ only in their policies (sim.world.fork).  Scenarios
    of another world, and runs without a burn-in, run on their own."""
    with kernels.stacked(max((stacked_rows(sc, 1) for sc in scenarios), default=0)):
        return _run_policies(scenarios, seed, weeks, panel, account_panel)


def _run_policies(scenarios, seed, weeks, panel, account_panel) -> list[RunResult]:
    out: list[RunResult | None] = [None] * len(scenarios)
    pending = list(range(len(scenarios)))
    while pending:
        lead = scenarios[pending[0]]
        group = [i for i in pending if same_world(lead, scenarios[i])]
        pending = [i for i in pending if i not in group]
        if len(group) == 1 or lead.run.burn_in_weeks == 0:
            for i in group:
                out[i] = run_scenario(scenarios[i], seed, weeks, panel, account_panel)
            continue
        base = SalesModel(lead, rng=int(seed), weeks=weeks, panel=panel, policies=[],
                          account_panel=account_panel)
        forking.burn_in(base)
        for i in group:
            model = forking.fork(base, scenarios[i], build_policies(scenarios[i]))
            forking.finish(model)
            out[i] = collect_result(model, panel)
            model.release()
        base.release()
    return out


def run_policies_replicated(scenarios: Sequence[Scenario], seeds: Sequence[int],
                            weeks: int | None = None, panel: bool = True,
                            account_panel: bool = False) -> list[list[RunResult]]:
    """:func:`run_policies` for several seeds at once: the burn-in of every seed is stepped
    side by side once (sim.world.replicas), then a copy of that stacked model measures each
    scenario (sim.world.fork).  ``out[i][r]`` equals ``run_scenario(scenarios[i], seeds[r])``.
    Scenarios of different worlds, or runs without a burn-in, fall back to one seed at a
    time."""
    seeds = [int(s) for s in seeds]
    lead = scenarios[0]
    if (len(seeds) == 1 or lead.run.burn_in_weeks == 0
            or not all(same_world(lead, sc) for sc in scenarios)):
        per_seed = [run_policies(scenarios, s, weeks, panel, account_panel) for s in seeds]
        return [[per_seed[r][i] for r in range(len(seeds))] for i in range(len(scenarios))]
    with kernels.stacked(stacked_rows(lead, len(seeds))):
        base = SalesModel(lead, rng=seeds, weeks=weeks, panel=panel, policies=[],
                          account_panel=account_panel)
        forking.burn_in(base)
        out = []
        for sc in scenarios:
            model = forking.fork(base, sc, build_policies(sc))
            forking.finish(model)
            out.append([collect_result(replica(model, r), panel) for r in range(model.R)])
            model.release()
    base.release()
    return out


def collect_result(model: SalesModel, panel: bool = True) -> RunResult:
    weekly = model.collector.weekly
    reps = rep_table(model)
    summary = kpis(model, weekly, reps)
    out = RunResult(summary, weekly, reps)
    if panel:
        out.panel = model.collector.panel.to_dict()
        out.accounts = model.book.to_dict([k for k in model.book.COLUMNS
                                           if k not in ("sales_week", "hours_week")])
        ev = {k: v[model.events_start:] for k, v in model.events.to_dict().items()}
        ev["week"] = ev["week"] - model.burn_in  # measured weeks, like the weekly series
        ev["kind"] = np.array(EventLog.KINDS, dtype=object)[ev["kind"]]
        ev["rep_id"] = np.where(ev["rep"] >= 0, model.reps.uid[np.maximum(ev["rep"], 0)], -1)
        out.events = ev
        out.handovers = handover_table(model)
    if model.collector.accounts is not None:
        out.accounts_weekly = model.collector.accounts.to_dict()
    return out


def rep_table(model: SalesModel) -> dict[str, np.ndarray]:
    """One row per rep under contract at some point of the measured window, with its
    performance quintile; weeks count from the start of the measured window."""
    r = model.reps
    seen = (r.view("left") < 0) | (r.view("left") >= model.burn_in)
    return _rep_rows(model, seen)


def _rep_rows(model: SalesModel, seen: np.ndarray) -> dict[str, np.ndarray]:
    r, shift = model.reps, model.burn_in

    def col(name):
        return r.view(name)[seen].copy()

    def week(name):  # a week stamp (-1 = never) on the measured clock
        v = col(name)
        return np.where(v >= 0, v - shift, v) if name != "hired" else v - shift

    n = int(seen.sum())
    weeks = np.maximum(col("weeks_employed"), 1)
    per_week = col("revenue_total") / weeks
    quint = np.zeros(n, dtype=np.int8)
    ok = col("weeks_employed") >= 13
    if ok.any():
        edges = np.quantile(per_week[ok], [0.2, 0.4, 0.6, 0.8])
        quint = np.searchsorted(edges, per_week, side="right").astype(np.int8)
    return {"rep_id": col("uid"), "team": col("team"),
            "hired_week": week("hired"), "left_week": week("left"),
            "weeks_employed": col("weeks_employed"),
            "revenue": col("revenue_total"), "pay": col("pay_total"),
            "perf_quintile": quint, "first_sign_week": week("first_sign"),
            "first_threat_week": week("first_threat"),
            "skill": col("skill"), "favoured": col("favoured"), "mentor": col("mentor")}


def handover_table(model: SalesModel) -> dict[str, np.ndarray]:
    """One row per handover of the measured window (weeks on the measured clock); reps named
    by id (-1 = nobody), kinds by name."""
    h = model.handovers.to_dict()
    keep = h["week"] >= model.burn_in
    h = {k: v[keep] for k, v in h.items()}
    h["week"] = h["week"] - model.burn_in
    h["left_week"] = np.where(h["left_week"] >= 0, h["left_week"] - model.burn_in, -1)
    uid = model.reps.uid
    for k in ("old_owner", "new_owner", "interim"):
        h[k] = np.where(h[k] >= 0, uid[np.maximum(h[k], 0)], -1)
    h["kind"] = np.array(HandoverLog.KINDS, dtype=object)[h["kind"]]
    return h


def gini(x: np.ndarray) -> float:
    x = np.sort(np.asarray(x, dtype=float))
    if x.size == 0 or x.sum() <= 0:
        return 0.0
    k = np.arange(1, x.size + 1)
    return float((2 * (k * x).sum() / (x.size * x.sum())) - (x.size + 1) / x.size)


def concentration(model: SalesModel) -> tuple[float, float, float]:
    """Top-20% revenue share, Gini and CV of annualised rep revenue over the last 52 weeks."""
    r = model.reps
    wk = r.view("weeks_window")
    ok = wk >= 13
    annual = r.view("rev_window")[ok] / wk[ok] * 52
    if annual.size < 5 or annual.sum() <= 0:
        return 0.0, 0.0, 0.0
    s = np.sort(annual)[::-1]
    top = s[: max(1, int(round(0.2 * s.size)))].sum() / s.sum()
    return float(top), gini(annual), float(annual.std() / annual.mean())


def kpis(model: SalesModel, w: dict, reps: dict) -> dict:
    weeks = len(w["revenue"])
    years = weeks / 52
    rev = float(w["revenue"].sum())
    comp = float(w["comp_cost"].sum())
    programs = float(w["program_cost"].sum())
    disc = float(w["discounts"].sum())
    cogs = float(w["cogs"].sum())  # one definition: the weekly collector's
    nyears = int(np.ceil(weeks / 52))
    by_year = [float(w["revenue"][y * 52:(y + 1) * 52].sum()) for y in range(nyears)]
    peak = w["peak"] > 0
    novdec = model.cal.nov_dec[w["week_of_year"].astype(int)]
    mean_head = float(w["headcount"].mean())
    quits = float(w["quits"].sum())
    top, g, cv = concentration(model)
    left = reps["left_week"] >= 0
    top_q = reps["perf_quintile"] == 4
    top_years = reps["weeks_employed"][top_q].sum() / 52
    band_years = model.exposure_by_band / 52
    with np.errstate(divide="ignore", invalid="ignore"):
        band_rate = np.where(band_years > 0, model.quits_by_band / band_years, 0.0)
    lead = lead_times(model)
    tactic_weeks = {t: float(w[f"tactic_{t}"].sum()) for t in TACTICS}
    hours_used = sum(float(w[f"hours_{a}"].sum()) for a in ACTIVITIES)
    return {
        "scenario": model.sc.name, "seed": None, "weeks": weeks,
        "revenue_total": rev,
        "revenue_by_year": by_year,
        "peak_share": float(w["revenue"][peak].sum() / rev) if rev > 0 else 0.0,
        "nov_dec_share": float(w["revenue"][novdec].sum() / rev) if rev > 0 else 0.0,
        "gross_margin": float((rev - cogs - comp - programs) / rev) if rev > 0 else 0.0,
        "program_cost": programs,
        "comp_cost": comp,
        "discounts": disc,
        "attrition_rate_annual": quits / max(mean_head, 1e-9) / years,
        "top_quintile_attrition_rate": float((left & top_q).sum() / top_years) if top_years > 0 else 0.0,
        "first_year_quit_rate": float(band_rate[0]),
        "tenured_quit_rate": float(band_rate[2]),
        "top20_revenue_share": top,
        "revenue_gini": g,
        "revenue_cv": cv,
        "leverage_events": float(w["threats"].sum() + w["demands"].sum()),
        "threats": float(w["threats"].sum()),
        "concessions_granted": float(w["concessions"].sum()),
        "concession_cost": float(w["concession_cost"].sum()),
        "accounts_lost_to_departures": float(w["accounts_lost"].sum()),
        "revenue_lost_to_departures": float(w["revenue_lost"].sum()),
        "manager_overload_share": float(w["overload_share"].mean()),
        "coaching_share_of_manager_time": float(w["hours_coaching"].sum() / hours_used)
        if hours_used > 0 else 0.0,
        "tactic_rep_weeks": tactic_weeks,
        "signals_noticed": float(w["signals_noticed"].sum()),
        "median_warning_lead_weeks": float(np.median(lead)) if lead.size else float("nan"),
        "hires": float(w["hires"].sum()),
        "quits": quits,
        "headcount_end": float(w["headcount"][-1]),
        "mean_effort": float(w["mean_effort"].mean()),
        "mean_stress": float(w["mean_stress"].mean()),
        "mean_engagement": float(w["mean_engagement"].mean()),
        "mean_dependency": float(w["mean_dependency"].mean()),
    }


def lead_times(model: SalesModel) -> np.ndarray:
    """Weeks from the first noticed warning sign to a rep's first threat or resignation."""
    ev = model.events
    kind = ev.view("kind")[model.events_start:]
    sel = np.isin(kind, (ev.CODE["threat"], ev.CODE["quit"]))
    v = ev.view("value")[model.events_start:][sel]
    return v[np.isfinite(v)]
