"""Hook events no adapter maps, and the pre-action events harness versions added (Claude Code's
``PreSkillShellCommand``, Cursor's ``preToolUse`` and ``beforeTabFileRead``): the real
``goalrail hook <harness>`` process against a real server.

An event not mapped that may carry an action (a tool call under a new or misspelt name, a
payload without a name) is blocked the way the harness blocks on bad input; informational
events, and events carrying nothing but the envelope, still pass with no decision."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integrations.hook_support import ADAPTER_CHAIN, output, payload, run_hook
from tests.integrations.support import AGENT_TOKEN, ServerProc, running_server, session_info

#: one tool call per harness (fixture) and the key naming its session
TOOL_CALLS = {
    "claude-code": ("claude_code", "pre_tool_use_bash", "session_id"),
    "codex": ("codex", "pre_tool_use_bash", "session_id"),
    "gemini": ("gemini", "before_tool_shell", "session_id"),
    "cursor": ("cursor", "before_read_shadow", "conversation_id"),
}
#: an informational event of each harness, as it sends it
INFORMATIONAL = {
    "claude-code": {"hook_event_name": "Stop", "stop_hook_active": False, "last_assistant_message": "done"},
    "codex": {"hook_event_name": "Stop", "stop_hook_active": False, "last_assistant_message": "DONE"},
    "gemini": {"hook_event_name": "AfterAgent", "prompt": "hi", "prompt_response": "done"},
    "cursor": {"hook_event_name": "afterFileEdit", "file_path": "/home/dev/app/a.py", "edits": []},
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("hook-events"), config=ADAPTER_CHAIN) as srv:
        yield srv


def hook(harness: str, data: Any, server: ServerProc) -> Any:
    return run_hook(harness, data, "--url", server.url, "--token", AGENT_TOKEN)


def tool_call(harness: str, session: str) -> dict[str, Any]:
    folder, name, key = TOOL_CALLS[harness]
    return payload(folder, name, session, key=key)


@pytest.mark.parametrize("harness", list(TOOL_CALLS))
@pytest.mark.parametrize("name", ["PreToolUseV2", "beforeToolCall", "pretooluse", "", None, 7, ["PreToolUse"]])
def test_a_tool_call_under_an_event_name_not_mapped_is_blocked(harness: str, name: object, server: ServerProc) -> None:
    data = tool_call(harness, f"unknown-{harness}")
    data["hook_event_name"] = name
    proc = hook(harness, data, server)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "not one Goalrail maps" in proc.stderr and "fail closed" in proc.stderr
    if harness == "cursor":  # Cursor also reads the refusal on stdout
        assert json.loads(proc.stdout)["permission"] == "deny"


@pytest.mark.parametrize("harness", list(TOOL_CALLS))
def test_a_tool_call_without_an_event_name_is_blocked(harness: str, server: ServerProc) -> None:
    data = tool_call(harness, f"nameless-{harness}")
    del data["hook_event_name"]
    proc = hook(harness, data, server)
    assert proc.returncode == 2 and "without a name" in proc.stderr


@pytest.mark.parametrize("harness", list(TOOL_CALLS))
def test_informational_and_envelope_only_events_pass(harness: str, server: ServerProc) -> None:
    _folder, _name, key = TOOL_CALLS[harness]
    envelope = {key: f"info-{harness}", "cwd": "/home/dev/app", "transcript_path": "/tmp/t.jsonl"}
    assert output(hook(harness, {**envelope, **INFORMATIONAL[harness]}, server)) in (None, {})
    assert output(hook(harness, {**envelope, "hook_event_name": "SomethingNew"}, server)) in (None, {})


SKILL_SHELL = {
    "session_id": "cc-skill-shell",
    "transcript_path": "/home/dev/.claude/projects/app/s.jsonl",
    "cwd": "/home/dev/app",
    "permission_mode": "default",
    "hook_event_name": "PreSkillShellCommand",
    "tool_name": "Bash",
    "tool_input": {"command": "cat /etc/shadow"},
    "tool_use_id": "toolu_skill_1",
    "command_name": "deploy",
    "command_source": "projectSettings",
    "invoked_by": "user",
}


def test_claude_code_skill_shell_command_is_judged_as_a_shell_call(server: ServerProc) -> None:
    """Claude Code 2.1 runs a skill's `!`cmd`` lines before the skill loads, with no PreToolUse."""
    out = output(hook("claude-code", SKILL_SHELL, server))
    hso = out["hookSpecificOutput"]  # ask and deny both keep the command from running (Claude Code's schema)
    assert hso["hookEventName"] == "PreSkillShellCommand" and hso["permissionDecision"] == "ask"
    assert "cat /etc/shadow" in hso["permissionDecisionReason"]
    decisions = session_info(server, "cc-skill-shell")["recent_decisions"]
    assert [(d["type"], d["target"], d["result"]) for d in decisions] == [("tool_call", "sys_os_shell", "ASK")]


def test_claude_code_skill_shell_command_fails_closed() -> None:
    proc = run_hook("claude-code", SKILL_SHELL, "--url", "http://127.0.0.1:9", "--timeout", "2")
    hso = output(proc)["hookSpecificOutput"]
    assert hso["hookEventName"] == "PreSkillShellCommand" and hso["permissionDecision"] == "deny"


def cursor_tool(tool: str, arguments: dict[str, Any], session: str) -> dict[str, Any]:
    data = payload("cursor", "before_read_file", session, key="conversation_id")
    data.pop("file_path")
    data.pop("content", None)
    return {**data, "hook_event_name": "preToolUse", "tool_name": tool, "tool_input": arguments}


def test_cursor_pre_tool_use_gates_writes(server: ServerProc) -> None:
    proc = hook("cursor", cursor_tool("Write", {"file_path": "/etc/hosts", "contents": "x"}, "cursor-pre"), server)
    out = output(proc, code=2)
    assert out["permission"] == out["decision"] == "deny" and "/etc/" in out["agent_message"]
    decisions = session_info(server, "cursor-pre")["recent_decisions"]
    assert [(d["target"], d["result"]) for d in decisions] == [("sys_os_write", "DENY")]
    # shell and reads are judged by their own hooks, not twice
    shell = cursor_tool("Shell", {"command": "ls"}, "cursor-pre")
    assert output(hook("cursor", shell, server)) is None


def test_cursor_tab_file_read_is_a_read(server: ServerProc) -> None:
    data = payload("cursor", "before_read_shadow", "cursor-tab", key="conversation_id")
    data["hook_event_name"] = "beforeTabFileRead"
    out = output(hook("cursor", data, server))
    assert out["permission"] == "deny" and "/etc/shadow" in out["agent_message"]
