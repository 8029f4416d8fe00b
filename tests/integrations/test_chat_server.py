"""``goalrail mcp``: sys_policy_registry / sys_list_policies / sys_add_policy.

In-process (the SDK's in-memory MCP client → our server → LocalBackend on the
real runtime) and as a process against a real ``goalrail server``."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from typing import Any

import mcp_types as types
import pytest
from mcp import Client, ClientSession, StdioServerParameters, stdio_client

from goalrail.integrations.local import LocalBackend
from goalrail.integrations.mcp.chat_server import PolicyTools, build_server
from goalrail.runtime import Runtime
from tests.integrations.conftest import make_runtime
from tests.integrations.support import AGENT_TOKEN, P, ServerProc, env, resolve_next

DENY_SECRET = {"name": "no_secrets", "handler": f"{P}.deny_paths", "factory_params": {"paths": ["/srv/secret.txt"]}}
READ_SECRET = {"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": "/srv/secret.txt"}}}


def body(result: types.CallToolResult) -> Any:
    return json.loads(result.content[0].text)  # type: ignore[union-attr]


async def approve_when_asked(runtime: Runtime, decision: str = "approve") -> dict[str, Any]:
    for _ in range(6000):  # (a poll: it ends when asked; the bound only ends a broken run)
        pending = await runtime.store.list_approvals(status="pending")
        if pending:
            await runtime.resolve(pending[0].id, decision, by="alice")
            return {"reason": pending[0].reason, "target": pending[0].target}
        await asyncio.sleep(0.01)
    raise AssertionError("no approval was requested")


async def test_add_needs_approval_and_then_governs(runtime: Runtime) -> None:
    server = build_server(PolicyTools(LocalBackend(runtime), "chat-1", ask_timeout_s=120))
    async with Client(server) as client:
        names = [t.name for t in (await client.list_tools()).tools]
        assert names == ["sys_policy_registry", "sys_list_policies", "sys_add_policy"]  # nothing to remove/disable
        registry = body(await client.call_tool("sys_policy_registry", {}))
        assert {e["handler"] for e in registry} >= {DENY_SECRET["handler"]}
        assert all("params_schema" in e for e in registry)
        assert (await runtime.evaluate("chat-1", READ_SECRET)).result == "ALLOW"
        approval = asyncio.create_task(approve_when_asked(runtime))
        added = await client.call_tool("sys_add_policy", DENY_SECRET)
        asked = await approval
        assert not added.is_error, added
        assert body(added)["name"] == "no_secrets"
        # the ASK the user saw names the handler and every parameter
        assert asked["target"] == "sys_add_policy"
        assert DENY_SECRET["handler"] in asked["reason"] and "/srv/secret.txt" in asked["reason"]
        listed = body(await client.call_tool("sys_list_policies", {}))
        assert [p["name"] for p in listed["data"]] == ["no_secrets"]
    outcome = await runtime.evaluate("chat-1", READ_SECRET)
    assert outcome.result == "DENY" and outcome.decision.policy == "no_secrets"


async def test_refused_add_changes_nothing(runtime: Runtime) -> None:
    server = build_server(PolicyTools(LocalBackend(runtime), "chat-2", ask_timeout_s=120))
    async with Client(server) as client:
        refusal = asyncio.create_task(approve_when_asked(runtime, "deny"))
        result = await client.call_tool("sys_add_policy", DENY_SECRET)
        await refusal
        assert result.is_error and "not added" in body(result)["error"]
    assert (await runtime.store.session_policies("chat-2"))[1] == []


async def test_unknown_handler_and_bad_params(runtime: Runtime) -> None:
    server = build_server(PolicyTools(LocalBackend(runtime), "chat-3", ask_timeout_s=120))
    async with Client(server) as client:
        result = await client.call_tool("sys_add_policy", {"name": "x", "handler": "os.system", "factory_params": {}})
        assert result.is_error and "not in the policy registry" in body(result)["error"]
        assert await runtime.store.list_approvals(status="pending") == []  # nothing was even asked
        bad = {**DENY_SECRET, "factory_params": {"paths": "not-a-list"}}
        result = await client.call_tool("sys_add_policy", bad)
        # refused before anyone is asked: parameters the schema refuses are never put to the user
        assert result.is_error and "paths" in json.dumps(body(result))
        assert await runtime.store.list_approvals(status="pending") == []
    assert (await runtime.store.session_policies("chat-3"))[1] == []


RISK = "goalrail.policies.builtins.risk.risk_score_policy"
PADDED = [f"mcp__pad{i:02d}__{'x' * 80}" for i in range(60)]


async def test_the_approver_sees_every_parameter_whole(runtime: Runtime) -> None:
    """Issue 10 finding 2: 60 padded list items once pushed `initial_scores_by_actor` out of
    the truncated preview.  Now every parameter is shown, shortest change first."""
    add = {
        "name": "risk",
        "handler": RISK,
        "factory_params": {"guarded_tools": PADDED, "initial_scores_by_actor": {"alice": 7}},
    }
    server = build_server(PolicyTools(LocalBackend(runtime), "chat-5", ask_timeout_s=120))
    async with Client(server) as client:
        approval = asyncio.create_task(approve_when_asked(runtime, "deny"))
        result = await client.call_tool("sys_add_policy", add)
        asked = await approval
    assert result.is_error
    reason = asked["reason"]
    assert all(item in reason for item in PADDED)
    assert reason.index("initial_scores_by_actor") < reason.index(PADDED[0]) < reason.index("left at their defaults")
    assert "`threshold` = 50" in reason  # the defaults it keeps are shown with their values
    record = (await runtime.store.list_approvals(session_id="chat-5"))[0]
    preview = json.loads(record.preview)["data"]["arguments"]
    assert list(preview["changed"]) == ["initial_scores_by_actor", "guarded_tools"]
    assert preview["changed"]["guarded_tools"] == PADDED and preview["defaults"]["threshold"] == 50


async def test_an_add_too_large_to_show_whole_is_refused(runtime: Runtime) -> None:
    add = {"name": "risk", "handler": RISK, "factory_params": {"guarded_tools": [p * 2 for p in PADDED]}}
    server = build_server(PolicyTools(LocalBackend(runtime), "chat-6", ask_timeout_s=120))
    async with Client(server) as client:
        result = await client.call_tool("sys_add_policy", add)
    assert result.is_error and "shown whole" in body(result)["error"]
    assert await runtime.store.list_approvals(session_id="chat-6") == []
    assert (await runtime.store.session_policies("chat-6"))[1] == []


async def test_the_runtime_always_asks_even_with_an_empty_config() -> None:
    runtime = make_runtime(f"policy_modules: [{P}]")
    server = build_server(PolicyTools(LocalBackend(runtime), "chat-4", ask_timeout_s=120))
    async with Client(server) as client:
        approval = asyncio.create_task(approve_when_asked(runtime))
        result = await client.call_tool("sys_add_policy", DENY_SECRET)
        asked = await approval
    assert not result.is_error
    assert "goalrail_add_policy_guard" in asked["reason"] and "/srv/secret.txt" in asked["reason"]


async def _over_stdio(server: ServerProc, session: str) -> tuple[types.CallToolResult, dict[str, Any]]:
    params = StdioServerParameters(
        command=sys.executable,
        env=env(),
        args=[
            "-m",
            "goalrail",
            "mcp",
            "--session",
            session,
            "--url",
            server.url,
            "--token",
            AGENT_TOKEN,
            "--ask-timeout",
            "120",  # (answered by the test: it must not lapse first on a loaded machine)
        ],
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as client:
        await client.initialize()
        registry = json.loads((await client.call_tool("sys_policy_registry", {})).content[0].text)  # type: ignore[union-attr]
        assert DENY_SECRET["handler"] in {e["handler"] for e in registry}
        seen: dict[str, Any] = {}
        approver = threading.Thread(target=lambda: seen.update(resolve_next(server, session, "approve")))
        approver.start()
        result = await client.call_tool("sys_add_policy", DENY_SECRET)
        approver.join()
    return result, seen


@pytest.mark.slow
async def test_process_asks_the_user_through_the_server(server: ServerProc) -> None:
    """Up to the approval this works today; the user sees the handler and params."""
    _, approval = await _over_stdio(server, "chat-e2e-ask")
    assert approval["target"] == "sys_add_policy"
    assert DENY_SECRET["handler"] in approval["reason"] and "/srv/secret.txt" in approval["reason"]


@pytest.mark.slow
async def test_process_adds_after_approval(server: ServerProc) -> None:
    result, approval = await _over_stdio(server, "chat-e2e-add")
    assert not result.is_error, result.content
    with server.user() as c:
        listed = c.get("/v1/sessions/chat-e2e-add/policies").json()["data"]
    assert [(p["name"], p["handler"]) for p in listed] == [(DENY_SECRET["name"], DENY_SECRET["handler"])]
    body = {**DENY_SECRET, "approval_id": approval["id"]}
    with server.agent() as agent:
        # The approval is single-use: replaying it (even under a new name) is refused, …
        replay = agent.post("/v1/sessions/chat-e2e-add/policies", json={**body, "name": "again"})
        assert replay.status_code == 409, replay.text
        # … an agent cannot add without an approval, …
        bare = agent.post("/v1/sessions/chat-e2e-add/policies", json={**DENY_SECRET, "name": "sneaky"})
        assert bare.status_code == 403
        # … and cannot water the approved policy down to a shadow one.
        weak = agent.post("/v1/sessions/chat-e2e-add/policies", json={**body, "mode": "shadow"})
        assert weak.status_code == 403
    with server.user() as c:
        assert len(c.get("/v1/sessions/chat-e2e-add/policies").json()["data"]) == 1
