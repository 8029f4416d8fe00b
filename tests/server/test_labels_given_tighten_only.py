"""Labels a session's user or agent gives are the session level's (real app, HTTP, real stores).

The admin's `pattern_policy` denies writes under `/srv/` except in sessions labelled
`env: dev` (an allow pattern with `when_label`, first match wins).  Labels given when a
session is created were kept under the bare key, which every level reads as a fact: Alice's
agent creating its own session with `{"labels": {"env": "dev"}}` (or Alice, or a trace she
imports) had `/srv/app.py` written.  Now labels a user or an agent gives are written as the
session level's (`@session/env`): session policies read them as before, the agent-spec and
server-wide levels never do; an admin's keep the bare key (docs/security.md, "Lower levels
only tighten").
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_support import STORES, StoreApps, auth, client_for

ADMIN, ALICE, AGENT = auth("admin"), auth("alice"), auth("alice_agent")
CONFIG = """
auth: {mode: tokens}
policies:
  srv:
    type: function
    handler: goalrail.policies.builtins.patterns.pattern_policy
    factory_params:
      inline:
        name: srv
        patterns:
          - id: dev_ok
            action_type: file_write
            pattern: "^/srv/.*"
            action: allow
            conditions: {when_label: {env: dev}}
          - {id: no_srv, action_type: file_write, pattern: "^/srv/.*", action: deny}
"""
WRITE = {"type": "tool_call", "target": "Write", "data": {"arguments": {"file_path": "/srv/app.py", "content": "x"}}}
DEV = {"env": "dev"}


@pytest.fixture(params=STORES)
async def client(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    apps = StoreApps(request, tmp_path)
    async with client_for(await apps(CONFIG)) as c:
        yield c
    await apps.close()


async def _write(c: httpx.AsyncClient, session: str) -> Any:
    r = await c.post(f"/v1/sessions/{session}/events", json=WRITE, headers=AGENT)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("who", ["alice_agent", "alice"])
async def test_a_label_given_by_the_session_does_not_open_the_admins_rule(client: httpx.AsyncClient, who: str) -> None:
    r = await client.post("/v1/sessions", json={"id": "s1", "labels": DEV}, headers=auth(who))
    assert r.status_code == 201, r.text
    answer = await _write(client, "s1")
    assert answer["result"] == "DENY" and "no_srv" in answer["reason"], answer
    assert (await client.get("/v1/sessions/s1", headers=ALICE)).json()["labels"] == {"@session/env": "dev"}


async def test_a_label_of_an_imported_trace_does_not_open_the_admins_rule(client: httpx.AsyncClient) -> None:
    header = {"format": "goalrail-trace", "version": 1, "session": {"id": "t", "labels": DEV}}
    r = await client.post(
        "/v1/sessions/import?id=imported",
        content=json.dumps(header).encode() + b"\n",
        headers={**ALICE, "content-type": "application/x-ndjson"},
    )
    assert r.status_code in (200, 201), r.text
    answer = await _write(client, "imported")
    assert answer["result"] == "DENY" and "no_srv" in answer["reason"], answer


async def test_control_a_label_the_admin_gives_is_read_by_every_level(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/sessions", json={"id": "ops", "owner": "alice", "labels": DEV}, headers=ADMIN)
    assert r.status_code == 201, r.text
    answer = await _write(client, "ops")
    assert answer["result"] == "ALLOW" and "dev_ok" in answer["reason"], answer


async def test_control_the_users_own_policies_still_read_the_label(client: httpx.AsyncClient) -> None:
    assert (await client.post("/v1/sessions", json={"id": "s2", "labels": DEV}, headers=ALICE)).status_code == 201
    inline = {
        "name": "mine",
        "patterns": [
            {
                "id": "not_in_dev",
                "action_type": "file_read",
                "pattern": ".*",
                "action": "deny",
                "conditions": {"when_label": DEV},
            }
        ],
    }
    body = {
        "name": "mine",
        "handler": "goalrail.policies.builtins.patterns.pattern_policy",
        "factory_params": {"inline": inline},
    }
    assert (await client.post("/v1/sessions/s2/policies", json=body, headers=ALICE)).status_code == 201
    read = {"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": "/tmp/x"}}}
    r = await client.post("/v1/sessions/s2/events", json=read, headers=AGENT)
    assert r.json()["result"] == "DENY" and "not_in_dev" in r.json()["reason"], r.text
