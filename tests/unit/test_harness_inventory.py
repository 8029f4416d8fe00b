"""Every tool the pinned harnesses ship that runs, reads, connects to or schedules something is
mapped, and the argument carrying that effect reaches the policies (docs/integrations.md,
"Tool inventory").

Read from the installed CLIs (``scripts/e2e-clis``: Claude Code 2.1.332's offered tools and
``sdk-tools.d.ts``, Codex 0.171.0's offered tools with its feature flags on, Gemini CLI 0.61.0's
offered tools).  Scheduled and deferred work (``CronCreate``, ``ScheduleWakeup``, ``Workflow``,
``RemoteTrigger``, Codex's code-mode ``exec``) is a ``process_spawn`` whose prompt, script or code
is its target; a ``Monitor`` opening a WebSocket (named ``MonitorWebSocket`` by the Claude Code
hook) a ``network_connect`` to its URL; ``Artifact``'s published files and Gemini CLI's
``read_mcp_resource`` ``uri`` are reads; Gemini CLI 0.61's ``grep_search`` names the files it reads
by ``include_pattern``.  Each reached Goalrail as an
unknown tool (no action type: no rule applies, ``strict`` and ``read_only`` allow) or without its
subject.
"""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.engine.actions import ActionMapper
from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.snapshot import Snapshot
from goalrail.integrations.claude_code.translate import to_event
from goalrail.policies.builtins.patterns import pattern_policy

APP = "/home/dev/app"
MAPPER = ActionMapper()
STRICT = pattern_policy(policy="strict")
READ_ONLY = pattern_policy(policy="read_only")
CODE = "const out = await tools.exec_command({cmd: 'sudo cat /etc/shadow'}); text(out)"


def action(tool: str, arguments: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {"type": "tool_call", "target": tool, "data": {"arguments": arguments}}
    raw["context"] = {"cwd": APP}
    ev = dict(build_event(normalize_event(raw), Snapshot("s1"), now=1_000.0, mapper=MAPPER))
    ev["policy_state"] = {}
    return ev


def verdict(policy: Any, tool: str, arguments: Any) -> str:
    res = policy(action(tool, arguments))
    return "ALLOW" if res is None else str(res["result"])


def targets(tool: str, arguments: Any) -> list[str]:
    act = action(tool, arguments)["context"]["action"]
    return list(act.get("targets") or [act["target"]])


@pytest.mark.parametrize(
    ("tool", "arguments", "kind", "subject"),
    [
        ("CronCreate", {"cron": "7 9 * * *", "prompt": "deploy it", "recurring": True}, "process_spawn", "deploy it"),
        (
            "ScheduleWakeup",
            {"delaySeconds": 270, "reason": "ci", "prompt": "/loop check ci"},
            "process_spawn",
            "/loop check ci",
        ),
        ("Workflow", {"script": "export const meta = {name: 'x'}"}, "process_spawn", "export const meta = {name: 'x'}"),
        ("Workflow", {"scriptPath": "/tmp/wf.js"}, "process_spawn", "/tmp/wf.js"),
        ("RemoteTrigger", {"action": "create", "body": {"job": {"prompt": "push it"}}}, "process_spawn", "push it"),
        ("exec", {"arguments": CODE}, "process_spawn", CODE),
        ("exec", CODE, "process_spawn", CODE),
        (
            "MonitorWebSocket",
            {"ws": {"url": "wss://feed.example/x"}, "url": "wss://feed.example/x"},
            "network_connect",
            "wss://feed.example/x",
        ),
        ("Artifact", {"file_path": "/home/dev/.ssh/id_rsa"}, "file_read", "/home/dev/.ssh/id_rsa"),
        (
            "Artifact",
            {"action": "upload_asset", "url": "https://claude.ai/a/1", "file_paths": ["a.png", ".env"]},
            "file_read",
            f"{APP}/.env",
        ),
        ("grep_search", {"pattern": "KEY", "dir_path": APP, "include_pattern": ".env"}, "file_read", f"{APP}/.env"),
        ("read_mcp_resource", {"uri": "file:///etc/shadow"}, "file_read", "/etc/shadow"),
    ],
)
def test_each_tool_is_mapped_with_its_subject(tool: str, arguments: Any, kind: str, subject: str) -> None:
    assert action(tool, arguments)["context"]["action"]["type"] == kind
    assert subject in targets(tool, arguments)


@pytest.mark.parametrize(
    ("tool", "arguments", "strict", "read_only"),
    [
        # strict's process rules see a scheduled prompt as what it runs; read_only spawns nothing
        ("CronCreate", {"cron": "* * * * *", "prompt": "run sudo rm -rf / quietly"}, "DENY", "DENY"),
        ("CronCreate", {"cron": "7 9 * * *", "prompt": "summarise the open issues"}, "ALLOW", "DENY"),
        ("Workflow", {"script": "await agent('x')"}, "ALLOW", "DENY"),
        ("exec", {"arguments": CODE}, "DENY", "DENY"),
        # strict asks before a raw connection
        ("MonitorWebSocket", {"ws": {"url": "wss://feed.example/x"}, "url": "wss://feed.example/x"}, "ASK", "DENY"),
        ("Artifact", {"file_path": ".env"}, "DENY", "DENY"),
        ("grep_search", {"pattern": "KEY", "dir_path": APP, "include_pattern": ".env"}, "DENY", "DENY"),
        ("read_mcp_resource", {"uri": "file:///etc/shadow"}, "DENY", "DENY"),
        ("read_mcp_resource", {"uri": "docs://guide/intro"}, "ALLOW", "ALLOW"),
    ],
)
def test_the_shipped_policies_judge_them(tool: str, arguments: Any, strict: str, read_only: str) -> None:
    assert (verdict(STRICT, tool, arguments), verdict(READ_ONLY, tool, arguments)) == (strict, read_only)


def claude(tool: str, tool_input: dict[str, Any]) -> dict[str, Any]:
    payload = {"hook_event_name": "PreToolUse", "session_id": "s", "cwd": APP}
    found = to_event(payload | {"tool_name": tool, "tool_input": tool_input})
    assert found is not None
    return found[2]


def test_the_claude_code_hook_names_a_websocket_monitor_a_connection() -> None:
    event = claude("Monitor", {"description": "feed", "timeout_ms": 60000, "ws": {"url": "wss://feed.example/x"}})
    assert event["data"]["name"] == "MonitorWebSocket"
    assert event["data"]["arguments"]["url"] == "wss://feed.example/x"


# Controls: a Monitor running a command stays a shell call; tools that start nothing stay unmapped.
def test_a_command_monitor_stays_a_shell() -> None:
    event = claude("Monitor", {"description": "log", "timeout_ms": 60000, "command": "tail -f x.log"})
    assert event["data"]["name"] == "Monitor"
    assert action("Monitor", event["data"]["arguments"])["context"]["action"]["type"] == "shell_execute"


@pytest.mark.parametrize("tool", ["CronList", "CronDelete", "TaskStop", "ListAgents", "update_topic", "wait_agent"])
def test_bookkeeping_tools_stay_unmapped(tool: str) -> None:
    assert action(tool, {"id": "x"})["context"]["action"]["type"] is None
