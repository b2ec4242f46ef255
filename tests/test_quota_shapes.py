"""The quota shape of R replications side by side equals each replication's serial shape,
bit for bit (sim.world.compensation.CompPlan)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.world.compensation import CompPlan
from sim.world.params import CompParams
from sim.world.seasons import WEEKS_PER_YEAR


def _plan(R: int, period: str, seen: bool, seed: int) -> CompPlan:
    rng = np.random.default_rng(seed)
    demand = rng.random(WEEKS_PER_YEAR) + 0.2
    plan = CompPlan(CompParams(quota_period=period), demand, 0.1,
                    np.arange(WEEKS_PER_YEAR) > 44, R)
    hist = rng.lognormal(3, 1.5, size=plan.sales_last_year.shape)
    if R > 1:
        hist[1] = 0.0  # a replication that sold nothing falls back on demand
        hist[2, :3] = 0.0  # (no period of it sold nothing: its share left is 0 / 0)
    plan.sales_last_year[...] = hist
    plan.sales_seen[:] = True
    plan.sales_seen[7] = seen
    return plan


@pytest.mark.parametrize("period", ["month", "quarter", "year"])
@pytest.mark.parametrize("seen", [True, False])
def test_stacked_shapes_equal_each_replications_serial_shape(period, seen):
    R = 6
    stacked = _plan(R, period, seen, seed=3)
    shape, sums = stacked._shape_and_sums()
    assert shape.shape == (R, WEEKS_PER_YEAR) and sums.shape == (R, len(stacked.lengths))
    a = np.arange(4 * R)  # one rep slot of each replication, four times over
    for r in range(R):
        serial = _plan(1, period, seen, seed=3)
        serial.sales_last_year[:] = stacked.sales_last_year[r]
        s1, t1 = serial._shape_and_sums()
        assert shape[r].tobytes() == s1.tobytes()
        assert sums[r].tobytes() == t1.tobytes()
        for woy in (0, 5, 12, 13, 40, 51):
            want = serial.share_left(woy)
            got = stacked.share_left(woy, a)[a % R == r]
            assert got.tobytes() == np.full(4, want).tobytes()
