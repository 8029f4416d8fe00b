"""Grants and approvals are bound to each asking policy at its level (``level:name``): a session
policy given the name of a server-wide policy cannot answer that policy's questions, neither
through a session grant nor through a ``once`` approval of the identical action.  Over REST, on
the memory and SQLite stores."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_support import add_tokens, auth, client_for, make_app

from goalrail.store.memory import MemoryStore

ALICE, AGENT = auth("alice"), auth("alice_agent")
#: a server-wide `risk` that asks about every tool once a session scores 10 (a shell call scores 5)
CONFIG = """
auth: {mode: tokens}
policies:
  risk:
    type: function
    handler: goalrail.policies.builtins.risk.risk_score_policy
    factory_params: {threshold: 20}
"""
ASK_ON_OS = "goalrail.policies.builtins.safety.ask_on_os_tools"
LS = {"type": "tool_call", "target": "sys_os_shell", "data": {"name": "sys_os_shell", "arguments": {"command": "ls"}}}
FETCH = {
    "type": "tool_call",
    "target": "web_fetch",
    "data": {"name": "web_fetch", "arguments": {"url": "https://a.example"}},
}


@pytest.fixture(params=["memory", "sqlite"])
async def client(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    if request.param == "memory":
        store: Any = MemoryStore()
    else:
        from goalrail.store import open_store

        store = await open_store(f"sqlite:///{tmp_path / 'g.db'}")
    await add_tokens(store)
    async with client_for(make_app(CONFIG, store=store)) as c:
        yield c
    await store.close()


async def _session_with_policy(c: httpx.AsyncClient, name: str) -> None:
    assert (await c.post("/v1/sessions", json={"id": "s1"}, headers=ALICE)).status_code == 201
    body = {"name": name, "type": "function", "handler": ASK_ON_OS}
    r = await c.post("/v1/sessions/s1/policies", json=body, headers=ALICE)
    assert r.status_code == 201, r.text


async def _post(c: httpx.AsyncClient, event: dict[str, Any]) -> dict[str, Any]:
    r = await c.post("/v1/sessions/s1/events", json=event, headers=AGENT)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def _approve(c: httpx.AsyncClient, approval_id: str, scope: str) -> None:
    r = await c.post(f"/v1/approvals/{approval_id}", json={"decision": "approve", "scope": scope}, headers=ALICE)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("name", ["risk", "mine"])
async def test_a_session_grant_does_not_answer_a_server_policy_of_the_same_name(
    client: httpx.AsyncClient, name: str
) -> None:
    await _session_with_policy(client, name)
    asked = await _post(client, LS)
    assert asked["result"] == "ASK" and asked["policy"] == name
    await _approve(client, asked["approval_id"], "session_identical")
    assert [(await _post(client, LS))["result"] for _ in range(2)] == ["ALLOW", "ALLOW"]  # the grant: score 10
    later = await _post(client, LS)  # the server's `risk` asks now: the session's grant is not its answer
    assert later["result"] == "ASK", later
    assert "risk_score_policy" in later["reason"]


@pytest.mark.parametrize("name", ["risk", "mine"])
async def test_a_once_approval_does_not_answer_a_server_policy_of_the_same_name(
    client: httpx.AsyncClient, name: str
) -> None:
    await _session_with_policy(client, name)
    asked = await _post(client, LS)  # only the session's policy asks (score 0)
    await _approve(client, asked["approval_id"], "once")
    fetched = [(await _post(client, FETCH))["result"] for _ in range(7)]  # 2 points each, with the approved 5
    assert fetched == ["ALLOW"] * 7
    retry = await _post(client, LS)  # the identical call; the server's `risk` asks now too
    assert retry["result"] == "ASK", retry
    assert retry.get("approval_id") != asked["approval_id"]
