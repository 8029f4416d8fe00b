"""Approvals bound to the action: retries, scopes, answers given in the client, one
evaluation per MCP call seen by a hook and the proxy.  Over REST, on the memory,
SQLite and PostgreSQL stores."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_support import BASE_CONFIG, add_tokens, auth, client_for, make_app

from goalrail.store.memory import MemoryStore

ALICE, AGENT, BOB = auth("alice"), auth("alice_agent"), auth("bob")
CONFIG = BASE_CONFIG + "  gate: {type: function, handler: gr_testpolicies.ask_on_tool}\n"
CAP2 = """
auth: {mode: tokens}
policy_modules: [gr_testpolicies]
policies:
  cap: {type: function, handler: gr_testpolicies.max_calls, factory_params: {limit: 2}}
"""


def bash(command: str, use_id: str, *, description: str | None = None) -> dict[str, Any]:
    args: dict[str, Any] = {"command": command}
    if description is not None:
        args["description"] = description
    return {
        "type": "tool_call",
        "target": "Bash",
        "data": {"arguments": args, "tool_use_id": use_id},
        "context": {"harness": "claude-code"},
    }


def bash_result(command: str, use_id: str) -> dict[str, Any]:
    return {
        "type": "tool_result",
        "target": "Bash",
        "data": {"arguments": {"command": command}, "tool_use_id": use_id, "result": "done"},
        "context": {"harness": "claude-code"},
    }


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def make(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    """A factory: an app for a config on this test's store."""
    stores: list[Any] = []

    async def build(config: str = CONFIG) -> httpx.AsyncClient:
        if request.param == "memory":
            store: Any = MemoryStore()
        else:
            from goalrail.store import open_store

            url = (
                f"sqlite:///{tmp_path / f'g{len(stores)}.db'}"
                if request.param == "sqlite"
                else request.getfixturevalue("pg_url")
            )
            store = await open_store(url)
            stores.append(store)
        await add_tokens(store)
        return client_for(make_app(config, store=store))

    yield build
    for s in stores:
        await s.close()


async def _ask(c: httpx.AsyncClient, event: dict[str, Any], session: str = "s1") -> dict[str, Any]:
    out = (await c.post(f"/v1/sessions/{session}/events", json=event, headers=AGENT)).json()
    assert out["result"] == "ASK", out
    return out  # type: ignore[no-any-return]


async def _approve(c: httpx.AsyncClient, approval_id: str, scope: str = "once") -> dict[str, Any]:
    r = await c.post(f"/v1/approvals/{approval_id}", json={"decision": "approve", "scope": scope}, headers=ALICE)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def _state(c: httpx.AsyncClient, session: str = "s1") -> dict[str, Any]:
    return (await c.get(f"/v1/sessions/{session}", headers=ALICE)).json()["state"]  # type: ignore[no-any-return]


