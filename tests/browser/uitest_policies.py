"""Policies for the browser tests, registered through ``policy_modules``.

They mirror the builtins' shapes (``cost.cost_budget``, ``safety.ask_on_os_tools``,
``safety.max_tool_calls_per_session``) so the UI is exercised on realistic schemas:
nullable numbers with exclusive minimums, arrays, enums, booleans, required params.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Policy = Callable[[dict[str, Any]], dict[str, Any] | None]

OS_TOOLS = ["sys_os_shell", "sys_os_write", "sys_os_edit", "sys_os_delete"]


def cost_budget(
    max_cost_usd: float | None = None,
    ask_thresholds_usd: list[float] | None = None,
    expensive_models: list[str] | None = None,
    default_max_output_tokens: int = 4096,
) -> Policy:
    if max_cost_usd is not None and max_cost_usd <= 0:
        raise ValueError("max_cost_usd must be greater than 0")

    def policy(event: dict[str, Any]) -> dict[str, Any] | None:
        spent = event["context"]["usage"].get("total_cost_usd") or 0.0
        if max_cost_usd is not None and spent >= max_cost_usd:
            return {"result": "DENY", "reason": f"session spend ${spent:.2f} reached the ${max_cost_usd:.2f} budget"}
        return None

    return policy


def ask_on_os_tools(tools: list[str] | None = None, mode: str = "ask", include_reads: bool = False) -> Policy:
    watched = set(tools or OS_TOOLS) | ({"sys_os_read"} if include_reads else set())
    verdict = "ASK" if mode == "ask" else "DENY"

    def policy(event: dict[str, Any]) -> dict[str, Any] | None:
        if event["type"] == "tool_call" and event.get("target") in watched:
            return {"result": verdict, "reason": f"`{event['target']}` needs your approval"}
        return None

    return policy


def max_tool_calls_per_session(limit: int = 100) -> Policy:
    if limit < 1:
        raise ValueError("limit must be at least 1")

    def policy(event: dict[str, Any]) -> dict[str, Any] | None:
        if event["type"] != "tool_call":
            return None
        used = int(event["policy_state"].get("calls", 0))
        if used >= limit:
            return {"result": "DENY", "reason": f"limit of {limit} tool calls reached"}
        return {
            "result": "ALLOW",
            "state_updates": [{"key": "calls", "action": "increment", "value": 1, "scope": "policy"}],
        }

    return policy


def deny_words(words: list[str], case_sensitive: bool = False) -> Policy:
    wanted = [w if case_sensitive else w.lower() for w in words]

    def policy(event: dict[str, Any]) -> dict[str, Any] | None:
        if event["type"] != "request":
            return None
        text = str((event.get("data") or {}).get("user_content", ""))
        text = text if case_sensitive else text.lower()
        hit = next((w for w in wanted if w in text), None)
        return {"result": "DENY", "reason": f"the message contains `{hit}`"} if hit else None

    return policy


_MOD = "uitest_policies"
POLICY_REGISTRY: list[dict[str, Any]] = [
    {
        "handler": f"{_MOD}.cost_budget",
        "kind": "factory",
        "name": "Session cost budget",
        "description": "Denies once the session's spend reaches the hard limit.",
        "params_schema": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "max_cost_usd": {
                    "type": ["number", "null"],
                    "exclusiveMinimum": 0,
                    "default": None,
                    "description": "Hard limit in USD.",
                },
                "ask_thresholds_usd": {
                    "type": ["array", "null"],
                    "items": {"type": "number", "exclusiveMinimum": 0},
                    "default": None,
                    "description": "Soft thresholds in USD.",
                },
                "expensive_models": {
                    "type": ["array", "null"],
                    "items": {"type": "string", "minLength": 1},
                    "default": None,
                    "description": "Models denied once over the limit.",
                },
                "default_max_output_tokens": {
                    "type": "integer",
                    "minimum": 1,
                    "default": 4096,
                    "description": "Output tokens assumed when a request sets none.",
                },
            },
            "anyOf": [
                {"properties": {"max_cost_usd": {"type": "number"}}, "required": ["max_cost_usd"]},
                {
                    "properties": {"ask_thresholds_usd": {"type": "array", "minItems": 1}},
                    "required": ["ask_thresholds_usd"],
                },
            ],
        },
    },
    {
        "handler": f"{_MOD}.ask_on_os_tools",
        "kind": "factory",
        "name": "Ask before OS tools",
        "description": "Asks before shell commands and file changes.",
        "params_schema": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "tools": {
                    "type": "array",
                    "items": {"type": "string", "enum": [*OS_TOOLS, "sys_os_read"]},
                    "default": OS_TOOLS,
                    "description": "Canonical tools that need approval.",
                },
                "mode": {
                    "type": "string",
                    "enum": ["ask", "deny"],
                    "default": "ask",
                    "description": "Ask the user, or deny outright.",
                },
                "include_reads": {"type": "boolean", "default": False, "description": "Also ask before file reads."},
            },
        },
    },
    {
        "handler": f"{_MOD}.max_tool_calls_per_session",
        "kind": "factory",
        "name": "Max tool calls per session",
        "description": "Denies tool calls after a fixed number per session.",
        "params_schema": {
            "type": "object",
            "additionalProperties": False,
            "required": ["limit"],
            "properties": {
                "limit": {"type": "integer", "minimum": 1, "default": 100, "description": "Tool calls allowed."},
            },
        },
    },
    {
        "handler": f"{_MOD}.deny_words",
        "kind": "factory",
        "name": "Deny words",
        "description": "Denies user messages containing any of the words (a schema with rules only the server checks).",
        "params_schema": {
            "type": "object",
            "additionalProperties": False,
            "required": ["words"],
            "properties": {
                "words": {
                    "type": "array",
                    "items": {"type": "string", "minLength": 1},
                    "minItems": 1,
                    "uniqueItems": True,
                    "description": "Words to refuse, each once.",
                },
                "case_sensitive": {"type": "boolean", "default": False, "description": "Match case exactly."},
            },
        },
    },
]
