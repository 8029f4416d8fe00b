"""``goalrail mcp-proxy`` in front of an upstream whose tools change while it runs.

The proxy learns the upstream's tools before the first call is judged (to judge a call spelled
with another case or Unicode form as the listed tool, and with its annotations).  An upstream
may add tools later and say so (``notifications/tools/list_changed``): the proxy kept its first
listing, so ``READ_FILE`` of a ``read_file`` added since was judged as an unknown
``mcp__files__READ_FILE`` (no ``tool_mapping``, allowed) while the upstream, looking names up
loosely, ran ``read_file``.  The real proxy process, driven over stdio with JSON-RPC lines as a
client that does not list tools again (Claude Code calls what the model names) would, against
``upstream_changing_mcp.py`` and a real server whose ``tool_mapping`` makes
``mcp__files__read_file`` a ``sys_os_read`` (``deny_read`` refuses ``/etc/shadow``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integrations.support import AGENT_TOKEN, HERE, ServerProc, env, running_server

pytestmark = pytest.mark.slow

CHANGING = [sys.executable, str(HERE / "upstream_changing_mcp.py")]
HELLO = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("list-changed")) as srv:
        yield srv


def calls(server: ServerProc, session: str, *named: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The proxy's results for ``tools/call`` of each (name, arguments), one after the other."""
    args = ["-m", "goalrail", "mcp-proxy", "--session", session, "--name", "files", "--url", server.url]
    proc = subprocess.Popen(
        [sys.executable, *args, "--token", AGENT_TOKEN, "--", *CHANGING],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env(),
        text=True,
    )
    assert proc.stdin and proc.stdout

    def send(message: dict[str, Any]) -> None:
        assert proc.stdin
        proc.stdin.write(json.dumps(message) + "\n")
        proc.stdin.flush()

    def answer() -> dict[str, Any]:
        assert proc.stdout
        while True:
            message: dict[str, Any] = json.loads(proc.stdout.readline())
            if "id" in message:
                return message

    try:
        send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": HELLO})
        answer()
        send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        out = []
        for i, (name, arguments) in enumerate(named, start=2):
            send({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": {"name": name, "arguments": arguments}})
            out.append(answer()["result"])
        return out
    finally:
        proc.stdin.close()
        proc.wait(timeout=20)
        proc.stdout.close()


def text(result: dict[str, Any]) -> str:
    return " ".join(block.get("text", "") for block in result["content"])


@pytest.mark.parametrize("spelling", ["READ_FILE", "\uff52\uff45\uff41\uff44_\uff46\uff49\uff4c\uff45", " read_file"])
def test_a_tool_added_since_the_listing_is_judged_as_listed(server: ServerProc, spelling: str) -> None:
    unlocked, read = calls(server, f"changed-{spelling.strip()}", ("unlock", {}), (spelling, {"path": "/etc/shadow"}))
    assert text(unlocked) == "unlocked"
    assert read.get("isError") is True and "deny_read" in text(read), read


def test_controls(server: ServerProc) -> None:
    # (the server's cap allows three calls a session)
    _, read = calls(server, "changed-controls", ("unlock", {}), ("read_file", {"path": "/srv/notes.txt"}))
    assert text(read) == "read_file: {'path': '/srv/notes.txt'}"
    # a tool the upstream never lists: judged under its own name, refused by the upstream
    nope, echo = calls(server, "changed-unknown", ("NOPE", {}), ("echo", {}))
    assert text(nope) == "no such tool" and not echo.get("isError")
