"""Agent tokens bound to an agent spec, on every store (docs/security.md, "Which agent spec a
session runs under").

* Every session a bound token creates runs its agent spec: naming none gets it, naming
  another is 403 naming both — ``POST /v1/sessions``, the first event (``?agent=``,
  ``context.agent``), the first usage record, a dry run of a new session.
* It cannot act on a session of another (or no) agent spec of its own user (403): events,
  usage, dry runs, reads, session policies, approvals; other users' sessions stay 404.
* Unbound tokens behave as before; an unknown agent name when the token is made is a 404.
* ``auth.require_agent``: sessions of non-admin credentials must run an agent spec.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_support import BASE_CONFIG, SHELL, STORES, StoreApps, auth, client_for

ADMIN, ALICE, BOB = auth("admin"), auth("alice"), auth("bob")
AGENT, BOB_AGENT = auth("alice_agent"), auth("bob_agent")
YAML = {**ADMIN, "content-type": "application/yaml"}
HELPER = (
    "name: helper\npolicies:\n  nope: {type: function, handler: gr_testpolicies.deny_target, "
    "factory_params: {contains: rm}}\n"
)
OTHER = "name: other\npolicies:\n  ask: {type: function, handler: gr_testpolicies.ask_on_tool}\n"
RM = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "rm -rf x"}}}
USAGE = {"model": "gpt-4o", "input_tokens": 10, "output_tokens": 5}
MakeApp = Callable[..., Awaitable[Any]]


@pytest.fixture(params=STORES)
async def make(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[MakeApp]:
    apps = StoreApps(request, tmp_path)
    yield apps
    await apps.close()


async def _setup(c: httpx.AsyncClient) -> dict[str, str]:
    """Both agent specs uploaded; alice's agent token bound to `helper` (its headers)."""
    for spec in (HELPER, OTHER):
        assert (await c.post("/v1/agents", content=spec, headers=YAML)).status_code == 201
    r = await c.post("/v1/tokens", json={"role": "agent", "agent": "helper", "label": "hooks"}, headers=ALICE)
    assert r.status_code == 201, r.text
    assert r.json()["agent"] == "helper" and r.json()["role"] == "agent"
    return {"Authorization": f"Bearer {r.json()['token']}"}


async def _agent_of(c: httpx.AsyncClient, session_id: str) -> object:
    r = await c.get(f"/v1/sessions/{session_id}", headers=ALICE)
    return r.json()["agent"] if r.status_code == 200 else r.status_code


def _names_both(r: httpx.Response, other: str = "other") -> None:
    body = r.json()
    assert r.status_code == 403 and body["code"] == "forbidden", r.text
    assert "`helper`" in body["message"] and f"`{other}`" in body["message"], body
    assert body["errors"] and "helper" in body["errors"][0]["message"], body


async def test_every_session_a_bound_token_creates_runs_its_agent_spec(make: MakeApp) -> None:
    async with client_for(await make()) as c:
        bound = await _setup(c)
        r = await c.post("/v1/sessions", json={"id": "s1"}, headers=bound)
        assert r.status_code == 201 and r.json()["agent"] == "helper"
        assert (await c.post("/v1/sessions", json={"id": "s2", "agent": "helper"}, headers=bound)).status_code == 201
        _names_both(await c.post("/v1/sessions", json={"id": "s3", "agent": "other"}, headers=bound))
        assert await _agent_of(c, "s3") == 404  # nothing created
        # the first event: no name gets the bound spec, whose policy runs
        r = await c.post("/v1/sessions/e1/events", json=RM, headers=bound)
        assert r.json()["result"] == "DENY" and r.json()["policy"] == "nope"
        assert await _agent_of(c, "e1") == "helper"
        _names_both(await c.post("/v1/sessions/e2/events?agent=other", json=SHELL, headers=bound))
        _names_both(
            await c.post("/v1/sessions/e3/events", json={**SHELL, "context": {"agent": "other"}}, headers=bound)
        )
        assert await _agent_of(c, "e2") == 404 and await _agent_of(c, "e3") == 404
        r = await c.post("/v1/sessions/e4/events?agent=helper", json=SHELL, headers=bound)
        assert r.json()["result"] == "ALLOW" and await _agent_of(c, "e4") == "helper"
        # the first usage record creates its session under the bound spec too
        assert (await c.post("/v1/sessions/u1/usage", json=USAGE, headers=bound)).status_code == 200
        assert await _agent_of(c, "u1") == "helper"
        # a dry run of a new session is judged under the bound spec, and creates nothing
        r = await c.post("/v1/sessions/d1/evaluate", json=RM, headers=bound)
        assert r.json()["result"] == "DENY" and r.json()["policy"] == "nope"
        _names_both(await c.post("/v1/sessions/d1/evaluate?agent=other", json=RM, headers=bound))
        assert await _agent_of(c, "d1") == 404


