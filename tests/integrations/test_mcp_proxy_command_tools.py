"""``goalrail mcp-proxy`` in front of a Desktop Commander-shaped server nobody mapped
(``tests/integrations/upstream_commander.py``): its ``start_process`` and
``interact_with_process`` are judged as ``Bash`` running the command (``engine.mcp_commands``),
its ``move_file`` at both ends as ``mv`` — the real proxy process, driven by the SDK's client
over stdio, against a real ``goalrail server`` with no ``tool_mapping``."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

from tests.integrations.support import AGENT_TOKEN, AUTH, HERE, ServerProc, env, running_server, session_info

pytestmark = pytest.mark.slow

RULES = (
    """
policies:
  rules:
    type: function
    handler: goalrail.policies.builtins.patterns.pattern_policy
    factory_params:
      inline:
        name: rules
        default_action: allow
        patterns:
          - {id: ssh, pattern: ".*\\\\.ssh/.*", action: deny, action_type: file_read}
          - {id: rmrf, pattern: "rm\\\\s+-rf\\\\b", action: deny, action_type: shell_execute}
"""
    + AUTH
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("commander"), config=RULES) as srv:
        yield srv


def _text(result: object) -> str:
    return " ".join(getattr(b, "text", "") for b in getattr(result, "content", []))


async def test_an_unmapped_start_process_is_judged_as_bash(server: ServerProc) -> None:
    session = "mcp-commander-1"
    args = ["-m", "goalrail", "mcp-proxy", "--session", session, "--url", server.url, "--token", AGENT_TOKEN]
    upstream = [sys.executable, str(HERE / "upstream_commander.py")]
    params = StdioServerParameters(command=sys.executable, args=[*args, "--", *upstream], env=env())
    async with stdio_client(params) as (read, write), ClientSession(read, write) as client:
        await client.initialize()
        rm = await client.call_tool("start_process", {"command": "rm -rf /", "timeout_ms": 100})
        assert rm.is_error and "started" not in _text(rm)
        cat = await client.call_tool("start_process", {"command": "cat ~/.ssh/id_rsa", "timeout_ms": 100})
        assert cat.is_error and "started" not in _text(cat)
        typed = await client.call_tool("interact_with_process", {"pid": 7, "input": "rm -rf ~"})
        assert typed.is_error and "sent" not in _text(typed)
        moved = await client.call_tool("move_file", {"source": "/home/dev/.ssh/id_rsa", "destination": "/tmp/k"})
        assert moved.is_error and "moved" not in _text(moved)
        ls = await client.call_tool("start_process", {"command": "ls -la", "timeout_ms": 100})
        assert not ls.is_error and "started: ls -la" in _text(ls)
        assert not (await client.call_tool("echo", {"text": "hi"})).is_error
    decisions = session_info(server, session)["recent_decisions"][::-1]
    calls = [(d["target"], d["action"]["type"], d["action"]["mapped_by"], d["result"]) for d in decisions]
    assert [c for d, c in zip(decisions, calls, strict=True) if d["type"] == "tool_call"] == [
        ("sys_os_shell", "shell_execute", "builtin:mcp-shell", "DENY"),
        ("sys_os_shell", "shell_execute", "builtin:mcp-shell", "DENY"),
        ("sys_os_shell", "shell_execute", "builtin:mcp-shell", "DENY"),
        ("mcp__desktop-commander__move_file", "file_move", "builtin:mcp-file", "DENY"),
        ("sys_os_shell", "shell_execute", "builtin:mcp-shell", "ALLOW"),
        ("mcp__desktop-commander__echo", None, None, "ALLOW"),
    ]
