"""Pinned-seed regression of the baseline KPIs.

A speed-up must not silently change results: the baseline at seeds 0 and 1 must reproduce the
pinned KPIs to 1e-9 relative.  When a change is meant to alter results, re-pin with
`python tools/pin_baseline.py` and say so in the commit message.
"""
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from pin_baseline import OUT, current  # noqa: E402


def _flat(d, prefix=""):
    for k, v in d.items():
        if isinstance(v, dict):
            yield from _flat(v, f"{prefix}{k}.")
        elif isinstance(v, list):
            for i, x in enumerate(v):
                yield f"{prefix}{k}.{i}", x
        else:
            yield f"{prefix}{k}", v


def test_baseline_kpis_match_pinned_values():
    pinned = json.loads(OUT.read_text())
    now = json.loads(json.dumps(current()))
    for seed in pinned:
        want, got = dict(_flat(pinned[seed])), dict(_flat(now[seed]))
        assert want.keys() == got.keys()
        for k in want:
            a, b = want[k], got[k]
            if isinstance(a, float) and math.isnan(a):
                assert math.isnan(b), (seed, k)
            else:
                assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), (seed, k, a, b)
