"""Python SDK: in-process ``goalrail.Guard`` (thread-safe, exact limits), the
``guarded`` decorator, the remote ``goalrail.Client`` against a real server, and
the OpenAI Agents SDK tool guardrail (when ``agents`` is installed)."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import goalrail
from goalrail.errors import ApprovalRequired, PolicyDenied, Unavailable
from tests.integrations.support import AGENT_TOKEN, CHAIN, P, ServerProc, free_port, resolve_next

AGENT_SPEC = f"""
name: coder
policies:
  no_env:
    type: function
    handler: {P}.deny_paths
    factory_params: {{paths: [/app/.env]}}
"""


@pytest.fixture
def guard() -> goalrail.Guard:
    g = goalrail.Guard(config_text=CHAIN)
    yield g
    g.close()


def test_guard_verdicts(guard: goalrail.Guard) -> None:
    assert guard.tool_call("g1", "Read", {"file_path": "/etc/shadow"})["result"] == "DENY"
    assert guard.tool_call("g1", "Read", {"file_path": "/tmp/ok"})["result"] == "ALLOW"
    asked = guard.tool_call("g1", "Bash", {"command": "ls"})
    assert asked["result"] == "ASK" and asked["approval_id"].startswith("apr_")


def test_guard_from_files(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(CHAIN)
    (tmp_path / "coder.yaml").write_text(AGENT_SPEC)
    with goalrail.Guard(tmp_path / "config.yaml", tmp_path / "coder.yaml") as g:
        denied = g.tool_call("f1", "Read", {"file_path": "/app/.env"})
        assert denied["result"] == "DENY" and denied["policy"] == "no_env"  # the agent spec's policy
        assert g.tool_call("f1", "Read", {"file_path": "/etc/shadow"})["policy"] == "deny_read"  # the server's


def test_guard_is_thread_safe_and_exact(guard: goalrail.Guard) -> None:
    """50 concurrent calls from 10 threads on one session: the cap (3) allows exactly 3."""
    with ThreadPoolExecutor(10) as pool:
        results = list(
            pool.map(lambda i: guard.tool_call("g-par", "fetch", {"url": f"https://x/{i}"})["result"], range(50))
        )
    assert results.count("ALLOW") == 3 and results.count("DENY") == 47


def test_decorator_deny_ask_allow(guard: goalrail.Guard) -> None:
    ran: list[str] = []

    @goalrail.guarded(guard, session="d1")
    def read_file(path: str) -> str:
        ran.append(path)
        return f"contents of {path}"

    @goalrail.guarded(guard, session="d1", tool_name="Bash")
    def shell(command: str) -> str:
        ran.append(command)
        return "done"

    assert read_file("/tmp/fine") == "contents of /tmp/fine"
    with pytest.raises(PolicyDenied, match="deny_read") as denied:
        read_file("/etc/shadow")
    assert denied.value.decision["result"] == "DENY"
    with pytest.raises(ApprovalRequired) as asked:
        shell("rm -rf /tmp/build")
    assert asked.value.approval_id and ran == ["/tmp/fine"]  # neither denied nor asked call ran


def test_decorator_waits_for_approval(guard: goalrail.Guard) -> None:
    @goalrail.guarded(guard, session="d2", tool_name="Bash", wait=60)  # (ends at the approval)
    def shell(command: str) -> str:
        return f"ran {command}"

    def approve() -> None:
        for _ in range(6000):  # (a poll: it ends when asked)
            pending = guard.pending_approvals()
            if pending:
                guard.resolve(pending[0]["id"], "approve")
                return
            threading.Event().wait(0.01)

    approver = threading.Thread(target=approve)
    approver.start()
    assert shell("make") == "ran make"
    approver.join()


async def test_decorator_async(guard: goalrail.Guard) -> None:
    @goalrail.guarded(guard, session="d3")
    async def read_file(path: str) -> str:
        await asyncio.sleep(0)
        return path

    assert await read_file("/tmp/a") == "/tmp/a"
    with pytest.raises(PolicyDenied):
        await read_file("/etc/shadow")


def test_client_against_server(server: ServerProc) -> None:
    with goalrail.Client(server.url, AGENT_TOKEN) as client:
        assert client.tool_call("sdk-1", "Read", {"file_path": "/etc/shadow"})["result"] == "DENY"

        @goalrail.guarded(client, session="sdk-1", tool_name="run_command", wait=60)  # (ends at the approval)
        def run_command(command: str) -> str:
            return f"ran {command}"

        approver = threading.Thread(target=resolve_next, args=(server, "sdk-1", "approve"))
        approver.start()
        assert run_command("ls") == "ran ls"
        approver.join()
        usage = client.record_usage("sdk-1", "fake-gpt", 100, 20)
        assert usage["input_tokens"] == 100


def test_client_server_down_fails_closed() -> None:
    ran: list[int] = []
    with goalrail.Client(f"http://127.0.0.1:{free_port()}", "t", deadline=2) as client:

        @goalrail.guarded(client, session="down")
        def echo(x: int) -> int:
            ran.append(x)
            return x

        with pytest.raises(Unavailable):
            echo(1)
    assert ran == []


async def test_openai_agents_guardrail(guard: goalrail.Guard) -> None:
    agents = pytest.importorskip("agents")
    from agents.testing.model import ScriptedModel, assistant_message, function_call

    from goalrail.integrations.sdk.openai_agents import goalrail_tool_guardrail

    agents.set_tracing_disabled(True)  # offline: no trace export

    ran: list[str] = []
    guardrail = goalrail_tool_guardrail(guard, session="oa-1")

    @agents.function_tool(tool_input_guardrails=[guardrail])
    def read_file(file_path: str) -> str:
        """Read a file."""
        ran.append(file_path)
        return "contents"

    model = ScriptedModel(
        [
            [function_call("read_file", {"file_path": "/tmp/ok"}, call_id="c1")],
            [function_call("read_file", {"file_path": "/etc/shadow"}, call_id="c2")],
            [assistant_message("done")],
        ]
    )
    agent = agents.Agent(name="reader", model=model, tools=[read_file])
    result = await agents.Runner.run(agent, "read two files")  # (run_sync would leave a loop open)
    assert result.final_output == "done"
    assert ran == ["/tmp/ok"]  # the denied call never ran
    outputs = [
        str(getattr(item, "output", "")) for item in result.new_items if type(item).__name__ == "ToolCallOutputItem"
    ]
    assert outputs[0] == "contents" and "deny_read" in outputs[1]


def _decision_logged(entries: list[dict[str, object]]) -> dict[str, object]:
    (entry,) = [e for e in entries if e["kind"] == "decision"]
    payload = entry["payload"]
    assert isinstance(payload, dict)
    return payload


def _read(file_path: str) -> tuple[dict[str, object], dict[str, object]]:
    args: dict[str, object] = {"file_path": file_path, "opts": {"n": 1}}
    return args, {"type": "tool_call", "target": "Read", "data": {"arguments": args}}


async def test_the_log_keeps_the_event_as_decided_when_the_caller_changes_it_after() -> None:
    """The memory store seals its log after the answer; a caller that reuses its dict
    right after the call must not change what the log says was decided."""
    from goalrail.integrations.local import LocalBackend
    from tests.integrations.conftest import make_runtime

    runtime = make_runtime()
    backend = LocalBackend(runtime)
    _, untouched = _read("/tmp/ok")
    assert (await backend.evaluate("ref", untouched))["result"] == "ALLOW"  # type: ignore[arg-type]
    args, event = _read("/tmp/ok")
    answer = await backend.evaluate("mut", event)  # type: ignore[arg-type]
    args["file_path"] = "/etc/shadow"  # before the loop runs again: before the seal
    args["opts"]["n"] = 2  # type: ignore[index]
    assert answer["result"] == "ALLOW"
    reference = _decision_logged(await runtime.store.audit_entries(session_id="ref"))
    payload = _decision_logged(await runtime.store.audit_entries(session_id="mut"))
    assert payload["digest"] == reference["digest"]
    assert payload["event"] == reference["event"] and "/etc/shadow" not in str(payload)


def test_guard_log_keeps_the_event_as_decided_when_the_caller_changes_it_after(guard: goalrail.Guard) -> None:
    _, untouched = _read("/tmp/ok")
    assert guard.evaluate("ref", untouched)["result"] == "ALLOW"
    for i in range(20):
        args, event = _read("/tmp/ok")
        assert guard.evaluate(f"mut-{i}", event)["result"] == "ALLOW"
        args["file_path"] = "/etc/shadow"
        args["opts"]["n"] = 2  # type: ignore[index]

    def logged(session: str) -> list[dict[str, object]]:
        entries = asyncio.run_coroutine_threadsafe(guard.store.audit_entries(session_id=session), guard._loop)
        return [e["payload"] for e in entries.result(10) if e["kind"] == "decision"]

    (reference,) = logged("ref")
    mutated = [p for i in range(20) for p in logged(f"mut-{i}")]
    assert len(mutated) == 20
    assert {p["digest"] for p in mutated} == {reference["digest"]}  # type: ignore[index]
    assert "/etc/shadow" not in str(mutated)
