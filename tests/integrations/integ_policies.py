"""Small stand-in policies for the integration tests (registered via ``policy_modules``).

They mirror the builtins the integrations are demonstrated with
(``ask_on_os_tools``, ``max_tool_calls_per_session``, ``cost_budget``, an
always-ASK on ``sys_add_policy``) so these tests do not depend on when the
builtins branches land.  Pure factories; state through ``state_updates``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

OS_TOOLS = ("sys_os_shell", "sys_os_write", "sys_os_edit", "sys_os_delete")
Policy = Callable[[dict[str, Any]], dict[str, Any] | None]


def ask_on_os_tools(tools: list[str] | None = None) -> Policy:
    watched = tuple(tools or OS_TOOLS)

    def policy(event: dict[str, Any]) -> dict[str, Any] | None:
        if event["type"] != "tool_call" or event["target"] not in watched:
            return None
        target = event["context"]["action"].get("target") or ""
        return {"result": "ASK", "reason": f"`{event['target']}` needs your approval: {target[:80]}"}

    return policy


def max_tool_calls_per_session(limit: int = 100) -> Policy:
    def policy(event: dict[str, Any]) -> dict[str, Any] | None:
        if event["type"] != "tool_call":
            return None
        used = int(event["policy_state"].get("calls", 0))
        if used >= limit:
            return {"result": "DENY", "reason": f"tool call limit reached ({used}/{limit})"}
        return {
            "result": "ALLOW",
            "state_updates": [{"key": "calls", "action": "increment", "value": 1, "scope": "policy"}],
        }

    return policy


def deny_paths(paths: list[str] | None = None) -> Policy:
    blocked = tuple(paths or ["/etc/shadow"])

    def policy(event: dict[str, Any]) -> dict[str, Any] | None:
        action = event["context"]["action"]
        if event["type"] == "tool_call" and action.get("type") == "file_read" and action.get("target") in blocked:
            return {"result": "DENY", "reason": f"reading `{action['target']}` is not allowed"}
        return None

    return policy


def deny_write_paths(prefixes: list[str] | None = None) -> Policy:
    """DENY writes and edits whose target path starts with one of ``prefixes``."""
    blocked = tuple(prefixes or ["/etc/"])

    def policy(event: dict[str, Any]) -> dict[str, Any] | None:
        action = event["context"]["action"]
        target = action.get("target") or ""
        if event["type"] == "tool_call" and action.get("type") == "file_write" and target.startswith(blocked):
            return {"result": "DENY", "reason": f"writing `{target}` is not allowed"}
        return None

    return policy


def cost_guard(ask_above_usd: float = 0.01, max_usd: float = 0.02, usd_per_token: float = 0.0) -> Policy:
    """Until the server prices usage (cost branch), ``usd_per_token`` prices unpriced tokens."""

    def policy(event: dict[str, Any]) -> dict[str, Any] | None:
        if event["type"] != "llm_request":
            return None
        usage = event["context"]["usage"]
        cost = usage.get("total_cost_usd")
        if cost is None and usd_per_token:
            cost = (usage.get("priced_cost_usd") or 0.0) + usage.get("unpriced_tokens", 0) * usd_per_token
        if cost is None:
            return {"result": "DENY", "reason": "session cost unknown (unpriced usage)"}
        if cost >= max_usd:
            return {"result": "DENY", "reason": f"cost limit reached: ${cost:.4f} of ${max_usd:.4f}"}
        if cost >= ask_above_usd:
            return {"result": "ASK", "reason": f"session spent ${cost:.4f}, over ${ask_above_usd:.4f}"}
        return None

    return policy


def deny_word_in_prompt(word: str = "forbidden") -> Policy:
    def policy(event: dict[str, Any]) -> dict[str, Any] | None:
        if event["type"] == "request" and word in event["data"].get("user_content", ""):
            return {"result": "DENY", "reason": f"prompt contains `{word}`"}
        if event["type"] == "llm_request" and word in json.dumps(event["data"].get("messages", [])):
            return {"result": "DENY", "reason": f"messages contain `{word}`"}
        return None

    return policy


def ask_on_add_policy() -> Policy:
    def policy(event: dict[str, Any]) -> dict[str, Any] | None:
        if event["type"] != "tool_call" or event["target"] != "sys_add_policy":
            return None
        args = event["data"].get("arguments") or {}
        params = json.dumps(args.get("factory_params") or {}, sort_keys=True)
        return {"result": "ASK", "reason": f"add policy `{args.get('name')}`: {args.get('handler')} {params}"}

    return policy


def force_arguments(target: str = "mcp__files__echo", values: dict[str, Any] | None = None) -> Policy:
    """Rewrites a call's arguments (``data``), e.g. to force a safer option."""
    forced = dict(values or {})

    def policy(event: dict[str, Any]) -> dict[str, Any] | None:
        if event["type"] != "tool_call" or event["target"] != target:
            return None
        args = event["data"].get("arguments")
        args = dict(args) if isinstance(args, dict) else {}
        return {
            "result": "ALLOW",
            "reason": f"forced {sorted(forced)}",
            "data": {**event["data"], "arguments": {**args, **forced}},
        }

    return policy


