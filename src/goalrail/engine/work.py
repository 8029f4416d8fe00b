"""How much work an event asks of the policies called on the event loop, and when that is too much.

A shipped builtin is called inline, on the event loop: a thread hop costs tens of
microseconds, more than most builtins take on a normal event.  But a builtin's cost grows
with the event (each copy reads its text again), the event is the agent's to choose (a
shell line, a tool's output, an LLM request of megabytes), and the loop is every session's:
while it runs one session's policies, no other session is answered.  So the budget is work,
not a count of policies: for the policies an event reaches, each call costs
:data:`PER_CALL` units, and each character of the event's text ``per_byte`` units per
policy (its cost class, ``registry.reads_event``, plus one per :data:`PARAMS_PER_UNIT`
characters of its parameters: patterns and globs each match).  An event whose work would pass
:data:`INLINE_WORK` has every policy of its chain that would run inline run on the worker
pools instead (session-level ones on the sessions' pool, the operator's on the operator's),
under their deadlines, judging exactly as they would inline.

One unit is about what a plain scan of one character costs (≈ 0.1 µs): the budget keeps
the loop held by one event's inline policies to a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import orjson

#: Work units the policies of one event may spend on the event loop.
INLINE_WORK = 32 * 1024
#: Units one inline call costs whatever the event's size.
PER_CALL = 256
#: Characters of a policy's parameters (as JSON) that add one unit per character of text.
PARAMS_PER_UNIT = 4096
#: The text limit of a plan none of whose inline policies reads the event's text.
UNBOUNDED = 1 << 62


def text_limit(calls: int, per_byte: int) -> int:
    """The characters of event text up to which ``calls`` inline policies reading ``per_byte``
    units per character stay within :data:`INLINE_WORK` (negative: none)."""
    left = INLINE_WORK - calls * PER_CALL
    if left < 0:
        return -1
    return left // per_byte if per_byte else UNBOUNDED


def text_over(event: Mapping[str, object], limit: int) -> bool:
    """Whether ``event``'s text (its target and data: every string's length and key's, one per
    other value) passes ``limit`` characters.  A request's text (a string) is its length; other
    data is answered by its JSON's length (an upper bound, in C) when that is within the limit,
    else walked (:func:`_walked`), which stops once past the limit."""
    if limit >= UNBOUNDED:
        return False
    if limit < 0:  # (no text at all: even an empty event has one value)
        return True
    target = event.get("target")
    data = event.get("data")
    if type(target) is str:
        limit -= len(target)
    if type(data) is str:  # (its text exactly)
        return len(data) > limit
    try:  # one C call, with no Python frame of its own: the data's JSON is never shorter than its text
        if len(_dumps(data)) <= limit:
            return False
    except TypeError:  # (orjson.JSONEncodeError: a lone surrogate, a key not a string, an integer past 64 bits)
        try:  # a value JSON cannot hold: its ``repr`` bounds it
            if len(repr(data)) <= limit:
                return False
        except RecursionError:
            return True
    return limit < 0 or _walked(data, limit)


def _walked(data: object, limit: int) -> bool:
    """Whether ``data``'s text passes ``limit`` characters, walked until it does."""
    total = 0
    stack: list[object] = [data]
    pop, push = stack.pop, stack.extend
    while stack:
        value = pop()
        if type(value) is str:
            total += len(value)
        elif isinstance(value, Mapping):
            total += 1
            for key in value:
                total += len(key) if type(key) is str else 1
                if total > limit:
                    return True
            push(value.values())
        elif isinstance(value, (list, tuple)):
            total += 1
            push(value)
        elif isinstance(value, (bytes, bytearray)):
            total += len(value)
        else:
            total += 1
        if total > limit:
            return True
    return False


_dumps = orjson.dumps


def weights(per_bytes: Iterable[int]) -> tuple[int, int]:
    """(calls, per_byte) of inline policies with those cost classes."""
    calls = total = 0
    for w in per_bytes:
        calls += 1
        total += w
    return calls, total
