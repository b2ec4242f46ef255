"""Season calendars: a demand multiplier for each of the 52 weeks of a year.

A calendar is given as twelve monthly shares of annual demand (or 52 weekly multipliers).
Months map onto weeks by the calendar date of each week's midpoint, so a flat year puts
9/52 = 17.3% of its weeks in November-December.  Multipliers are normalised to mean 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.world.params import SeasonParams
from sim.world.arrays import clamp

WEEKS_PER_YEAR = 52
DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])

# Monthly shares of annual demand.  Sources: seed 000 ("nearly half of annual revenue" in the
# holiday season) and NRF holiday figures in ../shared/reference/stylized-facts.md.
BUILTIN_MONTHLY = {
    # Q4 = 45% of the year (seed 000's case).
    "holiday_peak": [0.055, 0.05, 0.06, 0.06, 0.06, 0.06, 0.06, 0.065, 0.08, 0.10, 0.16, 0.19],
    # Nov-Dec = 29% (NRF: jewelry 27-30%, hobby/toy ~30%).
    "gift_retail": [0.072] * 10 + [0.10, 0.18],
    # Nov-Dec = 19.5% (NRF: 19-20% of general retail).
    "general_retail": [0.0815] * 10 + [0.085, 0.10],
    "flat": list(DAYS_IN_MONTH / 365),
    # A spring and a holiday peak (assumption: e.g. garden and gift lines).
    "two_peaks": [0.06625, 0.06625, 0.11, 0.11] + [0.06625] * 6 + [0.12, 0.13],
}


def week_months() -> np.ndarray:
    """Month index (0-11) of each week's midpoint in a 365-day year."""
    mid = 3.5 + 7 * np.arange(WEEKS_PER_YEAR)
    ends = np.cumsum(DAYS_IN_MONTH)
    return np.searchsorted(ends, mid, side="right")


def weekly_from_monthly(shares) -> np.ndarray:
    """Weekly multipliers (mean 1) from 12 monthly shares of annual demand."""
    shares = np.asarray(shares, dtype=float)
    per_day = shares / DAYS_IN_MONTH
    m = per_day[week_months()]
    return m / m.mean()


@dataclass(frozen=True)
class Calendar:
    """Weekly demand multipliers plus the derived windows reps and reports use."""

    name: str
    multiplier: np.ndarray  # (52,) mean 1
    peak: np.ndarray  # (52,) bool: the peak window
    lookahead: np.ndarray  # (52,) in [0, 1]: how much peak demand lies just ahead
    nov_dec: np.ndarray  # (52,) bool

    def at(self, week: int) -> float:
        return float(self.multiplier[week % WEEKS_PER_YEAR])


def build_calendar(p: SeasonParams) -> Calendar:
    if p.calendar == "custom":
        if len(p.weekly) == WEEKS_PER_YEAR:
            m = np.asarray(p.weekly, dtype=float)
            m = m / m.mean()
        else:
            m = weekly_from_monthly(p.monthly)
    else:
        m = weekly_from_monthly(BUILTIN_MONTHLY[p.calendar])
    threshold = max(p.peak_min_multiplier, p.peak_rel_to_max * m.max())
    peak = m >= threshold - 1e-12
    # Demand above the mean over the coming `lookahead_weeks`, relative to the busiest stretch.
    excess = clamp(m - 1.0, 0.0, None)
    excess[excess < 1e-9] = 0.0  # rounding noise of a flat calendar is not a peak
    idx = (np.arange(WEEKS_PER_YEAR)[:, None] + np.arange(p.lookahead_weeks)[None, :]) % 52
    ahead = excess[idx].sum(axis=1)
    lookahead = ahead / ahead.max() if ahead.max() > 0 else np.zeros(WEEKS_PER_YEAR)
    nov_dec = week_months() >= 10
    return Calendar(p.calendar, m, peak, lookahead, nov_dec)
