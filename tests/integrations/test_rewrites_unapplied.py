"""A call a policy allowed only with changed arguments (an ALLOW with ``data``) runs as
changed or not at all: an integration that cannot apply the change refuses the call
instead of running what was sent — Cursor's hooks, Codex beyond a changed ``command``, one
part of a call split into several events, the SDK's ``@guarded`` decorator.  Pure, in-process."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from goalrail.errors import PolicyDenied
from goalrail.integrations import hookcore
from goalrail.integrations.codex import translate as codex
from goalrail.integrations.cursor import translate as cursor
from goalrail.integrations.hookcore import Call
from goalrail.integrations.sdk.decorator import guarded

OPTS = hookcore.parse([], "usage")


def allow_with(arguments: dict[str, Any]) -> dict[str, Any]:
    return {"result": "ALLOW", "policy": "force", "reason": "forced", "data": {"name": "t", "arguments": arguments}}


def tool_call(arguments: dict[str, Any], tool: str = "Shell") -> dict[str, Any]:
    return {"type": "tool_call", "target": tool, "data": {"name": tool, "arguments": arguments}}


def test_cursor_refuses_a_call_it_cannot_change() -> None:
    call = Call(cursor.SHELL, "s", [tool_call({"command": "rm -rf build"})])
    out = cursor.render(call, allow_with({"command": "rm -rf build", "sandbox": True}), OPTS).stdout
    assert out is not None and out["permission"] == "deny" and "changed arguments" in str(out["user_message"])
    same = cursor.render(call, allow_with({"command": "rm -rf build"}), OPTS).stdout  # no change: allowed
    assert same == {"permission": "allow"}


def test_codex_applies_a_changed_command_and_refuses_any_other_change() -> None:
    call = Call(codex.PRE, "s", [tool_call({"command": "ls", "workdir": "/w"}, "shell")])
    changed = codex.render(call, allow_with({"command": "ls -a", "workdir": "/w"}), OPTS).stdout
    assert changed is not None and changed["hookSpecificOutput"]["updatedInput"] == {"command": "ls -a"}  # type: ignore[index]
    other = codex.render(call, allow_with({"command": "ls", "workdir": "/"}), OPTS).stdout
    assert other is not None and other["hookSpecificOutput"]["permissionDecision"] == "deny"  # type: ignore[index]
    both = codex.render(call, allow_with({"command": "ls -a", "workdir": "/"}), OPTS).stdout
    assert both is not None and both["hookSpecificOutput"]["permissionDecision"] == "deny"  # type: ignore[index]
    assert codex.render(call, allow_with({"command": "ls", "workdir": "/w"}), OPTS).stdout is None  # unchanged


def test_a_change_to_one_part_of_a_split_call_refuses_the_call(monkeypatch: pytest.MonkeyPatch) -> None:
    parts = [tool_call({"file_path": "/w/a"}, "apply_patch"), tool_call({"file_path": "/w/b"}, "apply_patch")]

    def answer(url: str, secret: Any, session: str, event: Mapping[str, Any], wait: float, timeout: float) -> Any:
        if event["data"]["arguments"]["file_path"] == "/w/b":
            return 200, allow_with({"file_path": "/w/b.sandboxed"})
        return 200, {"result": "ALLOW", "policy": None, "reason": "allowed"}

    monkeypatch.setattr(hookcore, "evaluate_waiting", answer)
    verdict = hookcore.evaluate(Call(codex.PRE, "s", parts), OPTS)
    assert isinstance(verdict, dict) and verdict["result"] == "DENY", verdict
    assert "cannot be changed alone" in str(verdict["reason"])


class Evaluator:
    def __init__(self, verdict: dict[str, Any]) -> None:
        self.verdict = verdict

    def tool_call(
        self, session: str, tool: str, arguments: dict[str, object] | str | None = None, *, wait: float | None = None
    ) -> Mapping[str, object]:
        return self.verdict


@pytest.mark.parametrize("is_async", [False, True])
async def test_the_decorator_refuses_a_call_it_cannot_change(is_async: bool) -> None:
    ran: list[str] = []

    def make(verdict: dict[str, Any]) -> Any:
        if is_async:

            @guarded(Evaluator(verdict), "s")
            async def run(command: str) -> str:
                ran.append(command)
                return command

            return run

        @guarded(Evaluator(verdict), "s")
        def run_sync(command: str) -> str:
            ran.append(command)
            return command

        return run_sync

    async def call(fn: Any) -> Any:
        out = fn("rm -rf /")
        return await out if is_async else out

    with pytest.raises(PolicyDenied, match="changed arguments"):
        await call(make(allow_with({"command": "ls"})))
    assert ran == []
    assert await call(make(allow_with({"command": "rm -rf /"}))) == "rm -rf /"  # the same arguments: runs