def cap_max_tokens(limit: int = 64) -> Policy:
    def policy(event: dict[str, Any]) -> dict[str, Any] | None:
        if event["type"] != "llm_request":
            return None
        asked = event["data"].get("max_tokens") or limit
        return {
            "result": "ALLOW",
            "reason": f"max_tokens capped at {limit}",
            "data": {**event["data"], "max_tokens": min(int(asked), limit)},
        }

    return policy


def route_model(from_model: str = "claude-opus-4-1", to_model: str = "claude-haiku-4-5") -> Policy:
    """Model routing: an LLM request for ``from_model`` is sent to ``to_model`` instead."""

    def policy(event: dict[str, Any]) -> dict[str, Any] | None:
        if event["type"] != "llm_request" or event["data"].get("model") != from_model:
            return None
        return {"result": "ALLOW", "reason": f"routed to {to_model}", "data": {**event["data"], "model": to_model}}

    return policy


def deny_answer_tool(name: str = "delete_file") -> Policy:
    """DENY a model's answer (``llm_response``) that calls the tool ``name``."""

    def policy(event: dict[str, Any]) -> dict[str, Any] | None:
        if event["type"] != "llm_response":
            return None
        for call in event["data"].get("tool_calls") or []:
            fn = call.get("function") if isinstance(call, dict) else None
            if isinstance(fn, dict) and fn.get("name") == name:
                return {"result": "DENY", "reason": f"the answer calls `{name}`"}
        return None

    return policy


def _schema(props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "additionalProperties": False}


_M = "tests.integrations.integ_policies"
POLICY_REGISTRY = [
    {
        "handler": f"{_M}.ask_on_os_tools",
        "kind": "factory",
        "name": "ask_on_os_tools",
        "description": "ASK before OS tools",
        "params_schema": _schema({"tools": {"type": ["array", "null"], "items": {"type": "string"}, "default": None}}),
    },
    {
        "handler": f"{_M}.max_tool_calls_per_session",
        "kind": "factory",
        "name": "max_tool_calls_per_session",
        "description": "cap tool calls",
        "params_schema": _schema({"limit": {"type": "integer", "minimum": 0, "default": 100}}),
    },
    {
        "handler": f"{_M}.deny_paths",
        "kind": "factory",
        "name": "deny_paths",
        "description": "deny reads",
        "params_schema": _schema({"paths": {"type": ["array", "null"], "items": {"type": "string"}, "default": None}}),
    },
    {
        "handler": f"{_M}.cost_guard",
        "kind": "factory",
        "name": "cost_guard",
        "description": "ask then deny on cost",
        "params_schema": _schema(
            {
                "ask_above_usd": {"type": "number", "default": 0.01},
                "max_usd": {"type": "number", "default": 0.02},
                "usd_per_token": {"type": "number", "default": 0.0},
            }
        ),
    },
    {
        "handler": f"{_M}.deny_word_in_prompt",
        "kind": "factory",
        "name": "deny_word_in_prompt",
        "description": "deny a word",
        "params_schema": _schema({"word": {"type": "string", "default": "forbidden"}}),
    },
    {
        "handler": f"{_M}.force_arguments",
        "kind": "factory",
        "name": "force_arguments",
        "description": "rewrite arguments",
        "params_schema": _schema(
            {
                "target": {"type": "string", "default": "mcp__files__echo"},
                "values": {"type": ["object", "null"], "default": None},
            }
        ),
    },
    {
        "handler": f"{_M}.cap_max_tokens",
        "kind": "factory",
        "name": "cap_max_tokens",
        "description": "cap max_tokens",
        "params_schema": _schema({"limit": {"type": "integer", "minimum": 1, "default": 64}}),
    },
    {
        "handler": f"{_M}.ask_on_add_policy",
        "kind": "factory",
        "name": "ask_on_add_policy",
        "description": "ASK on sys_add_policy",
        "params_schema": _schema({}),
    },
    {
        "handler": f"{_M}.deny_answer_tool",
        "kind": "factory",
        "name": "deny_answer_tool",
        "description": "deny an answer calling a tool",
        "params_schema": _schema({"name": {"type": "string", "default": "delete_file"}}),
    },
]
