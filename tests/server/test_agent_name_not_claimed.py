"""An event cannot name the agent a higher level's exception is for (real app, HTTP, real stores).

The admin's `pattern_policy` denies writes under `/etc/` except for agents whose id matches
`ops_.*` (an Agent OS exception: ALLOW naming it).  Policies read the agent's id from
`context.agent`; before, a session without an agent spec took it from the event, so Alice's
agent (or Alice) writing `"context": {"agent": "ops_1"}` had `/etc/motd` written with the
admin's exception, without running as, or under the policies of, any such agent.  Now the
name is the session's agent spec; only an admin's credential (and the library's own caller)
names another (docs/security.md, "Lower levels only tighten").
"""

from __future__ import annotations

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
  etc:
    type: function
    handler: goalrail.policies.builtins.patterns.pattern_policy
    factory_params:
      inline:
        name: etc
        patterns: [{id: no_etc, action_type: file_write, pattern: "^/etc/.*", action: deny, severity: high}]
        exceptions: [{agent_pattern: "ops_.*", patterns: [no_etc], reason: rotation, expires: "2999-12-31"}]
"""
OPS_SPEC = "name: ops_1\npolicies: {}\n"
WRITE = {"type": "tool_call", "target": "Write", "data": {"arguments": {"file_path": "/etc/motd", "content": "x"}}}
CLAIMED = {**WRITE, "context": {"agent": "ops_1"}}


@pytest.fixture(params=STORES)
async def client(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    apps = StoreApps(request, tmp_path)
    async with client_for(await apps(CONFIG)) as c:
        r = await c.post("/v1/agents", content=OPS_SPEC, headers={**ADMIN, "content-type": "application/yaml"})
        assert r.status_code == 201, r.text
        assert (await c.post("/v1/sessions", json={"id": "plain"}, headers=ALICE)).status_code == 201
        yield c
    await apps.close()


async def _write(c: httpx.AsyncClient, session: str, event: dict[str, Any], headers: dict[str, str]) -> Any:
    r = await c.post(f"/v1/sessions/{session}/events", json=event, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("who", ["alice_agent", "alice"])
async def test_an_event_naming_the_excepted_agent_is_still_denied(client: httpx.AsyncClient, who: str) -> None:
    answer = await _write(client, "plain", CLAIMED, auth(who))
    assert answer["result"] == "DENY", answer
    assert "no_etc" in answer["reason"] and "exception" not in answer["reason"]


async def test_control_a_session_of_another_spec_reads_its_own_name(client: httpx.AsyncClient) -> None:
    other = "name: helper\npolicies: {}\n"
    r = await client.post("/v1/agents", content=other, headers={**ADMIN, "content-type": "application/yaml"})
    assert r.status_code == 201, r.text
    r = await client.post("/v1/sessions", json={"id": "helped", "agent": "helper"}, headers=ALICE)
    assert r.status_code == 201, r.text
    answer = await _write(client, "helped", CLAIMED, AGENT)
    assert answer["result"] == "DENY", answer


async def test_control_a_session_running_the_agent_spec_gets_the_exception(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/sessions", json={"id": "ops", "agent": "ops_1"}, headers=ALICE)
    assert r.status_code == 201, r.text
    answer = await _write(client, "ops", WRITE, AGENT)
    assert answer["result"] == "ALLOW" and "exception for agent `ops_1`" in answer["reason"], answer
    assert (await _write(client, "plain", WRITE, AGENT))["result"] == "DENY"  # and no other session does


async def test_control_an_admin_may_name_the_agent(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/sessions", json={"id": "ops_admin"}, headers=ADMIN)
    assert r.status_code == 201, r.text
    assert (await _write(client, "ops_admin", CLAIMED, ADMIN))["result"] == "ALLOW"
