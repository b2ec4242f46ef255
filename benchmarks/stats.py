"""Repeat a measurement and keep its median, minimum and maximum."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Stat:
    """Median, min and max of repeated measurements of one quantity."""

    median: float
    lo: float
    hi: float
    n: int

    @classmethod
    def of(cls, values: list[float]) -> "Stat":
        if not values:
            raise ValueError("Stat.of needs at least one value")
        return cls(statistics.median(values), min(values), max(values), len(values))

    def scaled(self, factor: float) -> "Stat":
        """The same measurement times ``factor`` (a positive number keeps min and max)."""
        return Stat(self.median * factor, self.lo * factor, self.hi * factor, self.n)

    def rate(self, work: float) -> "Stat":
        """Timings (seconds) turned into a rate (``work`` per second); min and max swap."""
        return Stat(work / self.median, work / self.hi, work / self.lo, self.n)

    def as_dict(self) -> dict[str, float]:
        return {"median": self.median, "min": self.lo, "max": self.hi, "n": self.n}


@dataclass(frozen=True)
class Timing:
    """Wall-clock and CPU seconds (this process) of repeated calls."""

    wall: Stat
    cpu: Stat


def time_once(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def time_repeats(make: Callable[[], Callable[[], object]], repeats: int) -> Timing:
    """Time ``repeats`` calls; ``make`` builds a fresh callable each time (setup not timed)."""
    pairs = [time_once(make()) for _ in range(repeats)]
    return Timing(Stat.of([w for w, _ in pairs]), Stat.of([c for _, c in pairs]))
