"""A finished model is freed at once (SalesModel.release), not at the next full garbage
collection: the model and its Mesa agents refer to each other, so without it a sweep process
keeps the arrays of every model since the last collection."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import model_helpers as mh
import sim.scenario.runner as runner
from sim.world.model import SalesModel


@pytest.fixture
def no_gc():
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def _finished(seed: int = 1) -> SalesModel:
    model = SalesModel(mh.tiny_scenario(12, 4), rng=seed, weeks=4)
    model.run()
    return model


def test_without_release_a_model_outlives_its_last_reference(no_gc):
    model = _finished()
    book = weakref.ref(model.book)
    del model
    assert book() is not None  # the agent <-> model cycle holds it (what release is for)


def test_release_frees_the_tables_and_keeps_the_results(no_gc):
    model = _finished()
    result = runner.collect_result(model, panel=True)
    refs = [weakref.ref(getattr(model, k)) for k in ("book", "reps", "events", "collector")]
    model.release()
    del model
    assert all(ref() is None for ref in refs)
    assert np.isfinite(result.summary["revenue_total"])
    assert len(result.weekly["revenue"]) == 4 and result.events["week"].size > 0


def test_run_scenario_and_run_policies_release_their_models(no_gc, monkeypatch):
    books = []

    class Watched(SalesModel):
        def __init__(self, *args, **kw):
            super().__init__(*args, **kw)
            books.append(weakref.ref(self.book))

    monkeypatch.setattr(runner, "SalesModel", Watched)
    sc = mh.tiny_scenario(12, 4)
    runner.run_scenario(sc, 2, 4)
    sc.run.burn_in_weeks = 3  # a shared burn-in: the base and each fork
    runner.run_policies([sc, sc], 2, 4)
    assert len(books) >= 2 and all(ref() is None for ref in books)
