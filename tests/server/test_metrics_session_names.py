"""``/metrics`` does not count by the names users give their session policies (real app, HTTP,
real stores).

A session policy's name is its user's (or, approved, the agent's) to choose, and ``/metrics``
is read without a credential.  Before, each policy was counted under its name alone: Alice's
session policy named `cap`, denying her own calls, was counted as the admin's `cap` denying
(`goalrail_decisions_total{verdict="DENY",policy="cap"}`); every name a user invented was a new
series kept for the life of the process and shown to anyone (another user's project names);
and a user adding and removing policies grew every scrape without bound.  Now a session's
policies are counted under ``@session/<handler>`` (a registry handler: a bounded set); the
operator's are still counted by name (docs/security.md, "Lower levels only tighten").
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from server_support import BASE_CONFIG, SHELL, STORES, StoreApps, auth, client_for

ALICE, AGENT = auth("alice"), auth("alice_agent")
HANDLER = "gr_testpolicies.max_calls"
SERIES = re.compile(r'^goalrail_(?:decisions|policy_verdicts)_total\{.*policy="([^"]*)"', re.M)


@pytest.fixture(params=STORES)
async def client(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    apps = StoreApps(request, tmp_path)
    async with client_for(await apps(BASE_CONFIG)) as c:
        assert (await c.post("/v1/sessions", json={"id": "s1"}, headers=ALICE)).status_code == 201
        yield c
    await apps.close()


async def _add(c: httpx.AsyncClient, name: str, limit: int) -> None:
    body = {"name": name, "handler": HANDLER, "factory_params": {"limit": limit}}
    r = await c.post("/v1/sessions/s1/policies", json=body, headers=ALICE)
    assert r.status_code == 201, r.text


async def _calls(c: httpx.AsyncClient, n: int, **params: float) -> list[str]:
    out = []
    for _ in range(n):
        r = await c.post("/v1/sessions/s1/events", json=SHELL, headers=AGENT, params=params)
        assert r.status_code == 200, r.text
        out.append(r.json()["result"])
    return out


@pytest.mark.parametrize("wait", [None, 0.01])
async def test_a_session_policy_named_like_the_admins_is_not_counted_as_it(
    client: httpx.AsyncClient, wait: float | None
) -> None:
    await _add(client, "cap", 1)  # the admin's `cap` allows 5
    params = {"wait": wait} if wait is not None else {}
    assert await _calls(client, 3, **params) == ["ALLOW", "DENY", "DENY"]
    text = (await client.get("/metrics")).text
    assert 'goalrail_decisions_total{verdict="DENY",policy="cap"}' not in text
    assert 'goalrail_policy_verdicts_total{policy="cap",verdict="DENY"}' not in text
    assert f'goalrail_decisions_total{{verdict="DENY",policy="@session/{HANDLER}"}} 2' in text


async def test_names_users_give_are_neither_shown_nor_kept(client: httpx.AsyncClient) -> None:
    for i in range(12):
        await _add(client, f"zebra-acquisition-{i}", 50)
    await _calls(client, 2)
    text = (await client.get("/metrics")).text  # no credential: anyone on the network
    assert "zebra-acquisition" not in text
    assert set(SERIES.findall(text)) <= {"cap", "goalrail_add_policy_guard", f"@session/{HANDLER}"}


async def test_control_the_admins_policy_is_counted_by_its_name(client: httpx.AsyncClient) -> None:
    assert await _calls(client, 6) == ["ALLOW"] * 5 + ["DENY"]
    text = (await client.get("/metrics")).text
    assert 'goalrail_decisions_total{verdict="DENY",policy="cap"} 1' in text
    assert 'goalrail_policy_verdicts_total{policy="cap",verdict="ALLOW"} 5' in text
