"""Agent names and audit reads a session's side cannot widen, on every store.

* A session created by its first event under an agent name the server does not know is
  refused (404 naming it), as ``?agent=`` and ``POST /v1/sessions`` refuse it — not run
  silently without any agent-spec policy.
* A user's ``GET /v1/audit`` reads only entries of their own sessions, a page at a time
  from the store (never the whole log), and pages on with ``next_before``.
* ``GET /v1/audit/verify`` walks every user's entries and answers the global count and
  head: admins only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from server_support import SHELL, STORES, StoreApps, auth, client_for

from goalrail.server.routes import audit as audit_route

ADMIN, ALICE, BOB = auth("admin"), auth("alice"), auth("bob")
AGENT = auth("alice_agent")
YAML = {**ADMIN, "content-type": "application/yaml"}
HELPER = (
    "name: helper\npolicies:\n  nope: {type: function, handler: gr_testpolicies.deny_target, "
    "factory_params: {contains: rm}}\n"
)
RM = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "rm -rf x"}}}
MakeApp = Callable[..., Awaitable[Any]]


@pytest.fixture(params=STORES)
async def make(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[MakeApp]:
    apps = StoreApps(request, tmp_path)
    yield apps
    await apps.close()


async def test_an_unknown_agent_is_refused_at_every_way_a_session_starts(make: MakeApp) -> None:
    async with client_for(await make()) as c:
        assert (await c.post("/v1/agents", content=HELPER, headers=YAML)).status_code == 201
        ghost = {**RM, "context": {"agent": "ghost"}}
        for headers in (AGENT, ALICE):
            r = await c.post("/v1/sessions/n1/events", json=ghost, headers=headers)
            assert r.status_code == 404 and "`ghost`" in r.json()["message"], r.text
            r = await c.post("/v1/sessions/n1/events", params={"agent": "ghost"}, json=RM, headers=headers)
            assert r.status_code == 404 and "`ghost`" in r.json()["message"], r.text
        r = await c.post("/v1/sessions", json={"id": "n1", "agent": "ghost"}, headers=ALICE)
        assert r.status_code == 404 and "`ghost`" in r.json()["message"]
        # nothing was created: the id is still free, and a known name applies its spec
        assert (await c.get("/v1/sessions/n1", headers=ALICE)).status_code == 404
        r = await c.post("/v1/sessions/n1/events", json={**RM, "context": {"agent": "helper"}}, headers=AGENT)
        assert r.json()["result"] == "DENY" and r.json()["policy"] == "nope"
        # once the session exists, its agent is fixed: a later event's name changes nothing
        r = await c.post("/v1/sessions/n1/events", json={**RM, "context": {"agent": "ghost"}}, headers=AGENT)
        assert r.json()["result"] == "DENY" and r.json()["policy"] == "nope"


async def test_a_users_audit_read_is_scoped_paged_and_bounded(make: MakeApp, monkeypatch: Any) -> None:
    app = await make()
    async with client_for(app) as c:
        for i in range(3):
            await c.post(f"/v1/sessions/b{i}/events", json=SHELL, headers=auth("bob_agent"))
        for _ in range(5):
            await c.post("/v1/sessions/a1/events", json=SHELL, headers=AGENT)
            await c.post("/v1/sessions/b0/events", json=SHELL, headers=auth("bob_agent"))
        everything = (await c.get("/v1/audit", params={"limit": 10_000}, headers=ADMIN)).json()["data"]
        hers = [e for e in everything if e["session_id"] == "a1"]
        assert len(hers) == 5 and len(everything) == 13

        store = app.state.goalrail.store
        calls: list[dict[str, object]] = []
        read = store.audit_entries

        async def recorded(**filters: object) -> list[dict[str, Any]]:
            calls.append(filters)
            return list(await read(**filters))

        monkeypatch.setattr(store, "audit_entries", recorded)
        monkeypatch.setattr(audit_route, "OWN_PAGE", 2)
        r = (await c.get("/v1/audit", params={"limit": 3}, headers=ALICE)).json()
        assert r["data"] == hers[-3:] and r["next_before"] == hers[-3]["seq"]
        older = (await c.get("/v1/audit", params={"limit": 3, "before": r["next_before"]}, headers=ALICE)).json()
        assert older["data"] == hers[:2] and older["next_before"] is None
        assert calls and all(f.get("owner") == "alice" and f.get("limit") == 2 for f in calls), calls
        # another user's session, named: nothing (and only her own rows were read)
        r = (await c.get("/v1/audit", params={"session": "b0"}, headers=ALICE)).json()
        assert r["data"] == [] and r["next_before"] is None
        calls.clear()
        monkeypatch.setattr(audit_route, "OWN_SCAN", 4)
        r = (await c.get("/v1/audit", params={"verdict": "DENY"}, headers=ALICE)).json()
        assert r["data"] == [] and r["next_before"] == hers[1]["seq"] and len(calls) == 2


async def test_verify_is_for_admins(make: MakeApp) -> None:
    async with client_for(await make()) as c:
        await c.post("/v1/sessions/a1/events", json=SHELL, headers=AGENT)
        for who in ("alice", "alice_agent", "bob"):
            r = await c.get("/v1/audit/verify", headers=auth(who))
            assert r.status_code == 403 and r.json()["code"] == "forbidden", (who, r.text)
        r = (await c.get("/v1/audit/verify", headers=ADMIN)).json()
        assert r["ok"] is True and r["count"] == 1
