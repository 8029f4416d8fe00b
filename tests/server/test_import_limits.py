"""A trace's import meets every limit the live API does, on every store, before it creates anything.

An import is a user creating a session, adding its policies and posting its events in
one request: the policies' names and fields are held to the REST request's limits (a
name of at most 120 characters, no NUL, unique in the session), the policy cap
holds, and its ASKs meet the cap on waiting approvals like any agent's.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from server_support import STORES, StoreApps, auth, client_for

from goalrail.runtime.asks import MAX_PENDING

ALICE = auth("alice")
GATE = "goalrail.policies.builtins.tools.tool_gate"
CONFIG = "auth: {mode: tokens}\n"
MakeApp = Callable[[str], Awaitable[Any]]
NDJSON = {**ALICE, "content-type": "application/x-ndjson"}


@pytest.fixture(params=STORES)
async def make(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[MakeApp]:
    apps = StoreApps(request, tmp_path, CONFIG)
    yield apps
    await apps.close()


def _trace(policies: list[dict[str, Any]], events: int = 0) -> str:
    header = {"format": "goalrail-trace", "version": 1, "session": {"id": "src"}, "chain": {"session": policies}}
    lines = [json.dumps(header)]
    for i in range(events):
        event = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": f"ls {i}"}}}
        lines.append(json.dumps({"kind": "event", "seq": i + 1, "event": event, "decision": {"result": "ASK"}}))
    return "\n".join(lines) + "\n"


def _policy(name: str) -> dict[str, Any]:
    return {"name": name, "handler": GATE, "factory_params": {"ask": ["Bash"]}}


@pytest.mark.parametrize(
    ("policies", "status", "loc"),
    [
        ([_policy("n" * 121)], 422, "chain.session.0.name"),
        ([_policy("ok"), _policy("bad\x00name")], 422, "chain.session.1"),
        ([_policy("")], 422, "chain.session.0.name"),
        ([_policy("twice"), _policy("twice")], 409, "chain.session.1.name"),
    ],
)
async def test_an_import_holds_policies_to_the_api_limits_before_creating_anything(
    make: MakeApp, policies: list[dict[str, Any]], status: int, loc: str
) -> None:
    async with client_for(await make(CONFIG)) as c:
        r = await c.post("/v1/sessions/import", params={"id": "imported"}, content=_trace(policies), headers=NDJSON)
        assert r.status_code == status, r.text
        body = r.json()
        assert set(body) == {"code", "message", "errors"} and body["errors"][0]["loc"].startswith(loc), body
        assert (await c.get("/v1/sessions/imported", headers=ALICE)).status_code == 404  # nothing was created


async def test_an_imported_session_meets_the_waiting_approvals_cap(make: MakeApp) -> None:
    async with client_for(await make(CONFIG)) as c:
        trace = _trace([_policy("ask-bash")], events=MAX_PENDING + 6)
        r = await c.post("/v1/sessions/import", params={"id": "asks"}, content=trace, headers=NDJSON)
        assert r.status_code == 201, r.text
        assert r.json()["changed"] == 6  # the last six are DENY: the queue was full
        pending = (await c.get("/v1/approvals", params={"status": "pending"}, headers=ALICE)).json()["data"]
        assert len([a for a in pending if a["session_id"] == "asks"]) == MAX_PENDING
