"""``goalrail mcp-proxy`` end to end: a scripted MCP client (the SDK's ClientSession
over stdio) → the proxy process → a real upstream MCP server, against a real
``goalrail server`` with ask_on_os_tools and max_tool_calls_per_session."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import mcp_types as types
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

from tests.integrations.support import (
    AGENT_TOKEN,
    FIXTURES,
    HERE,
    ServerProc,
    env,
    free_port,
    resolve_next,
)

pytestmark = pytest.mark.slow

UPSTREAM = [sys.executable, str(HERE / "upstream_mcp.py")]


def proxy_args(server_url: str, session: str, *extra: str, upstream: list[str] | None = None) -> list[str]:
    args = ["-m", "goalrail", "mcp-proxy", "--session", session, "--url", server_url, "--token", AGENT_TOKEN, *extra]
    return [*args, "--", *(upstream or UPSTREAM)] if upstream is not None or "--upstream-url" not in extra else args


@asynccontextmanager
async def proxied(
    server_url: str, session: str, *extra: str, elicit: Any = None, upstream: list[str] | None = None
) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(
        command=sys.executable, args=proxy_args(server_url, session, *extra, upstream=upstream), env=env()
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write, elicitation_callback=elicit) as s:
        await s.initialize()
        yield s


def text(result: types.CallToolResult) -> str:
    return " ".join(getattr(b, "text", "") for b in result.content)


async def test_gates_every_call(server: ServerProc) -> None:
    session = "mcp-e2e-1"
    async with proxied(server.url, session, "--ask-timeout", "120") as client:
        listed = await client.list_tools()
        assert [t.name for t in listed.tools] == ["echo", "read_file", "run_command"]
        ok = await client.call_tool("echo", {"text": "hi"})
        assert not ok.is_error and text(ok) == "echo: hi"
        denied = await client.call_tool("read_file", {"path": "/etc/shadow"})
        assert denied.is_error and "deny_read" in text(denied) and "/etc/shadow" in text(denied)
        approver = threading.Thread(target=resolve_next, args=(server, session, "approve"))
        approver.start()
        asked = await client.call_tool("run_command", {"command": "ls -la"})  # ASK → approved in Goalrail
        approver.join()
        assert not asked.is_error and text(asked) == "ran: ls -la"
        assert not (await client.call_tool("echo", {"text": "3"})).is_error
        capped = await client.call_tool("echo", {"text": "4"})
        assert capped.is_error and "cap" in text(capped) and "3/3" in text(capped)
    with server.user() as c:
        info = c.get(f"/v1/sessions/{session}").json()
    seen = [(d["type"], d["target"], d["result"]) for d in info["recent_decisions"]][::-1]
    assert seen == [
        ("tool_call", "mcp__files__echo", "ALLOW"),
        ("tool_result", "mcp__files__echo", "ALLOW"),
        ("tool_call", "sys_os_read", "DENY"),
        ("tool_call", "sys_os_shell", "ASK"),
        ("tool_call", "sys_os_shell", "ALLOW"),  # the approved call, posted again: uses the approval up
        ("tool_result", "sys_os_shell", "ALLOW"),
        ("tool_call", "mcp__files__echo", "ALLOW"),
        ("tool_result", "mcp__files__echo", "ALLOW"),
        ("tool_call", "mcp__files__echo", "DENY"),
    ]


async def test_refusal_in_goalrail(server: ServerProc) -> None:
    session = "mcp-e2e-refuse"
    async with proxied(server.url, session, "--ask-timeout", "120") as client:
        refuser = threading.Thread(target=resolve_next, args=(server, session, "deny"))
        refuser.start()
        result = await client.call_tool("run_command", {"command": "rm -rf /tmp/x"})
        refuser.join()
    assert result.is_error and "refused by the user" in text(result)


async def test_ask_times_out_to_deny(server: ServerProc) -> None:
    async with proxied(server.url, "mcp-e2e-timeout", "--ask-timeout", "1") as client:
        started = time.monotonic()
        result = await client.call_tool("run_command", {"command": "make"})
    assert result.is_error and "no approval within 1s" in text(result)
    assert time.monotonic() - started < 60  # (1 s, not the default 300 s; a loaded machine adds seconds)


async def test_elicitation_decline_refuses_at_once(server: ServerProc) -> None:
    asked: list[str] = []

    async def decline(ctx: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append(params.message)
        return types.ElicitResult(action="decline")

    async with proxied(server.url, "mcp-e2e-elicit", "--ask-timeout", "300", elicit=decline) as client:
        started = time.monotonic()
        result = await client.call_tool("run_command", {"command": "shutdown now"})
    assert result.is_error and "refused in the client" in text(result)
    assert time.monotonic() - started < 60  # at once: not after the 300 s ask timeout
    assert len(asked) == 1 and "shutdown now" in asked[0] and "goalrail approvals approve apr_" in asked[0]


async def test_elicitation_accept_still_needs_goalrail_approval(server: ServerProc) -> None:
    session = "mcp-e2e-elicit-ok"

    async def accept(ctx: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        return types.ElicitResult(action="accept", content={})

    async with proxied(server.url, session, "--ask-timeout", "120", elicit=accept) as client:
        approver = threading.Thread(target=resolve_next, args=(server, session, "approve"))
        approver.start()
        result = await client.call_tool("run_command", {"command": "make test"})
        approver.join()
    assert not result.is_error and text(result) == "ran: make test"


async def test_server_down_fails_closed() -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    async with proxied(dead, "mcp-down", "--deadline", "2") as client:
        assert len((await client.list_tools()).tools) == 3  # listing is harmless
        result = await client.call_tool("echo", {"text": "hi"})
    assert result.is_error and "fails closed" in text(result)


async def test_streamable_http_upstream(server: ServerProc) -> None:
    port = free_port()
    upstream = subprocess.Popen(
        [*UPSTREAM, "--http", str(port)], env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_port(port)
        async with proxied(
            server.url, "mcp-http", "--upstream-url", f"http://127.0.0.1:{port}/mcp", "--name", "files"
        ) as client:
            ok = await client.call_tool("echo", {"text": "over http"})
            denied = await client.call_tool("read_file", {"path": "/etc/shadow"})
        assert text(ok) == "echo: over http" and denied.is_error
    finally:
        upstream.terminate()
        upstream.wait(timeout=10)


def _wait_port(port: int) -> None:
    import socket

    deadline = time.monotonic() + 120  # (a poll)
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("upstream did not start")


def test_recorded_jsonrpc_replay(server: ServerProc) -> None:
    """Raw JSON-RPC recorded from a real client session, replayed over the proxy's stdio."""
    requests = [json.loads(line) for line in (FIXTURES / "mcp" / "client_requests.jsonl").read_text().splitlines()]
    recorded = {
        r["id"]: r for r in map(json.loads, (FIXTURES / "mcp" / "proxy_responses.jsonl").read_text().splitlines())
    }
    proc = subprocess.Popen(
        [sys.executable, *proxy_args(server.url, "mcp-replay")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env(),
        text=True,
    )
    assert proc.stdin and proc.stdout
    try:
        answers = {}
        for req in requests:
            proc.stdin.write(json.dumps(req) + "\n")
            proc.stdin.flush()
            if "id" in req:
                answers[req["id"]] = json.loads(proc.stdout.readline())
    finally:
        proc.stdin.close()
        proc.wait(timeout=20)
        proc.stdout.close()
    assert answers[1]["result"]["serverInfo"] == recorded[1]["result"]["serverInfo"]
    assert answers[2]["result"]["tools"] == recorded[2]["result"]["tools"]
    assert (
        answers[3]["result"]
        == recorded[3]["result"]
        == {
            "content": [{"text": "echo: hello", "type": "text"}],
            "isError": False,
            "structuredContent": {"result": "echo: hello"},
        }
    )
    assert answers[4]["result"]["isError"] is True and "deny_read" in answers[4]["result"]["content"][0]["text"]
    assert answers[4]["result"] == recorded[4]["result"]


@pytest.mark.parametrize(
    "name, slug", [("files", "files"), ("My Server!", "My_Server"), ("a__b", "a_b"), ("", "upstream")]
)
def test_server_slug(name: str, slug: str) -> None:
    from goalrail.integrations.mcp.proxy import server_slug

    assert server_slug(name) == slug
