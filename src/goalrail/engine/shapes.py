"""The shapes of the dicts the engine takes in and gives out, for code that keeps or reads them.

``RawEvent`` is an event as ``context.normalize_event`` returns it (and as an
audit entry and a trace record keep it): what a caller sent, checked per phase,
before ``build_event`` adds the session's context.  ``VerdictRecord`` is a
decision as a trace records it and a replay compares it: the verdict, the
deciding policy and its reason, and optionally every policy's answer
(``Decision.to_dict()["decisions"]``).
"""

from __future__ import annotations

from typing import TypedDict

from goalrail.jsontypes import JsonObject, JsonValue


class _RawEventRequired(TypedDict):
    type: str
    target: str | None
    context: JsonObject
    data: JsonValue


class RawEvent(_RawEventRequired, total=False):
    id: str
    request_data: JsonValue


class VerdictRecord(TypedDict, total=False):
    result: str | None
    policy: str | None
    reason: str | None
    decisions: list[JsonObject] | None  # None: a recorded decision that kept no answers


__all__ = ["RawEvent", "VerdictRecord"]
