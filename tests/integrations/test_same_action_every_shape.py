"""The same action judged the same, whatever tool name or argument shape carries it.

A pattern policy denies writes and deletes under ``/etc/``, reads of ``/etc/shadow``,
``git push`` and fetches from ``evil.example``; each case is that action as some harness,
MCP server or model answer really spells it, through the real entry point (the installed
hook command, the LLM proxy, or an event posted to a real server).  Before this change
each of them ran: Cursor's ``Delete``/``StrReplace``/``TabWrite`` and Codex's
``shell_command``/``container.exec`` were not known as the file and shell tools they
are; a shell command given as a program plus an ``args`` list, or under ``shell_command``,
reached the pattern as ``git`` or not at all; a patch relative to the call's ``workdir``
was resolved against the session's cwd; a model answer's Responses ``local_shell_call``,
``shell_call``, ``apply_patch_call`` and a chat completion's ``custom`` (freeform) tool call
were not read as calls at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integrations.scripted_proxy import ProxyAsk
from tests.integrations.support import AGENT_TOKEN, AUTH, ServerProc, running_server
from tests.integrations.test_harness_tool_shapes import claude_pre, codex_pre, gemini_before, run

CHAIN = (
    """
policies:
  paths:
    type: function
    handler: goalrail.policies.builtins.patterns.pattern_policy
    factory_params:
      inline:
        name: paths
        default_action: allow
        patterns:
          - {pattern: "/etc/.*", action: deny, action_type: file_write, description: no writes under /etc}
          - {pattern: "/etc/.*", action: deny, action_type: file_delete, description: no deletes under /etc}
          - {pattern: "/etc/shadow", action: deny, action_type: file_read, description: no shadow}
          - {pattern: ".*git\\\\s+push.*", action: deny, action_type: shell_execute, description: no push}
          - {pattern: ".*evil\\\\.example.*", action: deny, action_type: network_request, description: no evil}
"""
    + AUTH
)
APP = "/home/dev/app"
PATCH = "*** Begin Patch\n*** Update File: hosts\n@@\n-a\n+b\n*** End Patch\n"
ETC_PATCH = "*** Begin Patch\n*** Add File: ok.txt\n+a\n*** Update File: /etc/cron.d/job\n@@\n-a\n+b\n*** End Patch\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("every-shape"), config=CHAIN) as srv:
        yield srv


def cursor_pre(server: ServerProc, tool: str, tool_input: dict[str, Any]) -> str:
    """Cursor's ``preToolUse``: ``deny`` or ``allow`` as the hook answers."""
    data = {"conversation_id": "cu-shapes", "generation_id": "g1", "hook_event_name": "preToolUse"}
    data |= {"workspace_roots": [APP], "tool_name": tool, "tool_input": tool_input}
    code, out, err = run("cursor", server, data)
    assert code in (0, 2), err
    return "deny" if code == 2 or (out or {}).get("permission") == "deny" else "allow"


@pytest.mark.parametrize(
    ("tool", "tool_input"),
    [
        ("Delete", {"path": "/etc/passwd"}),
        ("StrReplace", {"path": "/etc/hosts", "old_string": "a", "new_string": "b"}),
        ("TabWrite", {"path": "/etc/hosts", "content": "a"}),
        ("Fetch", {"url": "https://evil.example/x"}),
    ],
)
def test_cursor_pre_tool_use_tools(server: ServerProc, tool: str, tool_input: dict[str, Any]) -> None:
    assert cursor_pre(server, tool, tool_input) == "deny"


@pytest.mark.parametrize(
    ("tool", "tool_input"),
    [
        ("shell_command", {"command": "git push origin main", "workdir": APP}),
        ("container.exec", {"command": ["git", "push"]}),
        ("unified_exec", {"cmd": "git push"}),
    ],
)
def test_codex_shell_tool_names(server: ServerProc, tool: str, tool_input: dict[str, Any]) -> None:
    assert codex_pre(server, tool, tool_input) == "deny"


def test_codex_shell_command_applying_a_patch_is_judged_per_file(server: ServerProc) -> None:
    command = f"apply_patch <<'EOF'\n{ETC_PATCH}EOF\n"
    assert codex_pre(server, "shell_command", {"command": command}) == "deny"


@pytest.mark.parametrize(
    ("tool", "tool_input"),
    [
        ("mcp__box__run_command", {"command": "git", "args": ["push", "origin"]}),
        ("mcp__box__execute_command", {"shell_command": "git push"}),
        ("mcp__box__start_process", {"command": "git", "argv": ["push"]}),
    ],
)
def test_mcp_shell_tools_with_other_argument_shapes(server: ServerProc, tool: str, tool_input: dict[str, Any]) -> None:
    assert claude_pre(server, tool, tool_input) == "deny"


