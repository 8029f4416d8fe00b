"""`goalrail server` freezes once more what its start and first decisions keep.

``tune_gc`` freezes what is loaded before serving; the store, its caches, modules imported
on first use and compiled policies come after.  Unfrozen, the first collection of
generation 1 scanned all of them at once on the event loop (77 k objects on
``bench/http_instructions.py``'s SQLite driver), and every full collection after it again.
They are frozen after the ``GC_THRESHOLDS[1]``-th young collection, the last one before
the first collection of generation 1; once, not again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from goalrail.cli.server import GC_THRESHOLDS, tune_gc


@pytest.fixture
def tuned() -> Iterator[None]:
    threshold, callbacks = gc.get_threshold(), list(gc.callbacks)
    gc.unfreeze()
    try:
        tune_gc()
        yield
    finally:
        gc.callbacks[:] = callbacks
        gc.unfreeze()
        gc.set_threshold(*threshold)


def _young(n: int) -> None:
    for _ in range(n):
        gc.collect(0)


def test_what_the_first_decisions_keep_is_frozen_before_the_first_older_collection(tuned: None) -> None:
    frozen = gc.get_freeze_count()
    kept = [{"n": [i]} for i in range(2000)]  # (4,000 containers kept: caches, compiled policies)
    _young(GC_THRESHOLDS[1] - 1)
    assert gc.get_freeze_count() == frozen  # not yet
    _young(1)
    assert gc.get_freeze_count() >= frozen + 2 * len(kept)
    assert not gc.get_objects(1) and not gc.get_objects(2)  # nothing left for generation 1 to scan


def test_it_freezes_once(tuned: None) -> None:
    _young(GC_THRESHOLDS[1])
    frozen = gc.get_freeze_count()
    later = [{"n": [i]} for i in range(1000)]
    _young(3 * GC_THRESHOLDS[1])
    assert gc.get_freeze_count() == frozen  # what requests keep later stays collectable
    assert len(later) == 1000


def test_tuning_twice_counts_once(tuned: None) -> None:
    callbacks = len(gc.callbacks)
    tune_gc()
    assert len(gc.callbacks) == callbacks
    frozen = gc.get_freeze_count()
    kept = [[i] for i in range(1000)]
    _young(GC_THRESHOLDS[1])
    assert gc.get_freeze_count() >= frozen + len(kept)


def test_the_thresholds_stay(tuned: None) -> None:
    _young(2 * GC_THRESHOLDS[1])
    assert gc.get_threshold() == GC_THRESHOLDS


def test_cycles_made_after_the_freeze_are_still_collected(tuned: None) -> None:
    import weakref

    _young(GC_THRESHOLDS[1])

    class Node:
        pass

    node = Node()
    node.me = node  # type: ignore[attr-defined]
    ref = weakref.ref(node)
    del node
    gc.collect()
    assert ref() is None
