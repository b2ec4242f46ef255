"""Settings of the report's money view: currency label, value of a manager hour, verdict rules.

They value what the model produces; none of them feeds back into the simulation.  A sweep's
``experiment.toml`` (or a run's scenario file) may override them in a ``[report]`` table, for
example ``[report] currency = "EUR"`` and ``manager_hour_cost = 90``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sim.common.errors import UserError
from sim.world.params import P


@dataclass(frozen=True)
class ReportParams:
    currency: str = P("USD", "-", "Currency label of every money figure; the model's money "
                      "is in this unit (the revenue calibration is in US dollars).")
    manager_hour_cost: float = P(
        75.0, "currency per hour", "Value of one hour of a first-line manager's time: what "
        "the hours a policy uses (or frees) are worth in the money ledger. A loaded cost of "
        "a sales manager of about 150 k a year over 2,000 hours.", lo=0, hi=1000)
    max_replications: int = P(
        10_000, "replications", "Upper end of the 'more replications would settle it' "
        "estimate; an effect that needs more is reported as too small to settle.",
        lo=10, hi=1_000_000)


def report_params(table: dict | None, source: str) -> ReportParams:
    """ReportParams from a ``[report]`` table; unknown keys and bad values are UserErrors."""
    table = dict(table or {})
    known = {f.name: f for f in dataclasses.fields(ReportParams)}
    out = {}
    for key, value in table.items():
        if key not in known:
            raise UserError(f"{source}: report.{key}: unknown setting; allowed: "
                            + ", ".join(known))
        meta = known[key].metadata
        if key == "currency":
            if not isinstance(value, str) or not value.strip():
                raise UserError(f"{source}: report.currency = {value!r}: expected a "
                                "non-empty label such as \"USD\"")
            out[key] = value.strip()
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not meta["lo"] <= value <= meta["hi"]:
            raise UserError(f"{source}: report.{key} = {value!r}: expected a number from "
                            f"{meta['lo']} to {meta['hi']} ({meta['unit']})")
        out[key] = type(known[key].default)(value)
    return ReportParams(**out)
