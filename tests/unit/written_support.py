"""What the written-then-run tests share: a session's events in ``CWD`` and a session driven
through the real runtime that sends some events, then runs one command."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tests.unit.builtins.runtime_session import Session, make_runtime, spec

CWD = "/home/u/proj"


def tool(name: str, **arguments: Any) -> dict[str, Any]:
    return {"type": "tool_call", "target": name, "data": {"arguments": arguments}, "context": {"cwd": CWD}}


def write(path: str, content: str) -> dict[str, Any]:
    return tool("Write", file_path=path if path[:1] == "/" else f"{CWD}/{path}", content=content)


def bash(command: str) -> dict[str, Any]:
    return tool("Bash", command=command)


async def run_after(policy: dict[str, Any], first: list[dict[str, Any]], run: str, *, stopped: bool = False) -> str:
    """The verdict on ``run`` (a shell line) after ``first`` (each allowed, or asked and approved),
    in a session under ``pattern_policy(**policy)``.  With ``stopped``, a step of ``first`` may be
    denied itself (``strict`` denies writing a git hook or a start-up file): DENY, as the attack
    stops there."""
    # (a deadline far above the default 5 s: the strict rules' first use compiles them, and at load
    # 15 on two cores that passed 5 s — the deadline's answer is not what these tests check)
    s = Session(make_runtime(replace(spec("p", "patterns.pattern_policy", **policy), timeout_ms=120_000.0)))
    for event in first:
        out = await s.send(event)
        if out.result == "ASK":
            await s.approve()
        elif stopped and out.result == "DENY":
            return "DENY"
        else:
            assert out.result == "ALLOW", out.reason
    return (await s.send(bash(run))).result
