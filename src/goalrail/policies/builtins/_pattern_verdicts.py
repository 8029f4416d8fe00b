"""How ``pattern_policy`` turns the declarative model's result into a verdict
(the table in ``goalrail.policies.builtins.patterns``), and the facts about an
action (size, HTTP method) it hands the model.
"""

from __future__ import annotations

from collections.abc import Mapping

from goalrail.jsontypes import JsonObject
from goalrail.patterns.model import EvaluationResult, ViolationMode
from goalrail.policies.schema import PolicyResponse, StateUpdate

RATE_PREFIX = "rate:"
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


def to_response(res: EvaluationResult, now: float) -> PolicyResponse | None:
    """An EvaluationResult as a Goalrail response (see the module table)."""
    updates: list[StateUpdate] = [
        {
            "key": RATE_PREFIX + key,
            "action": "append",
            "value": now,
            "scope": "policy",
            "max_len": limit,
        }
        for key, limit in res.rate_keys
    ]
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
