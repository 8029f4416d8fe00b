"""The policy the end-to-end tests run the real agent CLIs against.

A tool call whose arguments mention ``deny-me`` is denied, ``ask-me`` asks,
anything else is allowed, so one prompt decides the verdict a scenario needs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

Policy = Callable[[dict[str, Any]], dict[str, Any] | None]


def by_word() -> Policy:
    def policy(event: dict[str, Any]) -> dict[str, Any] | None:
        if event["type"] != "tool_call":
            return None
        seen = json.dumps(event.get("data") or {}) + str(event["context"].get("action", {}).get("target") or "")
        if "deny-me" in seen:
            return {"result": "DENY", "reason": "`deny-me` is off limits (e2e-reason-7431)"}
        if "ask-me" in seen:
            return {"result": "ASK", "reason": "`ask-me` needs your approval"}
        return {"result": "ALLOW"}

    return policy


def count_tool_calls() -> Policy:
    """Counts the session's tool calls (policy state ``calls``): one per call, however many integrations see it."""

    def policy(event: dict[str, Any]) -> dict[str, Any] | None:
        if event["type"] != "tool_call":
            return None
        update = {"key": "calls", "action": "increment", "value": 1, "scope": "policy"}
        return {"result": "ALLOW", "state_updates": [update]}

    return policy


POLICY_REGISTRY = [
    {
        "handler": f"{__name__}.by_word",
        "kind": "factory",
        "name": "by_word",
        "description": "DENY on `deny-me`, ASK on `ask-me`",
        "params_schema": {"type": "object", "properties": {}, "additionalProperties": False},
    },
    {
        "handler": f"{__name__}.count_tool_calls",
        "kind": "factory",
        "name": "count_tool_calls",
        "description": "count the session's tool calls",
        "params_schema": {"type": "object", "properties": {}, "additionalProperties": False},
    },
]
