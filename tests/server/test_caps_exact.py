"""The per-session caps are exact under concurrency, on every store and across replicas.

A cap checked before a write, outside the write's transaction, lets every request in
flight at once pass it.  Here a hundred adds (or ASKs) race on one session: through one
app, and through two apps on one database (two server processes on one SQLite file,
two replicas on PostgreSQL); the session ends up with exactly the cap, never more.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from server_support import STORES, SharedApps, auth, client_for

from goalrail.runtime.asks import MAX_PENDING
from goalrail.server.policy_specs import MAX_SESSION_POLICIES

AGENT, ALICE = auth("alice_agent"), auth("alice")
GATE = "goalrail.policies.builtins.tools.tool_gate"
ASK_BASH = {"name": "ask-bash", "handler": GATE, "factory_params": {"ask": ["Bash"]}}
CONFIG = "auth: {mode: tokens}\n"
RACERS = 100


@pytest.fixture(params=STORES)
async def apps(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SharedApps]:
    made = SharedApps(request, tmp_path, CONFIG)
    yield made
    await made.close()


@pytest.mark.parametrize("replicas", [1, 2])
async def test_concurrent_adds_never_pass_the_policy_cap(apps: SharedApps, replicas: int) -> None:
    made = await apps.apps(replicas)
    clients = [client_for(app) for app in made]
    try:
        assert (await clients[0].post("/v1/sessions", json={"id": "s-race"}, headers=ALICE)).status_code == 201
        answers = await asyncio.gather(
            *(
                clients[i % len(clients)].post(
                    "/v1/sessions/s-race/policies", json={**ASK_BASH, "name": f"p{i}"}, headers=ALICE
                )
                for i in range(RACERS)
            )
        )
        codes = sorted(r.status_code for r in answers)
        assert codes == [201] * MAX_SESSION_POLICIES + [409] * (RACERS - MAX_SESSION_POLICIES), codes
        refused = next(r for r in answers if r.status_code == 409).json()
        assert refused["code"] == "conflict" and str(MAX_SESSION_POLICIES) in refused["message"]
        assert refused["errors"] and refused["errors"][0]["loc"] == "session.policies"
        listing = await clients[0].get("/v1/sessions/s-race/policies", headers=ALICE)
        listed = listing.json()["data"]
        assert len(listed) == MAX_SESSION_POLICIES
    finally:
        for c in clients:
            await c.aclose()


def _bash(i: int) -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": f"ls {i}"}}}


@pytest.mark.parametrize("replicas", [1, 2])
async def test_concurrent_asks_never_pass_the_waiting_approvals_cap(apps: SharedApps, replicas: int) -> None:
    made = await apps.apps(replicas)
    clients = [client_for(app) for app in made]
    try:
        assert (await clients[0].post("/v1/sessions", json={"id": "s-asks"}, headers=ALICE)).status_code == 201
        r = await clients[0].post("/v1/sessions/s-asks/policies", json=ASK_BASH, headers=ALICE)
        assert r.status_code == 201, r.text
        answers = await asyncio.gather(
            *(
                clients[i % len(clients)].post("/v1/sessions/s-asks/events", json=_bash(i), headers=AGENT)
                for i in range(RACERS)
            )
        )
        results = sorted(r.json()["result"] for r in answers)
        assert results == ["ASK"] * MAX_PENDING + ["DENY"] * (RACERS - MAX_PENDING), results
        pending = (await clients[0].get("/v1/approvals", params={"status": "pending"}, headers=ALICE)).json()["data"]
        assert len([a for a in pending if a["session_id"] == "s-asks"]) == MAX_PENDING
    finally:
        for c in clients:
            await c.aclose()
