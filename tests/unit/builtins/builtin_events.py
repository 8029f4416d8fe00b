"""Event builders for builtin tests: events built exactly as production builds them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.snapshot import Snapshot

EventFactory = Callable[..., dict[str, Any]]


def make_event(
    etype: str,
    target: str | None = None,
    data: Any = None,
    *,
    cwd: str | None = None,
    now: float = 1_000.0,
    policy_state: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    raw: dict[str, Any] = {"type": etype, "target": target, "data": data}
    if cwd is not None:
        raw["context"] = {"cwd": cwd}
    ev = dict(build_event(normalize_event(raw), Snapshot("s1"), now=now))
    ev["policy_state"] = dict(policy_state or {})
    return ev


def shell_event(command: str, *, tool: str = "Bash", cwd: str | None = "/work/repo", **kw: Any) -> dict[str, Any]:
    return make_event("tool_call", tool, {"arguments": {"command": command}}, cwd=cwd, **kw)


def tool_event(tool: str, arguments: Any = None, **kw: Any) -> dict[str, Any]:
    return make_event("tool_call", tool, {"arguments": arguments if arguments is not None else {}}, **kw)
