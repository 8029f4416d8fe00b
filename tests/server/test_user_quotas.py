"""How many sessions and tokens one user can create is bounded (server limits), on every store.

Every way a session comes to be counts: ``POST /v1/sessions``, an event or a usage
record for a new session id, a trace's import.  Past the limit each answers 409
``conflict`` with ``errors`` naming it, and creates nothing; the user's existing
sessions work as before, other users are not affected, and an admin is not held to
it.  Idle sessions stop counting after ``limits.sessions_window_s``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from server_support import STORES, StoreApps, auth, client_for

from goalrail.config.server import server_config_from_text
from goalrail.errors import ConfigError

ADMIN, ALICE, AGENT, BOB = auth("admin"), auth("alice"), auth("alice_agent"), auth("bob")
CONFIG = "auth: {mode: tokens}\nlimits: {max_sessions_per_user: 3, max_tokens_per_user: 4, sessions_window_s: 3600}\n"
#: A short window, for the one test that waits for it to lapse (the bound itself is tested
#: under a long window, so a slow machine cannot let a session go idle before the check).
SHORT_WINDOW = CONFIG.replace("sessions_window_s: 3600", "sessions_window_s: 2")
READ = {"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": "/tmp/x"}}}
USAGE = {"model": "gpt-4o", "input_tokens": 1, "output_tokens": 1}
TRACE = json.dumps({"format": "goalrail-trace", "version": 1, "session": {"id": "src"}}) + "\n"
MakeApp = Callable[[str], Awaitable[Any]]


@pytest.fixture(params=STORES)
async def make(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[MakeApp]:
    apps = StoreApps(request, tmp_path, CONFIG)
    yield apps
    await apps.close()


def _refused(r: Any, loc: str) -> None:
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["code"] == "conflict" and body["errors"][0]["loc"] == loc, body


async def test_live_sessions_per_user_are_bounded_on_every_path(make: MakeApp) -> None:
    async with client_for(await make(CONFIG)) as c:
        assert (await c.post("/v1/sessions", json={"id": "a1"}, headers=ALICE)).status_code == 201
        assert (await c.post("/v1/sessions/a2/events", json=READ, headers=AGENT)).json()["result"] == "ALLOW"
        assert (await c.post("/v1/sessions/a3/usage", json=USAGE, headers=ALICE)).status_code == 200
        _refused(await c.post("/v1/sessions", json={"id": "a4"}, headers=ALICE), "session")
        _refused(await c.post("/v1/sessions/a5/events", json=READ, headers=AGENT), "session")
        _refused(await c.post("/v1/sessions/a6/usage", json=USAGE, headers=ALICE), "session")
        imported = await c.post(
            "/v1/sessions/import",
            params={"id": "a7"},
            content=TRACE,
            headers={**ALICE, "content-type": "application/x-ndjson"},
        )
        _refused(imported, "session")
        for sid in ("a4", "a5", "a6", "a7"):  # nothing was created
            assert (await c.get(f"/v1/sessions/{sid}", headers=ADMIN)).status_code == 404
        # The user's sessions still work; another user and an admin are not held to alice's count.
        assert (await c.post("/v1/sessions/a1/events", json=READ, headers=AGENT)).json()["result"] == "ALLOW"
        assert (await c.post("/v1/sessions", json={"id": "b1"}, headers=BOB)).status_code == 201
        r = await c.post("/v1/sessions", json={"id": "a8", "owner": "alice"}, headers=ADMIN)
        assert r.status_code == 201, r.text


async def test_idle_sessions_stop_counting_after_the_window(make: MakeApp) -> None:
    """The user is never locked out for good: once the window has passed with no
    activity, the full count no longer holds a new session back."""
    async with client_for(await make(SHORT_WINDOW)) as c:
        for sid in ("w1", "w2", "w3"):
            assert (await c.post("/v1/sessions", json={"id": sid}, headers=ALICE)).status_code == 201
        await asyncio.sleep(2.3)
        assert (await c.post("/v1/sessions", json={"id": "w4"}, headers=ALICE)).status_code == 201


async def test_tokens_per_user_are_bounded(make: MakeApp) -> None:
    async with client_for(await make(CONFIG)) as c:
        # alice holds two tokens already (a user and an agent token): two more reach the limit of four
        made = [await c.post("/v1/tokens", json={"role": "agent", "label": f"t{i}"}, headers=ALICE) for i in range(2)]
        assert [r.status_code for r in made] == [201, 201]
        _refused(await c.post("/v1/tokens", json={"role": "agent"}, headers=ALICE), "token")
        # Revoking one makes room; bob and an admin are not held to alice's count.
        assert (await c.delete(f"/v1/tokens/{made[0].json()['id']}", headers=ALICE)).status_code == 200
        assert (await c.post("/v1/tokens", json={"role": "agent"}, headers=ALICE)).status_code == 201
        assert (await c.post("/v1/tokens", json={"role": "agent"}, headers=BOB)).status_code == 201
        r = await c.post("/v1/tokens", json={"role": "agent", "user": "alice"}, headers=ADMIN)
        assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    "limits", ["{max_sessions_per_user: 0}", "{max_tokens_per_user: 1.5}", "{sessions_window_s: -1}"]
)
def test_the_limits_are_validated(limits: str) -> None:
    with pytest.raises(ConfigError):
        server_config_from_text(f"limits: {limits}\n")
