"""``rate_limit``'s sliding window: the allowed calls' times, kept in ``policy_state["calls"]``.

The list holds the times of allowed calls in the order they were recorded, at most
``max_calls`` of them.  Only the calls in the window ``(now - window, now]`` count.  A
call at or before ``now - window`` can never count again for an event at ``now`` or
later, so once such stale calls are many the list is written again without them
(:func:`rate_update`); the decisions are those of the full list as long as the clock a
session's events carry does not go back.
"""

from __future__ import annotations

import bisect
import math
from typing import cast

from goalrail.policies.schema import StateUpdate

CALLS_KEY = "calls"


def rate_window(calls: list[object], start: float, now: float) -> tuple[int, float, int]:
    """(calls in the window ``(start, now]``, the earliest of them, calls at or before ``start``).

    The list is appended in time order, so it is usually sorted: then two bisections
    (after C-speed checks that every entry is a number and none is NaN); otherwise
    (state written by a clock that went back, or not by this policy) a scan.
    """
    times = cast(list[float], calls)
    if calls and _numbers(calls) and times == sorted(times):
        stale = bisect.bisect_right(times, start)
        count = bisect.bisect_right(times, now, stale) - stale
        return count, (times[stale] if count else 0.0), stale
    recent = [t for t in calls if isinstance(t, (int, float)) and start < t <= now]
    stale = sum(1 for t in calls if not (isinstance(t, (int, float)) and t > start))
    return len(recent), min(recent, default=0.0), stale


def _numbers(calls: list[object]) -> bool:
    """Every entry an int or a float (bools included, as ``isinstance`` counts them), none NaN."""
    return set(map(type, calls)) <= _NUMBER_TYPES and not any(map(math.isnan, cast(list[float], calls)))


_NUMBER_TYPES = frozenset({int, float, bool})


def rate_update(calls: list[object], stale: int, now: float, window: float, max_calls: int) -> StateUpdate:
    """Record an allowed call at ``now``: append it (the last ``max_calls`` kept), or, once
    the calls at or before ``now - window`` (which no later call, at a later time, can
    count again) are as many as the others and at least ``_RATE_SLACK``, write the list
    without them.  Appends commute with other writers; the rewrite keeps the state's
    size within about twice the calls of one window."""
    start = now - window
    if stale >= _RATE_SLACK and stale * 2 >= len(calls) and math.isfinite(start):
        kept = [t for t in calls if isinstance(t, (int, float)) and t > start]
        kept.append(now)
        return {"key": CALLS_KEY, "action": "set", "value": kept[-max_calls:], "scope": "policy"}
    return {"key": CALLS_KEY, "action": "append", "value": now, "scope": "policy", "max_len": max_calls}


#: stale calls tolerated before the list is rewritten without them
_RATE_SLACK = 16