async def test_a_bound_token_cannot_act_on_sessions_of_another_or_no_agent_spec(make: MakeApp) -> None:
    async with client_for(await make()) as c:
        bound = await _setup(c)
        assert (await c.post("/v1/sessions", json={"id": "plain"}, headers=ALICE)).status_code == 201
        assert (await c.post("/v1/sessions", json={"id": "theirs", "agent": "other"}, headers=ALICE)).status_code == 201
        assert (await c.post("/v1/sessions", json={"id": "mine"}, headers=bound)).status_code == 201
        asked = (await c.post("/v1/sessions/theirs/events", json=SHELL, headers=AGENT)).json()
        assert asked["result"] == "ASK" and asked["approval_id"]  # (the unbound token still may)
        mine = (await c.post("/v1/sessions/mine/events", json=SHELL, headers=bound)).json()
        assert mine["result"] == "ALLOW"
        for sid, runs in (("plain", "no agent spec"), ("theirs", "agent spec `other`")):
            calls = [
                c.post(f"/v1/sessions/{sid}/events", json=SHELL, headers=bound),
                c.post(f"/v1/sessions/{sid}/events?agent=helper", json=SHELL, headers=bound),
                c.post(f"/v1/sessions/{sid}/usage", json=USAGE, headers=bound),
                c.post(f"/v1/sessions/{sid}/evaluate", json=SHELL, headers=bound),
                c.get(f"/v1/sessions/{sid}", headers=bound),
                c.get(f"/v1/sessions/{sid}/usage", headers=bound),
                c.get(f"/v1/sessions/{sid}/policies", headers=bound),
            ]
            for call in calls:
                r = await call
                assert r.status_code == 403 and r.json()["code"] == "forbidden", (sid, r.text)
                assert "`helper`" in r.json()["message"] and runs in r.json()["message"], r.json()
        r = await c.get(f"/v1/approvals/{asked['approval_id']}", headers=bound)
        assert r.status_code == 403 and "`other`" in r.json()["message"]
        assert (await c.get(f"/v1/approvals/{asked['approval_id']}", headers=AGENT)).status_code == 200
        assert (await c.get("/v1/approvals", headers=bound)).json()["data"] == []
        assert len((await c.get("/v1/approvals", headers=AGENT)).json()["data"]) == 1
        listed = (await c.get("/v1/sessions", headers=bound)).json()["data"]
        assert [s["id"] for s in listed] == ["mine"]
        assert (await c.get("/v1/sessions?agent=other", headers=bound)).status_code == 403
        assert {s["id"] for s in (await c.get("/v1/sessions", headers=AGENT)).json()["data"]} == {
            "plain",
            "theirs",
            "mine",
        }
        # nothing of another user's is revealed: still 404, not 403
        assert (await c.post("/v1/sessions", json={"id": "bobs"}, headers=BOB)).status_code == 201
        assert (await c.post("/v1/sessions/bobs/events", json=SHELL, headers=bound)).status_code == 404
        assert (await c.get("/v1/sessions/bobs", headers=bound)).status_code == 404


