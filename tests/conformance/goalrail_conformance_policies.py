"""Small policies for the core conformance corpus (loaded via `policy_modules`)."""

from __future__ import annotations

import time
from typing import Any


def verdict(
    result: str | None = None, reason: str | None = None, only: str | None = None, target: str | None = None
) -> Any:
    """Always answer `result` (None = abstain), optionally only for one event type or target."""

    def evaluate(event: Any) -> Any:
        if only and event["type"] != only:
            return None
        if target and event.get("target") != target:
            return None
        if result is None:
            return None
        out = {"result": result}
        if reason:
            out["reason"] = reason
        return out

    return evaluate


def raises(message: str = "boom") -> Any:
    def evaluate(event: Any) -> Any:
        raise RuntimeError(message)

    return evaluate


def garbage(value: Any = "MAYBE") -> Any:
    def evaluate(event: Any) -> Any:
        return value if not isinstance(value, dict) else dict(value)

    return evaluate


def slow(seconds: float = 0.05) -> Any:
    def evaluate(event: Any) -> Any:
        time.sleep(seconds)
        return {"result": "ALLOW"}

    return evaluate


def counter(key: str = "count", scope: str = "policy", result: str = "ALLOW") -> Any:
    """Counts events in state and reports the count it saw in its reason."""

    def evaluate(event: Any) -> Any:
        states = event["policy_state"] if scope == "policy" else event["session_state"]
        seen = states.get(key, 0)
        return {
            "result": result,
            "reason": f"seen {seen}",
            "state_updates": [{"key": key, "action": "increment", "value": 1, "scope": scope}],
        }

    return evaluate


def ask_once(key: str = "approved") -> Any:
    """ASKs until approved once; the approval is remembered via held state."""

    def evaluate(event: Any) -> Any:
        if event["type"] != "tool_call":
            return None
        if event["policy_state"].get(key):
            return {"result": "ALLOW", "reason": "already approved"}
        return {
            "result": "ASK",
            "reason": "first use needs approval",
            "state_updates": [{"key": key, "action": "set", "value": True, "scope": "policy"}],
        }

    return evaluate


def terminator(on_target: str = "kill") -> Any:
    def evaluate(event: Any) -> Any:
        if event.get("target") == on_target:
            return {"result": "DENY", "reason": "fatal action", "end_session": True}
        return None

    return evaluate


def _schema(props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "additionalProperties": False}


_V = {"type": ["string", "null"], "enum": ["ALLOW", "DENY", "ASK", None]}
POLICY_REGISTRY = [
    {
        "handler": f"{__name__}.verdict",
        "kind": "factory",
        "name": "Verdict",
        "params_schema": _schema(
            {"result": _V, "reason": {"type": "string"}, "only": {"type": "string"}, "target": {"type": "string"}}
        ),
    },
    {"handler": f"{__name__}.raises", "kind": "factory", "params_schema": _schema({"message": {"type": "string"}})},
    {"handler": f"{__name__}.garbage", "kind": "factory", "params_schema": _schema({"value": {}})},
    {"handler": f"{__name__}.slow", "kind": "factory", "params_schema": _schema({"seconds": {"type": "number"}})},
    {
        "handler": f"{__name__}.counter",
        "kind": "factory",
        "params_schema": _schema(
            {
                "key": {"type": "string"},
                "scope": {"enum": ["session", "policy", "user"]},
                "result": {"enum": ["ALLOW", "DENY", "ASK"]},
            }
        ),
    },
    {"handler": f"{__name__}.ask_once", "kind": "factory", "params_schema": _schema({"key": {"type": "string"}})},
    {
        "handler": f"{__name__}.terminator",
        "kind": "factory",
        "params_schema": _schema({"on_target": {"type": "string"}}),
    },
]
