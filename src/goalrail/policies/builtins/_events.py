"""Small readers over PolicyEvent shared by the builtins (no policy logic)."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from goalrail.policies.schema import PolicyEvent

_COMMAND_KEYS = ("command", "cmd", "script", "commands")
PREVIEW_LEN = 80


def tool_name(event: PolicyEvent) -> str:
    """The canonical tool name of a tool phase event ("" otherwise)."""
    data = event.get("data")
    name = data.get("name") if isinstance(data, Mapping) else None
    return name or event.get("target") or ""


def arguments(event: PolicyEvent) -> Any:
    data = event.get("data")
    return data.get("arguments", {}) if isinstance(data, Mapping) else {}


def shell_command(event: PolicyEvent) -> str | None:
    """The command string of a shell tool call; None if there is none we can read."""
    args = arguments(event)
    if isinstance(args, str):
        return args
    if not isinstance(args, Mapping):
        return None
    for key in _COMMAND_KEYS:
        value = args.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            # argv form (["bash", "-lc", "..."]) → quote it back into one command line
            return shlex.join(value)
    return None


def policy_state(event: PolicyEvent) -> Mapping[str, Any]:
    state = event.get("policy_state")
    return state if isinstance(state, Mapping) else {}


def cwd(event: PolicyEvent) -> str | None:
    ctx = event.get("context") or {}
    value = ctx.get("cwd") if isinstance(ctx, Mapping) else None
    return value if isinstance(value, str) and value else None


def now(event: PolicyEvent) -> float:
    ctx = event.get("context") or {}
    value = ctx.get("now") if isinstance(ctx, Mapping) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise ValueError("event context has no `now`")


def preview(text: str, limit: int = PREVIEW_LEN) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def worst(a: str | None, b: str | None) -> str | None:
    rank = {None: 0, "ALLOW": 0, "ASK": 1, "DENY": 2}
    return a if rank[a] >= rank[b] else b
