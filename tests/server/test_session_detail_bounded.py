"""``GET /v1/sessions/{id}`` reads a bounded part of a session's audit log: its newest
``AUDIT_WINDOW`` entries (2,000), however long the session, so its cost per request
does not grow with stored history.  Here the window is made small (30) and the session
is twice as long: the recent decisions and a shadow policy's ``would_change`` come from
the window only, the newest first, on every store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from server_support import STORES, StoreApps, auth, client_for

from goalrail.server.routes import sessions as sessions_route

CONFIG = "auth: {mode: tokens}\npolicy_modules: [gr_testpolicies]\n"
ALICE, AGENT = auth("alice"), auth("alice_agent")
READ = {"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": "/tmp/x"}}}
WINDOW, EVENTS = 30, 60


@pytest.fixture(params=STORES)
async def apps(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    made = StoreApps(request, tmp_path, CONFIG)
    yield made
    await made.close()


async def test_the_detail_reads_the_newest_entries_only(apps: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sessions_route, "AUDIT_WINDOW", WINDOW, raising=False)
    async with client_for(await apps(CONFIG)) as c:
        assert (await c.post("/v1/sessions", json={"id": "long"}, headers=ALICE)).status_code == 201
        shadow = {"name": "no_x", "handler": "gr_testpolicies.deny_target", "mode": "shadow"}
        r = await c.post(
            "/v1/sessions/long/policies", json={**shadow, "factory_params": {"contains": "x"}}, headers=ALICE
        )
        assert r.status_code == 201, r.text
        for _ in range(EVENTS):
            assert (await c.post("/v1/sessions/long/events", json=READ, headers=AGENT)).json()["result"] == "ALLOW"
        one = (await c.get("/v1/sessions/long", params={"decisions": 500}, headers=ALICE)).json()
    seqs = [d["seq"] for d in one["recent_decisions"]]
    assert 0 < len(seqs) <= WINDOW and seqs == sorted(seqs, reverse=True), seqs
    (policy,) = [p for p in one["policies"] if p["name"] == "no_x"]
    assert 0 < policy["would_change"] <= WINDOW, policy  # not all 60 decisions it would have changed
    assert one["usage"] is not None and one["state"] is not None  # the rest of the answer as before
