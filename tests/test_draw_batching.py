"""The weekly rules draw uniform team members for many owners in one numpy call
(``random_teammate``, ``SalesModel.interim_owner``) where they once made one call per team.
That is the same result only because numpy's bounded integers with an array of bounds are
drawn one after another, exactly as consecutive calls with scalar bounds would draw them,
including a bound of one (no draw).  These tests pin that property, so a numpy that broke it
would fail here rather than quietly change every run; and they check the two rules against a
per-team reference."""

from __future__ import annotations

from copy import deepcopy

import numpy as np
import pytest

import model_helpers as mh
from sim.policies.accounts import random_teammate
from sim.world.model import SalesModel


@pytest.mark.parametrize("low", [0, 1])
def test_array_bounds_draw_what_per_group_calls_draw(low):
    for trial in range(300):
        meta = np.random.default_rng(trial)
        groups = int(meta.integers(1, 25))
        high = meta.integers(low + 1, [6, 60, 100_000][trial % 3], groups)
        count = meta.integers(1, 12, groups)
        one, many = np.random.default_rng(trial), np.random.default_rng(trial)
        per_group = np.concatenate([one.integers(low, h, c)
                                    for h, c in zip(high.tolist(), count.tolist())])
        batched = many.integers(low, np.repeat(high, count))
        assert np.array_equal(per_group, batched)
        assert one.bit_generator.state == many.bit_generator.state


def _model(seed: int) -> SalesModel:
    return SalesModel(mh.tiny_scenario(40, overrides={"org.span": 6}), rng=seed, weeks=4)


def _teammate_reference(model, owners, rng):
    """The one-call-per-team version of ``random_teammate``."""
    r, a = model.reps, model.active
    out = owners.copy()
    for t in np.unique(r.team[owners]):
        members = a[r.team[a] == t]
        rows = (r.team[owners] == t).nonzero()[0]
        if members.size >= 2:
            shift = rng.integers(1, members.size, rows.size)
            pos = members.searchsorted(owners[rows])
            out[rows] = members[(pos + shift) % members.size]
    return out


def _interim_reference(model, accounts, leaving, rng):
    """The one-call-per-team version of ``interim_owner``."""
    r, a, b = model.reps, model.active, model.book
    out = np.full(len(leaving), -1, dtype=np.int32)
    for t in np.unique(r.team[leaving]):
        m = a[r.team[a] == t]
        sel = (r.team[leaving] == t).nonzero()[0]
        if m.size:
            out[sel] = m[rng.integers(0, m.size, sel.size)]
    bk = b.backup[accounts]
    ok = (bk >= 0) & r.active[np.maximum(bk, 0)]
    return np.where(ok, bk, out).astype(np.int32)


@pytest.mark.parametrize("seed", range(4))
def test_random_teammate_matches_the_per_team_draws(seed):
    model = _model(seed)
    owners = model.book.owner[model.owned]
    want = _teammate_reference(model, owners, deepcopy(model.streams["rotation"]))
    got = random_teammate(model, owners, "rotation")  # draws from the model's own stream
    assert np.array_equal(got, want)
    assert (got != owners).all()  # every team has two or more reps here


@pytest.mark.parametrize("seed", range(4))
def test_interim_owner_matches_the_per_team_draws(seed):
    model = _model(seed)
    r, b = model.reps, model.book
    leavers = model.active[:: 5]  # reps of several teams
    r.active[leavers[:2]] = False  # two of them already gone: their teams are smaller
    # a team with nobody left: every member off contract, its accounts get no interim (-1)
    empty = model.active[r.team[model.active] == r.team[leavers[-1]]]
    r.active[empty] = False
    model.refresh()
    accounts = model.owned[np.isin(b.owner[model.owned], np.r_[leavers, empty])]
    want = _interim_reference(model, accounts, b.owner[accounts], np.random.default_rng(seed))
    model.streams.handover = np.random.default_rng(seed)  # the same stream for both
    got = model.interim_owner(accounts, b.owner[accounts])
    assert np.array_equal(got, want)
    assert (got == -1).any() and (got >= 0).any()
