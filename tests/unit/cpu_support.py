"""CPU-time comparisons for tests that must catch a slow path on a loaded machine.

A test never compares a duration with an absolute bound (a loaded machine runs anything many
times slower): it compares two readings taken in the same test, in turns, each the least thread
CPU time of a few rounds (what the test's own thread spent, not the time other processes held
the core), so that both are measured in the same conditions.  Two forms:

* :func:`scales_linearly`: ``factor`` times the input costs at most ``2 * factor`` times the
  time (a quadratic or exponential path fails by far);
* :func:`within`: a call costs at most ``times`` what a floor computed in the same test costs
  (a constant-factor slowdown fails).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

#: a suffix for texts made new for each reading (the readers cache what they saw)
FRESH = itertools.count()


def least_cpu(*calls: Callable[[], object], rounds: int = 5, number: int = 1) -> list[float]:
    """The least thread CPU time (seconds) of each of ``calls``, run ``number`` times a round, the
    calls taking turns for ``rounds`` rounds."""
    best = [float("inf")] * len(calls)
    for _ in range(rounds):
        for i, call in enumerate(calls):
            start = time.thread_time()
            for _ in range(number):
                call()
            best[i] = min(best[i], (time.thread_time() - start) / number)
    return best


def scales_linearly(
    make: Callable[[int], Callable[[], object]], size: int, factor: int = 10, *, rounds: int = 3
) -> tuple[float, float]:
    """(small, large): the least CPU time of ``make(size)()`` and of ``make(size * factor)()``; asserts
    the large one costs at most ``2 * factor`` times the small one."""
    small, large = least_cpu(make(size), make(size * factor), rounds=rounds)
    assert large <= 2 * factor * small, f"{factor}x the input: {large / small:.1f}x the CPU ({small:.4f} s)"
    return small, large


def within(call: Callable[[], object], floor: Callable[[], object], times: float, *, number: int = 1) -> float:
    """The ratio of ``call``'s least CPU time to ``floor``'s; asserts it is at most ``times``."""
    spent, base = least_cpu(call, floor, number=number)
    ratio = spent / max(base, 1e-9)
    assert ratio <= times, f"{ratio:.1f}x the floor ({spent * 1e6:.0f} µs against {base * 1e6:.0f} µs)"
    return ratio
