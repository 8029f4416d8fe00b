"""POST /v1/sessions/{id}/events: the fast path and the documented route share one handler."""

from __future__ import annotations

from typing import Any

import httpx
from server_support import READ, auth

ALICE, AGENT, BOB = auth("alice"), auth("alice_agent"), auth("bob")


async def test_fast_path_and_route_answer_through_one_handler(app: Any, client: httpx.AsyncClient) -> None:
    handler = app.state.goalrail.events
    r = await client.post("/v1/sessions/s1/events", json=READ, headers=AGENT)  # the fast path
    assert r.status_code == 200, r.text
    assert handler.owners["s1"] == ("alice", None)  # the owner (and agent spec) it learnt serves the route too
    long_id = "x" * 201  # longer than the fast path matches: FastAPI's route answers
    r = await client.post(f"/v1/sessions/{long_id}/events", json=READ, headers=AGENT)
    assert r.status_code == 404 and r.json()["message"] == "session ids are at most 200 characters"
    assert long_id not in handler.owners


ALICE_JSON = {**ALICE, "content-type": "application/json"}


async def test_both_refuse_bad_json_and_other_users_sessions_alike(client: httpx.AsyncClient) -> None:
    assert (await client.post("/v1/sessions/s2/events", json=READ, headers=ALICE)).status_code == 200
    r = await client.post("/v1/sessions/s2/events", content=b"{not json", headers=ALICE_JSON)
    assert r.status_code == 400 and r.json()["code"] == "invalid_json", r.text
    r = await client.post("/v1/sessions/s2/events", json=READ, headers=BOB)
    assert r.status_code == 404 and r.json()["message"] == "session `s2` not found"
    r = await client.post("/v1/sessions/" + "y" * 201 + "/events", content=b"{not json", headers=ALICE_JSON)
    assert r.status_code == 400 and r.json()["code"] == "invalid_json", r.text
