"""Claude Code 2.1's tools that run a shell command or read files under names of their own.

The tool list of Claude Code 2.1.332 (read from the installed binary, ``scripts/e2e-clis``) holds,
besides ``Bash`` and ``Read``: ``Monitor`` (a background watch whose ``command`` is a shell command,
run as ``Bash``'s is: Claude Code's own permission rules group it with ``Bash`` and ``PowerShell``),
``LSP`` (language-server queries on the file at ``filePath``) and ``SendUserFile`` (hands the
``files`` to another Claude Code session).  Their ``PreToolUse`` reached Goalrail under a name no
canonical tool had, so no shell or file policy judged them.  Each case runs the real hook command
against the server of ``test_harness_tool_shapes`` (no writes under ``/etc/``, no reads of
``/etc/shadow``, no ``git push``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integrations.support import ServerProc, running_server
from tests.integrations.test_harness_tool_shapes import APP, CHAIN, claude_pre, codex_pre


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("names-server"), config=CHAIN) as srv:
        yield srv


MONITOR = {"description": "watch the deploy", "timeout_ms": 300000}


@pytest.mark.parametrize(
    ("tool", "tool_input"),
    [
        ("Monitor", {**MONITOR, "command": "git push origin main"}),
        ("Monitor", {**MONITOR, "command": "while true; do git push --force; sleep 5; done"}),
        ("LSP", {"operation": "documentSymbol", "filePath": "/etc/shadow", "line": 1, "character": 1}),
        ("LSP", {"operation": "hover", "filePath": "../../../etc/shadow", "line": 1, "character": 1}),
        ("SendUserFile", {"files": ["/etc/shadow"], "message": "here"}),
        ("SendUserFile", {"files": ["src/app.py", "/etc/shadow"]}),
    ],
)
def test_claude_code_tools_under_their_own_names_are_judged(
    server: ServerProc, tool: str, tool_input: dict[str, Any]
) -> None:
    assert claude_pre(server, tool, tool_input) == "deny"


@pytest.mark.parametrize(
    ("tool", "tool_input"),
    [
        ("Monitor", {**MONITOR, "command": f"tail -f {APP}/deploy.log"}),
        ("Monitor", {**MONITOR, "ws": {"url": "wss://status.example.com/feed"}}),
        ("LSP", {"operation": "hover", "filePath": f"{APP}/src/app.py", "line": 3, "character": 5}),
        ("SendUserFile", {"files": ["src/app.py"]}),
        # an MCP server's own `monitor` tool is not a shell: only Claude Code's `Monitor` is
        ("mcp__status__monitor", {"command": "git push origin main"}),
    ],
)
def test_controls_pass(server: ServerProc, tool: str, tool_input: dict[str, Any]) -> None:
    assert claude_pre(server, tool, tool_input) is None


# An MCP server's resources read through the harness's own tool (Claude Code 2.1's
# `ReadMcpResourceTool`/`ReadMcpResourceDirTool`, Codex's `read_mcp_resource`: `{server, uri}`) are
# that server's action: `tool_mapping` and rules written for `mcp__files__…` judge them.
MAPPED = CHAIN + '\ntool_mapping:\n  "mcp__files__*": sys_os_read\n'


@pytest.fixture(scope="module")
def mapped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("names-mapped"), config=MAPPED) as srv:
        yield srv


@pytest.mark.parametrize("tool", ["ReadMcpResourceTool", "ReadMcpResourceDirTool"])
@pytest.mark.parametrize("uri", ["file:///etc/shadow", "file://localhost/etc/shadow"])
def test_claude_code_mcp_resource_reads_are_the_servers(mapped: ServerProc, tool: str, uri: str) -> None:
    assert claude_pre(mapped, tool, {"server": "files", "uri": uri}) == "deny"


def test_codex_mcp_resource_read_is_the_servers(mapped: ServerProc) -> None:
    assert codex_pre(mapped, "read_mcp_resource", {"server": "files", "uri": "file:///etc/shadow"}) == "deny"


@pytest.mark.parametrize(
    ("tool", "tool_input"),
    [
        ("ReadMcpResourceTool", {"server": "files", "uri": f"file://{APP}/README.md"}),
        ("ReadMcpResourceTool", {"server": "docs", "uri": "file:///etc/shadow"}),  # another server, not mapped
        ("ListMcpResourcesTool", {"server": "files"}),
    ],
)
def test_resource_controls_pass(mapped: ServerProc, tool: str, tool_input: dict[str, Any]) -> None:
    assert claude_pre(mapped, tool, tool_input) is None