async def test_unbound_tokens_keep_todays_behaviour(make: MakeApp) -> None:
    """(Passes on the code before binding too: what an unbound token could do, it still can.)"""
    async with client_for(await make()) as c:
        for spec in (HELPER, OTHER):
            assert (await c.post("/v1/agents", content=spec, headers=YAML)).status_code == 201
        r = await c.post("/v1/sessions", json={"id": "n1"}, headers=AGENT)
        assert r.status_code == 201 and r.json()["agent"] is None
        r = await c.post("/v1/sessions", json={"id": "o1", "agent": "other"}, headers=AGENT)
        assert r.status_code == 201 and r.json()["agent"] == "other"
        assert (await c.post("/v1/sessions/e1/events", json=RM, headers=AGENT)).json()["result"] == "ALLOW"
        assert await _agent_of(c, "e1") is None
        r = await c.post("/v1/sessions/e2/events?agent=helper", json=RM, headers=AGENT)
        assert r.json()["result"] == "DENY" and await _agent_of(c, "e2") == "helper"
        r = await c.post("/v1/sessions/e3/events", json={**SHELL, "context": {"agent": "other"}}, headers=AGENT)
        assert r.json()["result"] == "ASK" and await _agent_of(c, "e3") == "other"
        for sid in ("n1", "o1", "e2"):  # any of the user's sessions, whatever its agent spec
            assert (await c.post(f"/v1/sessions/{sid}/usage", json=USAGE, headers=AGENT)).status_code == 200
            assert (await c.get(f"/v1/sessions/{sid}", headers=AGENT)).status_code == 200
        listed = {s["id"] for s in (await c.get("/v1/sessions", headers=AGENT)).json()["data"]}
        assert listed == {"n1", "o1", "e1", "e2", "e3"}


async def test_making_a_bound_token(make: MakeApp) -> None:
    async with client_for(await make()) as c:
        bound = await _setup(c)
        assert (await c.get("/v1/auth/me", headers=bound)).json()["agent"] == "helper"
        assert (await c.get("/v1/auth/me", headers=AGENT)).json()["agent"] is None
        r = await c.post("/v1/tokens", json={"role": "agent", "agent": "ghost"}, headers=ALICE)
        assert r.status_code == 404 and "`ghost`" in r.json()["message"] and r.json()["errors"][0]["loc"] == "agent"
        r = await c.post("/v1/tokens", json={"role": "user", "agent": "helper"}, headers=ALICE)
        assert r.status_code == 422 and "only agent tokens" in r.text
        r = await c.post("/v1/tokens", json={"role": "agent", "agent": ""}, headers=ALICE)
        assert r.status_code == 422
        listed = {t["label"]: t for t in (await c.get("/v1/tokens", headers=ALICE)).json()["data"]}
        assert listed["hooks"]["agent"] == "helper" and "token" not in listed["hooks"]
        assert (await c.post("/v1/tokens", json={"agent": "helper"}, headers=bound)).status_code == 403
        # an admin binds anyone's agent token; bob's works for bob's sessions only
        r = await c.post("/v1/tokens", json={"role": "agent", "user": "bob", "agent": "other"}, headers=ADMIN)
        assert r.status_code == 201 and r.json()["user"] == "bob" and r.json()["agent"] == "other"
        bobs = {"Authorization": f"Bearer {r.json()['token']}"}
        r = await c.post("/v1/sessions/b1/events", json=SHELL, headers=bobs)
        assert r.json()["result"] == "ASK" and r.json()["policy"] == "ask"


async def test_require_agent_refuses_sessions_without_one(make: MakeApp) -> None:
    config = BASE_CONFIG.replace("auth: {mode: tokens}", "auth: {mode: tokens, require_agent: true}")
    async with client_for(await make(config)) as c:
        bound = await _setup(c)
        for headers in (ALICE, AGENT):
            r = await c.post("/v1/sessions", json={}, headers=headers)
            assert r.status_code == 403 and "require_agent" in r.json()["message"], r.text
            r = await c.post("/v1/sessions/x1/events", json=SHELL, headers=headers)
            assert r.status_code == 403 and r.json()["errors"][0]["loc"] == "query.agent"
            assert (await c.post("/v1/sessions/x1/usage", json=USAGE, headers=headers)).status_code == 403
        assert await _agent_of(c, "x1") == 404
        assert (await c.post("/v1/sessions", json={"agent": "other"}, headers=ALICE)).status_code == 201
        r = await c.post("/v1/sessions/x2/events", json={**SHELL, "context": {"agent": "helper"}}, headers=AGENT)
        assert r.status_code == 200 and await _agent_of(c, "x2") == "helper"
        assert (await c.post("/v1/sessions/x3/events", json=SHELL, headers=bound)).status_code == 200
        assert (await c.post("/v1/sessions", json={"owner": "bob"}, headers=ADMIN)).status_code == 201
