"""JSON-RPC batches (an array of messages in one line) through ``goalrail mcp-proxy`` and ``goalrail mcp``.

Raw JSON-RPC over the proxy's real stdio, a real upstream MCP server and a real
``goalrail server``: every call of a batch is judged as a single call would be, and
the answer is one JSON-RPC batch response (an array with one answer per request).
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integrations.support import ServerProc, env, session_info
from tests.integrations.test_mcp_proxy import proxy_args

pytestmark = pytest.mark.slow

INIT = {
    "jsonrpc": "2.0",
    "id": "init",
    "method": "initialize",
    "params": {"protocolVersion": "2025-03-26", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}},
}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}


def call(id_: object, tool: str, **arguments: object) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": id_, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}


class Raw:
    """A line-oriented JSON-RPC client on a subprocess's stdio; answers are read on a thread."""

    def __init__(self, argv: list[str]) -> None:
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env(), text=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout
        for line in self.proc.stdout:
            self.lines.put(line)

    def send(self, message: object) -> None:
        assert self.proc.stdin
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def answer(self, timeout: float = 90) -> Any:  # (a wait: it ends at the answer)
        try:
            return json.loads(self.lines.get(timeout=timeout))
        except queue.Empty:
            raise AssertionError(f"no answer within {timeout}s") from None

    def silent(self, seconds: float) -> bool:
        try:
            self.lines.get(timeout=seconds)
        except queue.Empty:
            return True
        return False

    def close(self) -> None:
        assert self.proc.stdin
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=20)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            assert self.proc.stdout
            self.proc.stdout.close()


def _started(argv: list[str]) -> Iterator[Raw]:
    raw = Raw(argv)
    try:
        raw.send(INIT)
        assert raw.answer()["id"] == "init"
        raw.send(INITIALIZED)
        yield raw
    finally:
        raw.close()


@pytest.fixture
def proxy(server: ServerProc, request: pytest.FixtureRequest) -> Iterator[Raw]:
    yield from _started([sys.executable, *proxy_args(server.url, f"batch-{request.node.name}")])


def by_id(answer: Any) -> dict[object, dict[str, Any]]:
    assert isinstance(answer, list), answer
    return {a["id"]: a for a in answer}


def test_every_call_of_a_batch_is_judged_and_answered(proxy: Raw, server: ServerProc, request: Any) -> None:
    proxy.send(
        [
            call(1, "echo", text="one"),
            call(2, "read_file", path="/etc/shadow"),
            {"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progressToken": "t", "progress": 1}},
            {"jsonrpc": "2.0", "id": 3, "method": "tools/list"},
        ]
    )
    answers = by_id(proxy.answer())
    assert set(answers) == {1, 2, 3}
    assert answers[1]["result"]["isError"] is False and answers[1]["result"]["content"][0]["text"] == "echo: one"
    denied = answers[2]["result"]
    assert denied["isError"] is True and "deny_read" in denied["content"][0]["text"]
    assert [t["name"] for t in answers[3]["result"]["tools"]] == ["echo", "read_file", "run_command"]
    seen = [
        (d["type"], d["target"], d["result"])
        for d in session_info(server, f"batch-{request.node.name}")["recent_decisions"]
    ]
    assert ("tool_call", "sys_os_read", "DENY") in seen and ("tool_call", "mcp__files__echo", "ALLOW") in seen


def test_a_batch_reusing_an_id_runs_neither_twice(proxy: Raw, server: ServerProc, request: Any) -> None:
    """Two requests with one id in a batch: the second is refused, never forwarded unjudged or twice."""
    proxy.send([call(7, "echo", text="first"), call(7, "echo", text="second")])
    answer = proxy.answer()
    assert isinstance(answer, list) and len(answer) == 2
    ok = [a for a in answer if "result" in a]
    refused = [a for a in answer if "error" in a]
    assert len(ok) == 1 and ok[0]["result"]["content"][0]["text"] == "echo: first"
    assert len(refused) == 1 and refused[0]["error"]["code"] == -32600
    calls = [
        d for d in session_info(server, f"batch-{request.node.name}")["recent_decisions"] if d["type"] == "tool_call"
    ]
    assert len(calls) == 1


def test_invalid_members_and_empty_batches_get_errors(proxy: Raw) -> None:
    proxy.send([])
    empty = proxy.answer()
    assert isinstance(empty, dict) and empty["id"] is None and empty["error"]["code"] == -32600
    proxy.send(
        [1, {"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": "not an object"}, call(6, "echo", text="x")]
    )
    answers = proxy.answer()
    assert isinstance(answers, list) and len(answers) == 3
    assert next(a for a in answers if a["id"] is None)["error"]["code"] == -32600
    assert "error" in by_id([a for a in answers if a["id"] is not None])[5]
    assert by_id([a for a in answers if a["id"] is not None])[6]["result"]["content"][0]["text"] == "echo: x"


def test_a_batch_of_notifications_gets_no_answer(proxy: Raw) -> None:
    proxy.send([{"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progressToken": 1, "progress": 1}}])
    assert proxy.silent(1.5)
    proxy.send({"jsonrpc": "2.0", "id": 9, "method": "tools/list"})  # still serving
    assert proxy.answer()["id"] == 9


def test_single_messages_still_answer_singly(proxy: Raw) -> None:
    proxy.send(call("s", "echo", text="single"))
    answer = proxy.answer()
    assert answer["id"] == "s" and answer["result"]["content"][0]["text"] == "echo: single"


def test_chat_server_judges_each_call_of_a_batch(server: ServerProc, request: Any) -> None:
    from tests.integrations.support import AGENT_TOKEN

    argv = [
        sys.executable,
        "-m",
        "goalrail",
        "mcp",
        "--session",
        "batch-chat",
        "--url",
        server.url,
        "--token",
        AGENT_TOKEN,
    ]
    for raw in _started(argv):
        raw.send(
            [
                {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                {
                    "jsonrpc": "2.0",
                    "id": 2,
                    "method": "tools/call",
                    "params": {"name": "sys_list_policies", "arguments": {}},
                },
            ]
        )
        answers = by_id(raw.answer())
        assert set(answers) == {1, 2} and "result" in answers[2]
