"""``GET /v1/sessions`` and ``/metrics`` count pending approvals in the store: the listed
sessions' (``Store.pending_counts``) and the server's (``Store.pending_total``), without reading
or decoding an approval, so neither grows with the approvals a user (or every user, for an
admin) ever had.  The counts are those a read of every pending approval gave, on every store."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from record_spy import approval_records_made
from server_support import STORES, StoreApps, auth, client_for

CONFIG = """
auth: {mode: tokens}
policy_modules: [gr_testpolicies]
policies:
  shell: {type: function, handler: gr_testpolicies.ask_on_tool}
"""
ADMIN, ALICE, BOB = auth("admin"), auth("alice"), auth("bob")
AGENT, BOB_AGENT = auth("alice_agent"), auth("bob_agent")
READ = {"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": "/tmp/x"}}}


def shell(i: int) -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": f"rm -rf build{i}"}}}


@pytest.fixture(params=STORES)
async def apps(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    made = StoreApps(request, tmp_path, CONFIG)
    yield made
    await made.close()


async def _ask(c: Any, session: str, headers: dict[str, str], n: int) -> list[str]:
    ids = []
    for i in range(n):
        r = (await c.post(f"/v1/sessions/{session}/events", json=shell(i), headers=headers)).json()
        assert r["result"] == "ASK", r
        ids.append(r["approval_id"])
    return ids


async def test_lists_and_metrics_count_without_reading_approvals(apps: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    async with client_for(await apps()) as c:
        asked = await _ask(c, "a1", AGENT, 5)
        await _ask(c, "a2", AGENT, 2)
        await _ask(c, "b1", BOB_AGENT, 3)
        assert (await c.post("/v1/sessions/a3/events", json=READ, headers=AGENT)).json()["result"] == "ALLOW"
        r = await c.post(f"/v1/approvals/{asked[0]}", json={"decision": "deny"}, headers=ALICE)
        assert r.status_code == 200, r.text  # answered: no longer pending
        made = approval_records_made(monkeypatch)
        mine = (await c.get("/v1/sessions", headers=ALICE)).json()["data"]
        every = (await c.get("/v1/sessions", headers=ADMIN)).json()["data"]
        bobs = (await c.get("/v1/sessions", headers=BOB)).json()["data"]
        metrics = (await c.get("/metrics", headers=ADMIN)).text
        assert made == []  # counted by the store: no approval read or decoded
    assert {s["id"]: s["pending_approvals"] for s in mine} == {"a1": 4, "a2": 2, "a3": 0}
    assert {s["id"]: s["pending_approvals"] for s in every} == {"a1": 4, "a2": 2, "a3": 0, "b1": 3}
    assert {s["id"]: s["pending_approvals"] for s in bobs} == {"b1": 3}
    found = re.search(r"^goalrail_approvals_pending (\d+)$", metrics, re.M)
    assert found is not None and int(found.group(1)) == 9, metrics


async def test_the_store_counts_match_a_read_of_every_pending_approval(apps: Any) -> None:
    app = await apps()
    async with client_for(app) as c:
        await _ask(c, "a1", AGENT, 3)
        await _ask(c, "b1", BOB_AGENT, 1)
    store = app.state.goalrail.store
    pending = await store.list_approvals(status="pending")
    by_session: dict[str, int] = {}
    for a in pending:
        by_session[a.session_id] = by_session.get(a.session_id, 0) + 1
    assert await store.pending_counts(["a1", "b1", "nope"]) == by_session == {"a1": 3, "b1": 1}
    assert await store.pending_counts([]) == {}
    assert await store.pending_total() == len(pending) == 4
