"""Which runs of a design can share work: twins run once, and runs that differ only in their
policies share a burn-in.

*Twins* have the same effective scenario and seed (a factor that only matters under one
policy repeats the reference policy's scenario at every level): one model run serves them all.
A *bundle* is a set of twin groups with the same world (the scenario without its policies) and
seed: their burn-ins are the same model, so the worker simulates it once
(``sim.scenario.runner.run_policies``, ``sim.world.fork``).
A *batch* is a set of twin groups with the same effective scenario and different seeds (the
replications of one design point): the worker steps them side by side as one model
(``sim.scenario.runner.run_replications``), each identical to its serial run.
A *batch of bundles* is a set of bundles of the same scenarios under different seeds: the
worker steps their burn-ins side by side once and forks that model per scenario
(``sim.scenario.runner.run_policies_replicated``).
"""

from __future__ import annotations

import json

import sim.sweep.experiment as ex
from sim.sweep.effects import effective, effective_key


def _points_and_seeds(design: ex.Design) -> tuple[dict, dict]:
    return (dict(zip(design.table["run_id"], design.table["point_id"])),
            dict(zip(design.table["run_id"], design.table["seed"])))


def _group(run_ids, key) -> dict[int, list[int]]:
    """Run ids by ``key(run_id)``: first run id of each key -> all of them, in run order."""
    groups: dict[int, list[int]] = {}
    first: dict = {}
    for run_id in run_ids:
        groups.setdefault(first.setdefault(key(run_id), run_id), []).append(run_id)
    return groups


def twin_groups(design: ex.Design, run_ids: list[int]) -> dict[int, list[int]]:
    """Runs with the same effective scenario and seed, grouped: first run id -> all of them.

    A factor that only matters under one policy (say ``policies.rotation.share``) repeats the
    reference policy's scenario at every level; such twins run once and share the result.
    """
    keys = [effective_key(cell) for cell in design.cells]
    points, seeds = _points_and_seeds(design)
    return _group(run_ids, lambda r: (keys[points[r]], seeds[r]))


def world_key(cell: dict) -> str | None:
    """What a run's burn-in depends on besides its seed: the cell without its policies (None
    without a burn-in: there is nothing to share)."""
    if not cell["run"].get("burn_in_weeks"):
        return None
    return json.dumps({k: v for k, v in effective(cell).items() if k != "policies"},
                      sort_keys=True)


def burn_in_bundles(design: ex.Design, groups: dict[int, list[int]]) -> list[list[int]]:
    """Twin-group leaders that can share a burn-in (same world and seed), in run order."""
    keys = [world_key(cell) for cell in design.cells]
    points, seeds = _points_and_seeds(design)
    return list(_group(groups, lambda r: (keys[points[r]] or f"alone {r}", seeds[r])).values())


def batch_sizes(per_key: dict, size: int, workers: int, others: int = 0) -> dict:
    """The sizes, in order, of each key's batches, given each key's count of members: as
    even as the count allows under ``size``, and more batches where the workers would
    otherwise outnumber the tasks (``others`` more tasks go unbatched, a worker each; a
    key's share of the other workers follows its count).  Ten members under a size of 8
    make batches of 5 and 5, not 8 and 2; ten under a size of 10 make 5 and 5 for two
    workers, and 4, 3 and 3 for three."""
    few = others + sum(-(-n // size) for n in per_key.values()) < workers
    total = sum(per_key.values())
    out = {}
    for key, n in per_key.items():
        parts = -(-n // size)
        if few:
            parts = max(parts, min(n, -(-(workers - others) * n // total)))
        out[key] = [n // parts + (j < n % parts) for j in range(parts)]
    return out


def replica_batches(design: ex.Design, bundles: list[list[int]], size: int,
                    workers: int = 1) -> list[list[int]]:
    """``bundles`` with the lone runs of one effective scenario gathered into batches
    (different seeds, run order kept within a batch), as even as :func:`batch_sizes` makes
    them; bundles that share a burn-in stay as they are."""
    if size <= 1:
        return bundles
    keys = [effective_key(cell) for cell in design.cells]
    points = dict(zip(design.table["run_id"], design.table["point_id"]))
    lone = [keys[points[b[0]]] if len(b) == 1 else None for b in bundles]
    per_key: dict = {}
    for key in lone:
        if key is not None:
            per_key[key] = per_key.get(key, 0) + 1
    sizes = batch_sizes(per_key, size, workers, others=lone.count(None))
    out: list[list[int]] = []
    open_: dict = {}  # effective scenario -> index in ``out`` of its batch being filled
    for bundle, key in zip(bundles, lone):
        if key is None:
            out.append(bundle)
            continue
        at = open_.get(key)
        if at is None or len(out[at]) >= sizes[key][0]:
            if at is not None:
                sizes[key].pop(0)
            open_[key] = len(out)
            out.append(list(bundle))
        else:
            out[at].append(bundle[0])
    return out


def bundle_batches(design: ex.Design, bundles: list[list[int]], size: int,
                   workers: int = 1) -> tuple[list[list[int]], set[int]]:
    """``bundles`` with the bundles of the same scenarios (their runs' effective scenarios,
    in order) under different seeds gathered into batches of at most ``size`` bundles, each
    batch one list of its runs (bundle after bundle); lone runs stay as they are.  Also
    returns the first run id of every batch of two bundles or more.  Batches are smaller,
    and even, where there would otherwise be fewer of them than ``workers`` (a comparison
    of a few policies over a few seeds would otherwise be one task for one worker)."""
    if size <= 1:
        return bundles, set()
    keys = [effective_key(cell) for cell in design.cells]
    points = dict(zip(design.table["run_id"], design.table["point_id"]))
    per_key: dict = {}
    for bundle in bundles:
        if len(bundle) > 1:
            key = tuple(keys[points[r]] for r in bundle)
            per_key[key] = per_key.get(key, 0) + 1
    sizes = batch_sizes(per_key, size, workers)
    out: list[list[int]] = []
    count: list[int] = []  # bundles in each entry of ``out``
    open_: dict = {}  # the bundle's scenarios -> index in ``out`` of its batch being filled
    for bundle in bundles:
        if len(bundle) == 1:
            out.append(bundle)
            count.append(1)
            continue
        key = tuple(keys[points[r]] for r in bundle)
        at = open_.get(key)
        if at is None or count[at] >= sizes[key][0]:
            if at is not None:
                sizes[key].pop(0)
            open_[key] = len(out)
            out.append(list(bundle))
            count.append(1)
        else:
            out[at].extend(bundle)
            count[at] += 1
    return out, {b[0] for b, n in zip(out, count) if n > 1}
