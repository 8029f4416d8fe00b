"""The PASSIVE passes before the checkpoint that holds the writer (``sqlite_checkpoint``).

They run while each shortens the next: a pass that saw more than half as many frames
committed during it as the one before (its two fsyncs, not its frames, set its length)
ends them, and the writer is held for what is left.  Scripted WAL lengths stand in for
SQLite's answers (``(frames, left uncopied)``); the hold is counted, not run.
"""

from __future__ import annotations

import asyncio
from typing import Any

from goalrail.store.sql.sqlite_checkpoint import Checkpoints

START = 2 * Checkpoints.RESTART_FRAMES


def _passes(growths: list[int]) -> tuple[int, int]:
    """(PASSIVE checkpoints run, holds) for a round whose passes see ``growths`` frames come."""

    async def go() -> tuple[int, int]:
        cp = Checkpoints.__new__(Checkpoints)
        cp._writer = asyncio.Lock()
        cp._thread = None  # type: ignore[assignment]
        cp.rounds = cp.restarts = 0
        answers = [START]
        for g in growths:
            answers.append(answers[-1] + g)
        calls: list[str] = []

        def run(mode: str) -> tuple[int, int]:
            frames = answers[min(len(calls), len(answers) - 1)]
            calls.append(mode)
            return frames, (frames - answers[len(calls) - 2] if len(calls) > 1 else 0)

        holds: list[Any] = []
        cp.run = run  # type: ignore[method-assign]
        cp._holding = lambda: holds.append(1)  # type: ignore[method-assign]
        await cp._round()
        return len(calls), len(holds)

    return asyncio.run(go())


def test_steady_commits_end_the_passes_once_they_stop_shrinking() -> None:
    # (+235, +127, +124, +210, ...: what bench/http_instructions.py's driver showed; 8 passes before)
    assert _passes([235, 127, 124, 210, 126, 122, 118, 198, 120]) == (1 + 2, 1)


def test_a_pass_as_long_as_the_one_before_ends_them() -> None:
    assert _passes([500, 400, 300, 200, 150, 100, 90, 80, 70]) == (1 + 2, 1)


def test_passes_go_on_while_each_halves_the_next() -> None:
    # 1,000 → 400 → 150 → 50 (at most TAIL: the hold then has little to copy)
    assert _passes([1000, 400, 150, 50, 40, 30]) == (1 + 4, 1)


def test_a_pass_that_leaves_at_most_tail_ends_them_at_once() -> None:
    assert _passes([Checkpoints.TAIL, 500, 500]) == (1 + 1, 1)


def test_at_most_passes_of_them() -> None:
    growth = [4096 >> i for i in range(12)]  # (halving each time, never under TAIL within PASSES)
    growth = [g + Checkpoints.TAIL + 1 for g in growth]
    runs, holds = _passes(growth)
    assert runs <= 1 + Checkpoints.PASSES and holds == 1