def test_gemini_mcp_shell_tool_with_a_program_and_its_arguments(server: ServerProc) -> None:
    assert gemini_before(server, "mcp_box_run_command", {"command": "git", "args": ["push"]}) == "deny"


def _post(server: ServerProc, session: str, event: dict[str, Any]) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {AGENT_TOKEN}"}
    r = httpx.post(f"{server.url}/v1/sessions/{session}/events", json=event, headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "arguments",
    [{"input": PATCH, "workdir": "/etc"}, {"patch": PATCH, "cwd": "/etc"}, PATCH.replace("hosts", "/etc/hosts")],
    ids=["workdir", "cwd", "whole-string"],
)
def test_a_patch_relative_to_the_directory_the_call_names(server: ServerProc, arguments: Any) -> None:
    event = {"type": "tool_call", "target": "apply_patch", "data": {"arguments": arguments}, "context": {"cwd": APP}}
    assert _post(server, "patch-dir", event)["result"] == "DENY"


RESPONSES_ITEMS = {
    "local_shell_call": {
        "type": "local_shell_call",
        "call_id": "c1",
        "action": {"type": "exec", "command": ["git", "push"], "env": {}},
    },
    "shell_call": {"type": "shell_call", "call_id": "c1", "action": {"commands": ["ls", "git push"]}},
    "apply_patch_call": {
        "type": "apply_patch_call",
        "call_id": "c1",
        "operation": {"type": "update_file", "path": "/etc/hosts", "diff": "@@\n-a\n+b"},
    },
    "custom_tool_call": {"type": "custom_tool_call", "call_id": "c1", "name": "apply_patch", "input": ETC_PATCH},
}


@pytest.mark.parametrize("kind", sorted(RESPONSES_ITEMS))
def test_responses_items_the_client_runs_are_judged(server: ServerProc, kind: str) -> None:
    event = {"type": "llm_response", "data": {"model": "gpt-5", "output": [RESPONSES_ITEMS[kind]]}}
    answer = _post(server, f"responses-{kind}", {**event, "context": {"cwd": APP}})
    assert answer["result"] == "DENY", answer


CHAT = {"model": "gpt-5", "messages": [{"role": "user", "content": "fix it"}]}
CUSTOM = {"id": "call_1", "type": "custom", "custom": {"name": "apply_patch", "input": ETC_PATCH}}


async def test_a_custom_tool_call_through_the_llm_proxy(proxy_ask: ProxyAsk) -> None:
    message = {"role": "assistant", "content": None, "tool_calls": [CUSTOM]}
    answer = {"id": "c1", "object": "chat.completion", "model": "gpt-5", "choices": [{"index": 0, "message": message}]}
    resp = await proxy_ask(answer, "/v1/chat/completions", CHAT, session="custom-call")
    assert resp.status_code == 403, resp.text


async def test_a_streamed_custom_tool_call_through_the_llm_proxy(proxy_ask: ProxyAsk) -> None:
    half = len(ETC_PATCH) // 2
    deltas = [
        {
            "tool_calls": [
                {"index": 0, "id": "call_1", "type": "custom", "custom": {"name": "apply_patch", "input": ""}}
            ]
        },
        {"tool_calls": [{"index": 0, "custom": {"input": ETC_PATCH[:half]}}]},
        {"tool_calls": [{"index": 0, "custom": {"input": ETC_PATCH[half:]}}]},
    ]
    lines = []
    for delta in deltas:
        body = {"id": "c2", "object": "chat.completion.chunk", "model": "gpt-5"}
        body["choices"] = [{"index": 0, "delta": delta, "finish_reason": None}]
        lines.append("data: " + json.dumps(body))
    lines.append("data: [DONE]")
    resp = await proxy_ask(lines, "/v1/chat/completions", {**CHAT, "stream": True}, session="custom-stream")
    assert resp.status_code == 200
    assert "cron.d" not in resp.text  # the call was held back, then withheld
    last = [line for line in resp.text.splitlines() if line.startswith("data:")][-1]
    assert "withheld" in json.loads(last[5:])["error"]["message"]


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("RUN_SHELL_COMMAND", {"command": "git push"}),
        ("Web-Fetch", {"url": "https://evil.example/x"}),
        ("Write_File", {"file_path": "/etc/hosts", "content": "a"}),
        (
            "multiedit",
            {"filePath": "notes.md", "edits": [{"filePath": "/etc/hosts", "oldString": "a", "newString": "b"}]},
        ),
    ],
)
def test_a_known_tool_spelled_otherwise(server: ServerProc, tool: str, arguments: dict[str, Any]) -> None:
    event = {"type": "tool_call", "target": tool, "data": {"arguments": arguments}, "context": {"cwd": APP}}
    assert _post(server, f"spelled-{tool}", event)["result"] == "DENY"
