"""Sliding windows of allowed calls' times kept in policy state: ``rate_limit``'s
``policy_state["calls"]`` and the declarative patterns' ``max_operations_per_minute``
lists (``rate:<policy>/<pattern>``).

A list holds the times of allowed calls in the order they were recorded, at most a
limit of them (``append`` with ``max_len``).  Only the calls after ``now - window``
count.  A call at or before ``now - window`` can never count again for an event at
``now`` or later, so once the list starts with many such stale calls it is written
again without them (:func:`rate_update`).  Only a stale *prefix* is dropped: the list
written is then a suffix of the one the appends would have kept, and stays one through
later appends, so the decisions are those of the full list for every clock that does
not go back, and never stricter than them for one that does.
"""

from __future__ import annotations

import bisect
import math
from typing import cast

from goalrail.policies.schema import StateUpdate

CALLS_KEY = "calls"


def rate_window(calls: list[object], start: float, now: float) -> tuple[int, float, int]:
    """(calls in the window ``(start, now]``, the earliest of them, the length of the
    list's prefix of calls that no event at ``now`` or later counts: at or before
    ``start``, or not a number).

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
    live = (i for i, t in enumerate(calls) if isinstance(t, (int, float)) and t > start)
    return len(recent), min(recent, default=0.0), next(live, len(calls))


def _numbers(calls: list[object]) -> bool:
    """Every entry an int or a float (bools included, as ``isinstance`` counts them), none NaN.

    A NaN makes the sum NaN (one pass at C speed, cheaper than a test per entry); so does
    ``inf`` with ``-inf``, which then goes to the scan: the same answers, more slowly."""
    if not set(map(type, calls)) <= _NUMBER_TYPES:
        return False
    try:
        total = sum(cast(list[float], calls))
    except OverflowError:  # an int too large for a float: the scan compares it exactly
        return False
    return total == total


_NUMBER_TYPES = frozenset({int, float, bool})


def rate_update(
    calls: list[object], stale: int, now: float, start: float, max_calls: int, key: str = CALLS_KEY
) -> StateUpdate:
    """Record an allowed call at ``now`` under ``key``: append it (the last ``max_calls``
    kept), or, once the list's first ``stale`` calls (at or before ``start``, which no
    later call, at a later time, can count again) are as many as the others and at least
    ``_RATE_SLACK``, write the list without them.  Appends commute with other writers;
    the rewrite keeps the state's size within about twice the calls of one window."""
    if stale >= _RATE_SLACK and stale * 2 >= len(calls) and math.isfinite(start):
        kept = calls[stale:]
        kept.append(now)
        return {"key": key, "action": "set", "value": kept[-max_calls:], "scope": "policy"}
    return {"key": key, "action": "append", "value": now, "scope": "policy", "max_len": max_calls}


#: stale calls tolerated before the list is rewritten without them
_RATE_SLACK = 16