async def _first_pending(c: httpx.AsyncClient, session: str = "s1", timeout: float = 60.0) -> dict[str, Any]:
    """The first pending approval of ``session``, once a call waiting in the background has
    recorded it; polled with a deadline, since how long that takes depends on the store."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        r = await c.get(f"/v1/approvals?status=pending&session={session}", headers=ALICE)
        pending: list[dict[str, Any]] = r.json()["data"]
        if pending:
            return pending[0]
        assert asyncio.get_running_loop().time() < deadline, f"no pending approval in `{session}` after {timeout} s"
        await asyncio.sleep(0.02)


async def test_retry_of_the_identical_call_uses_a_once_approval(make: Any) -> None:
    async with await make() as c:
        first = await _ask(c, bash("ls -la", "toolu_1", description="List files"))
        await _approve(c, first["approval_id"])
        # The headless retry: a new tool-use id, the model's label reworded, same command.
        retry = (
            await c.post(
                "/v1/sessions/s1/events", json=bash("ls -la", "toolu_2", description="Show all"), headers=AGENT
            )
        ).json()
        assert retry["result"] == "ALLOW" and retry["approval_id"] == first["approval_id"]
        assert retry["asked"]["result"] == "ASK" and "approved by alice" in retry["reason"]
        record = (await c.get(f"/v1/approvals/{first['approval_id']}", headers=ALICE)).json()
        assert record["status"] == "applied"
        assert (await _state(c))["approved_calls"] == 1  # held updates applied once, at the approval
        again = await _ask(c, bash("ls -la", "toolu_3"))  # used up: a third identical call asks again
        assert again["approval_id"] != first["approval_id"]
        changed = await _ask(c, bash("ls -la /", "toolu_4"))  # a different action never matches
        assert changed["approval_id"] != again["approval_id"]


async def test_concurrent_retries_use_a_once_approval_exactly_once(make: Any) -> None:
    async with await make() as c:
        asked = await _ask(c, bash("terraform apply", "t0"))
        await _approve(c, asked["approval_id"])
        retries = await asyncio.gather(
            *(c.post("/v1/sessions/s1/events", json=bash("terraform apply", f"r{n}"), headers=AGENT) for n in range(8))
        )
        results = sorted(r.json()["result"] for r in retries)
        assert results == ["ALLOW"] + ["ASK"] * 7


async def test_a_refused_or_pending_approval_is_not_used(make: Any) -> None:
    async with await make() as c:
        first = await _ask(c, bash("make deploy", "t1"))
        second = await _ask(c, bash("make deploy", "t2"))  # still pending: a retry asks again
        await c.post(f"/v1/approvals/{first['approval_id']}", json={"decision": "deny"}, headers=ALICE)
        third = await _ask(c, bash("make deploy", "t3"))
        assert len({first["approval_id"], second["approval_id"], third["approval_id"]}) == 3


async def test_session_grant_covers_the_identical_action_only(make: Any) -> None:
    async with await make() as c:
        for scope in ("session_identical", "session"):  # `session` is the older name of the narrow grant
            sid = f"s-{scope}"
            asked = await _ask(c, bash("ls -la", "t1"), sid)
            assert (await _approve(c, asked["approval_id"], scope))["scope"] == "session_identical"
            for n in range(2):
                same = (await c.post(f"/v1/sessions/{sid}/events", json=bash("ls -la", f"u{n}"), headers=AGENT)).json()
                assert same["result"] == "ALLOW" and "approved for this session" in same["reason"]
            other = await _ask(c, bash("rm -rf / --no-preserve-root", "t9"), sid)
            assert other["approval_id"] != asked["approval_id"]


async def test_session_tool_grant_is_the_explicit_wide_choice(make: Any) -> None:
    async with await make() as c:
        asked = await _ask(c, bash("ls -la", "t1"))
        assert (await _approve(c, asked["approval_id"], "session_tool"))["scope"] == "session_tool"
        wide = (await c.post("/v1/sessions/s1/events", json=bash("rm -rf build", "t2"), headers=AGENT)).json()
        assert wide["result"] == "ALLOW" and "approved for this session" in wide["reason"]
        r = await c.post(f"/v1/approvals/{asked['approval_id']}", json={"decision": "approve", "scope": "forever"})
        assert r.status_code in (401, 422)
        bad = await _ask(c, bash("pwd", "t3"), "s2")
        r = await c.post(
            f"/v1/approvals/{bad['approval_id']}", json={"decision": "approve", "scope": "forever"}, headers=ALICE
        )
        assert r.status_code == 422 and {"code", "message", "errors"} <= set(r.json())


async def test_an_approval_waited_on_is_used_by_the_waiting_call(make: Any) -> None:
    async with await make() as c:
        waiting = asyncio.create_task(c.post("/v1/sessions/s1/events?wait=60", json=bash("make", "t1"), headers=AGENT))
        pending = await _first_pending(c)
        await _approve(c, pending["id"])
        out = (await waiting).json()
        assert out["result"] == "ALLOW" and out["asked"]["result"] == "ASK"
        assert (await c.get(f"/v1/approvals/{pending['id']}", headers=ALICE)).json()["status"] == "applied"
        await _ask(c, bash("make", "t2"))  # the approval let exactly one call through


async def test_an_ask_answered_in_the_client_is_recorded_as_such(make: Any) -> None:
    async with await make() as c:
        asked = await _ask(c, bash("npm publish", "toolu_A"))
        other = await _ask(c, bash("npm publish", "toolu_B"))
        # Claude Code prompted the user, who said yes there: the tool ran and PostToolUse reports it.
        r = await c.post("/v1/sessions/s1/events", json=bash_result("npm publish", "toolu_A"), headers=AGENT)
        assert r.status_code == 200 and r.json()["result"] == "ALLOW"
        record = (await c.get(f"/v1/approvals/{asked['approval_id']}", headers=ALICE)).json()
        assert record["status"] == "answered_in_client" and record["resolved_by"] == "claude-code prompt"
        assert (await c.get(f"/v1/approvals/{other['approval_id']}", headers=ALICE)).json()["status"] == "pending"
        assert (await _state(c))["approved_calls"] == 1  # the held updates of the call that ran
        audit = (await c.get("/v1/audit?session=s1", headers=auth("admin"))).json()["data"]
        answers = [e["payload"] for e in audit if e["kind"] == "approval"]
        assert [(a["approval_id"], a["status"]) for a in answers] == [(asked["approval_id"], "answered_in_client")]
        # Never an approval: the next identical call asks again, and the agent still cannot approve.
        await _ask(c, bash("npm publish", "toolu_C"))
        r = await c.post(f"/v1/approvals/{other['approval_id']}", json={"decision": "approve"}, headers=AGENT)
        assert r.status_code == 403
        listed = (await c.get("/v1/approvals?status=answered_in_client", headers=ALICE)).json()["data"]
        assert [a["id"] for a in listed] == [asked["approval_id"]]


async def test_a_client_answer_releases_no_waiter(make: Any) -> None:
    async with await make() as c:
        waiting = asyncio.create_task(c.post("/v1/sessions/s1/events?wait=60", json=bash("make", "t1"), headers=AGENT))
        pending = await _first_pending(c)  # the ASK is recorded: the call is now waiting for an answer
        await c.post("/v1/sessions/s1/events", json=bash_result("make", "t1"), headers=AGENT)
        out = (await waiting).json()
        assert out["result"] == "DENY" and "answered in the client" in out["reason"]
        assert (await c.get(f"/v1/approvals/{pending['id']}", headers=ALICE)).json()["status"] == "answered_in_client"


def mcp_call(harness: str, text: str = "hi") -> dict[str, Any]:
    name = "mcp__files__echo"
    return {
        "type": "tool_call",
        "target": name,
        "data": {"name": name, "arguments": {"text": text}},
        "context": {"harness": harness},
    }


async def test_hook_and_proxy_evaluate_each_mcp_call_once(make: Any) -> None:
    async with await make(CAP2) as c:

        async def post(event: dict[str, Any]) -> dict[str, Any]:
            return (await c.post("/v1/sessions/s1/events", json=event, headers=AGENT)).json()  # type: ignore[no-any-return]

        for n in range(2):  # a limit of 2 lets two calls through, each seen by the hook and then the proxy
            assert (await post(mcp_call("claude-code", f"m{n}")))["result"] == "ALLOW"
            proxied = await post(mcp_call("mcp-proxy", f"m{n}"))
            assert proxied["result"] == "ALLOW" and "already evaluated by the claude-code hook" in proxied["reason"]
        assert (await post(mcp_call("claude-code", "m2")))["result"] == "DENY"
        # The hook's ALLOW is taken once, for the identical action only: anything else is evaluated.
        assert (await post(mcp_call("mcp-proxy", "m0")))["result"] == "DENY"
        audit = (await c.get("/v1/audit?session=s1", headers=auth("admin"))).json()["data"]
        seen = [
            (e["payload"]["event"]["context"]["harness"], e["payload"]["result"], bool(e["payload"].get("reused")))
            for e in audit
        ]
        assert seen == [
            ("claude-code", "ALLOW", False),
            ("mcp-proxy", "ALLOW", True),  # audited, not evaluated again
            ("claude-code", "ALLOW", False),
            ("mcp-proxy", "ALLOW", True),
            ("claude-code", "DENY", False),
            ("mcp-proxy", "DENY", False),
        ]


async def test_proxy_alone_is_evaluated_as_before(make: Any) -> None:
    async with await make(CAP2) as c:
        got = [
            (await c.post("/v1/sessions/s1/events", json=mcp_call("mcp-proxy", f"x{n}"), headers=AGENT)).json()
            for n in range(3)
        ]
        assert [g["result"] for g in got] == ["ALLOW", "ALLOW", "DENY"]


async def test_other_users_cannot_see_or_answer(make: Any) -> None:
    async with await make() as c:
        asked = await _ask(c, bash("ls", "t1"))
        r = await c.post(f"/v1/approvals/{asked['approval_id']}", json={"decision": "approve"}, headers=BOB)
        assert r.status_code == 404
