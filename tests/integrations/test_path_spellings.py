"""One file, however its path is spelled: file tools of every harness and an MCP filesystem
server reach the pattern rules with the path's canonical spelling.

A real server whose pattern policy denies file actions on ``/etc/…``, ``.env`` and ``.ssh/…``;
each case is a payload through the installed hook command (Claude Code, Codex, Gemini CLI) or a
call through ``goalrail mcp-proxy`` with the MCP SDK's client, to an upstream shaped like the
reference filesystem server.  Before these fixes each of them ran: ``/proc/self/root/etc/…``,
``file:///etc/…``, a Windows spelling (``C:\\Users\\me\\.ssh\\id_rsa``, ``\\\\?\\``, an alternate
data stream, a trailing dot), ``~/../../etc/…``, a NUL byte, and a move's ``destination``
(a key no file tool had used).  The same tools on paths inside the project still run.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import mcp_types as types
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

from tests.integrations.support import AGENT_TOKEN, AUTH, HERE, ServerProc, env, running_server
from tests.integrations.test_harness_tool_shapes import claude_pre, codex_pre, gemini_before, patch

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
          - {id: etc, pattern: "/etc/.*", action: deny, action_type: "file_*", description: nothing under /etc}
          - {id: dotenv, pattern: "(.*/)?\\\\.env$", action: deny, action_type: "file_*", description: no .env}
          - {id: ssh, pattern: "(.*/)?\\\\.ssh/.*", action: deny, action_type: "file_*", description: no ssh keys}
tool_mapping:
  "mcp__fs__read_text_file": sys_os_read
  "mcp__fs__move_file": sys_os_write
"""
    + AUTH
)
APP = "/home/dev/app"
WIN = "C:\\Users\\dev\\app"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("spellings-server"), config=CHAIN) as srv:
        yield srv


@pytest.mark.parametrize(
    ("tool", "tool_input", "cwd"),
    [
        ("Read", {"file_path": "/proc/self/root/etc/shadow"}, APP),
        ("Write", {"file_path": "/proc/1/root/etc/cron.d/job", "content": "x"}, APP),
        ("Read", {"file_path": "/proc/self/cwd/../../etc/shadow"}, "/srv/app"),  # the cwd's, not /proc/etc
        ("Read", {"file_path": "file:///etc/shadow"}, APP),
        ("Read", {"file_path": "file://localhost/%65tc/shadow"}, APP),
        ("Read", {"file_path": "~/../../etc/shadow"}, APP),
        ("Read", {"file_path": "C:\\Users\\dev\\.ssh\\id_rsa"}, WIN),
        ("Read", {"file_path": "\\\\?\\C:\\Users\\dev\\.ssh\\id_rsa"}, WIN),
        ("Edit", {"file_path": "C:\\Users\\dev\\app\\.env::$DATA", "old_string": "a", "new_string": "b"}, WIN),
        ("Write", {"file_path": ".env.", "content": "x"}, WIN),
        ("Write", {"file_path": "src\\..\\.env ", "content": "x"}, WIN),
        ("Read", {"file_path": "\\\\fileserver\\home\\dev\\.ssh\\id_rsa"}, WIN),
        ("Read", {"file_path": f"{APP}/.env\u0000.txt"}, APP),
        ("MultiEdit", {"file_path": f"{APP}/a.py", "edits": [{"file_path": "/proc/self/root/etc/hosts"}]}, APP),
        ("NotebookEdit", {"notebook_path": "file:///etc/nb.ipynb", "new_source": "x"}, APP),
    ],
    ids=[
        "proc-root",
        "proc-pid-root",
        "proc-cwd-dotdot",
        "file-url",
        "file-url-percent",
        "home-climb",
        "windows",
        "windows-long-prefix",
        "windows-stream",
        "windows-trailing-dot",
        "windows-trailing-space",
        "unc",
        "nul",
        "multiedit-per-edit",
        "notebook-url",
    ],
)
def test_claude_code_file_tools(server: ServerProc, tool: str, tool_input: dict[str, Any], cwd: str) -> None:
    assert claude_pre(server, tool, tool_input, cwd) == "deny"


def test_claude_code_near_misses_run(server: ServerProc) -> None:
    assert claude_pre(server, "Read", {"file_path": f"{APP}/.envrc"}) is None
    assert claude_pre(server, "Read", {"file_path": "/proc/self/status"}) is None
    assert claude_pre(server, "Read", {"file_path": "file:///home/dev/app/README.md"}) is None
    assert claude_pre(server, "Write", {"file_path": "C:\\Users\\dev\\app\\etc\\x.py", "content": "x"}, WIN) is None
    assert claude_pre(server, "Read", {"file_path": "~/notes/etc/x"}) is None
    assert claude_pre(server, "Write", {"file_path": "docs/env.md", "content": "x"}) is None


def test_codex_and_gemini_file_tools(server: ServerProc) -> None:
    assert codex_pre(server, "apply_patch", {"command": patch("*** Add File: /proc/self/root/etc/x", "+x")}) == "deny"
    win_patch = patch("*** Update File: src\\app.py", "*** Move to: C:\\Users\\dev\\.ssh\\authorized_keys", "@@")
    assert codex_pre(server, "apply_patch", {"command": win_patch}, cwd=WIN) == "deny"
    assert gemini_before(server, "read_file", {"absolute_path": "/proc/thread-self/root/etc/shadow"}) == "deny"
    assert gemini_before(server, "write_file", {"file_path": "C:\\app\\env\\x.py", "content": "x"}, cwd=WIN) is None
    assert gemini_before(server, "replace", {"file_path": "C:\\app\\.env:x", "old_string": "a"}, cwd=WIN) == "deny"
    # inside the project
    assert codex_pre(server, "apply_patch", {"command": patch("*** Add File: src/x.py", "+x")}) is None
    assert gemini_before(server, "read_file", {"absolute_path": f"{APP}/src/env.py"}) is None


@asynccontextmanager
async def proxied(server: ServerProc, session: str) -> AsyncIterator[ClientSession]:
    args = ["-m", "goalrail", "mcp-proxy", "--session", session, "--url", server.url, "--token", AGENT_TOKEN]
    upstream = [sys.executable, str(HERE / "upstream_fs_mcp.py")]
    params = StdioServerParameters(command=sys.executable, args=[*args, "--", *upstream], env=env())
    async with stdio_client(params) as (read, write), ClientSession(read, write) as client:
        await client.initialize()
        yield client


def _text(result: types.CallToolResult) -> str:
    return " ".join(getattr(b, "text", "") for b in result.content)


@pytest.mark.slow
async def test_mcp_filesystem_server_through_the_proxy(server: ServerProc) -> None:
    async with proxied(server, "spellings-mcp") as client:
        moved = await client.call_tool("move_file", {"source": f"{APP}/job", "destination": "/etc/cron.d/job"})
        assert moved.is_error and "pattern `etc`" in _text(moved)
        read = await client.call_tool("read_text_file", {"path": "/proc/self/root/etc/shadow"})
        assert read.is_error and "pattern `etc`" in _text(read)
        url = await client.call_tool("read_text_file", {"path": "file:///home/dev/.ssh/id_ed25519"})
        assert url.is_error and "pattern `ssh`" in _text(url)
        ok = await client.call_tool("move_file", {"source": f"{APP}/a.py", "destination": f"{APP}/b.py"})
        assert not ok.is_error and _text(ok) == f"moved {APP}/a.py to {APP}/b.py"
