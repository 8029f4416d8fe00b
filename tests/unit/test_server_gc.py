"""`goalrail server` tunes the garbage collector for a long-running process before serving."""

from __future__ import annotations

import gc

from goalrail.cli.server import GC_THRESHOLDS, tune_gc


def test_the_server_freezes_what_it_loaded_and_collects_young_objects_less_often() -> None:
    before = gc.get_threshold()
    callbacks = list(gc.callbacks)
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        tune_gc()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert GC_THRESHOLDS[0] > before[0]
        assert gc.get_freeze_count() > 1000  # the modules and objects loaded so far
    finally:
        gc.callbacks[:] = callbacks
        gc.unfreeze()
        gc.set_threshold(*before)
