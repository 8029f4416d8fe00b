"""How ``pattern_policy`` turns the declarative model's result into a verdict
(the table in ``goalrail.policies.builtins.patterns``), and the facts about an
action (size, HTTP method) it hands the model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from goalrail.jsontypes import JsonObject
from goalrail.patterns.model import EvaluationResult, ViolationMode
from goalrail.patterns.outcome import KILL, final, matched_floor, raises, stricter
from goalrail.policies.builtins._rate import rate_update
from goalrail.policies.schema import PolicyResponse, StateUpdate

__all__ = [
    "KILL",
    "RATE_PREFIX",
    "Window",
    "final",
    "matched_floor",
    "method_of",
    "raises",
    "size_of",
    "stricter",
    "to_response",
]

RATE_PREFIX = "rate:"
#: a rate list as read for a decision: the list, the length of its stale prefix, the cutoff
Window = tuple[list[object], int, float]
_NO_WINDOW: Window = ([], 0, math.nan)
_SIZE_KEYS = ("content", "new_string", "new_source", "text", "body", "data")


def size_of(arguments: object) -> int | None:
    if not isinstance(arguments, Mapping):
        return None
    for key in _SIZE_KEYS:
        value = arguments.get(key)
        if isinstance(value, str):
            return len(value.encode("utf-8"))
    return None


def method_of(action_type: str, arguments: object) -> str | None:
    if action_type != "network_request":
        return None
    if isinstance(arguments, Mapping) and isinstance(arguments.get("method"), str):
        return str(arguments["method"]).upper()
    return "GET"


def _metadata(res: EvaluationResult) -> JsonObject:
    meta: JsonObject = {
        "policy": res.policy,
        "pattern_id": res.pattern_id,
        "action": res.action,
        "severity": str(res.severity) if res.severity is not None else None,
    }
    if res.violation_mode is not None:
        meta["violation_mode"] = res.violation_mode.value
    if res.signal is not None:
        meta["signal"] = str(res.signal)
    if res.exception:
        meta["exception"] = res.exception
    if res.requirements:
        meta["requirements"] = dict(res.requirements)
    return meta


def _rate_updates(rate_keys: list[tuple[str, int]], now: float, windows: Mapping[str, Window]) -> list[StateUpdate]:
    """Record the operation at ``now`` under each key the result counts against: an append
    (the last ``limit`` kept), or the list written again without its stale prefix
    (``_rate.rate_update``).  A key counted twice by one result (two layers of one name)
    gets two appends, as before."""
    keys = [key for key, _ in rate_keys]
    updates = []
    for key, limit in rate_keys:
        stamps, stale, cutoff = windows.get(key, _NO_WINDOW) if keys.count(key) == 1 else _NO_WINDOW
        updates.append(rate_update(stamps, stale, now, cutoff, limit, RATE_PREFIX + key))
    return updates


def to_response(
    res: EvaluationResult, now: float, windows: Mapping[str, Window] | None = None
) -> PolicyResponse | None:
    """An EvaluationResult as a Goalrail response (see the module table).  ``windows``:
    the rate lists the decision read (by key, with their stale prefix and cutoff)."""
    updates = _rate_updates(res.rate_keys, now, windows or {})
    mode = res.violation_mode
    out: PolicyResponse
    if mode is None:
        if res.action == "warn":
            out = {"result": "ALLOW", "reason": res.reason, "warning": res.reason}
        elif res.matched or updates:
            out = {"result": "ALLOW", "reason": res.reason}
        else:
            return None  # default allow: no opinion
    elif mode is ViolationMode.SIGKILL:
        out = {"result": "DENY", "reason": res.reason, "end_session": True}
    elif mode is ViolationMode.BLOCK:
        out = {"result": "DENY", "reason": res.reason}
    elif mode is ViolationMode.SIGSTOP:
        out = {"result": "ASK", "reason": res.reason}
    elif mode is ViolationMode.SIGWARN:
        out = {"result": "ALLOW", "reason": res.reason, "warning": res.reason}
    else:  # LOG_ONLY
        out = {"result": "ALLOW", "reason": res.reason}
        meta = _metadata(res)
        meta["logged"] = True
        out["metadata"] = meta
    out.setdefault("metadata", _metadata(res))
    if updates:
        out["state_updates"] = updates
    return out
