"""A model answer's calls are named by their arguments as the hooks name them (``goalrail.harness_calls``).

Through the LLM proxy a model's answer is the only event its calls reach Goalrail in.  Claude
Code's ``Monitor`` opening a WebSocket was read there as a shell call without a command (the
hook names it ``MonitorWebSocket``, a ``network_connect``), and ``ReadMcpResourceTool`` /
Codex's ``read_mcp_resource`` as unknown tools (the hooks name them
``mcp__<server>__read_resource``, so the server's ``tool_mapping`` judges the ``uri``).
"""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.engine.actions import ActionMapper
from goalrail.engine.answer_calls import answer_calls
from goalrail.integrations.claude_code.translate import to_event

MAPPER = ActionMapper({"mcp__files__*": "sys_os_read"})
WS = {"ws": {"url": "wss://feed.example/stream"}, "description": "watch the feed"}
RESOURCE = {"server": "files", "uri": "file:///etc/shadow"}


def anthropic(name: str, arguments: Any) -> dict[str, Any]:
    return {"content": [{"type": "tool_use", "id": "toolu_1", "name": name, "input": arguments}]}


def openai(name: str, arguments: Any) -> dict[str, Any]:
    fn = {"name": name, "arguments": __import__("json").dumps(arguments)}
    return {"choices": [{"message": {"tool_calls": [{"id": "c1", "type": "function", "function": fn}]}}]}


@pytest.mark.parametrize("shape", [anthropic, openai])
def test_a_websocket_monitor_in_an_answer_is_a_connection(shape: Any) -> None:
    (call,) = answer_calls(shape("Monitor", WS), MAPPER)
    assert call["name"] == "MonitorWebSocket"
    assert call["action"]["type"] == "network_connect"
    assert call["action"]["target"] == "wss://feed.example/stream"


@pytest.mark.parametrize("tool", ["ReadMcpResourceTool", "ReadMcpResourceDirTool", "read_mcp_resource"])
@pytest.mark.parametrize("shape", [anthropic, openai])
def test_a_resource_read_in_an_answer_is_that_servers_action(tool: str, shape: Any) -> None:
    (call,) = answer_calls(shape(tool, RESOURCE), MAPPER)
    assert call["action"]["original"] == "mcp__files__read_resource"
    assert call["action"]["type"] == "file_read"
    assert call["action"]["target"] == "file:///etc/shadow"


def test_the_answer_and_the_hook_name_a_call_alike() -> None:
    for tool, arguments in (("Monitor", WS), ("ReadMcpResourceTool", RESOURCE)):
        payload = {"hook_event_name": "PreToolUse", "session_id": "s", "tool_name": tool, "tool_input": arguments}
        hooked = to_event(payload)
        assert hooked is not None
        (call,) = answer_calls(anthropic(tool, arguments), MAPPER)
        assert (call["name"], call["arguments"]) == (hooked[2]["target"], hooked[2]["data"]["arguments"])


@pytest.mark.parametrize(
    ("tool", "arguments", "kind"),
    [
        ("Monitor", {"command": "tail -f log", "description": "tail"}, "shell_execute"),
        ("read_mcp_resource", {"uri": "file:///etc/hosts"}, "file_read"),  # Gemini's: no server named
    ],
)
def test_calls_their_name_already_says_stay_as_they_are(tool: str, arguments: Any, kind: str) -> None:
    (call,) = answer_calls(anthropic(tool, arguments), MAPPER)
    assert call["name"] == tool
    assert call["action"]["type"] == kind
