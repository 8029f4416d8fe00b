"""The two routes that take a body other than JSON (a trace as JSON Lines, an agent spec as YAML)
answer a malformed body with a 4xx in the API's error shape, on every store, and store nothing.

A body nested past the recursion limit or holding an integer longer than Python reads
(4300 digits) once reached the parser unchecked on these routes and answered 500.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_support import STORES, StoreApps, auth

ADMIN, ALICE = auth("admin"), auth("alice")
CONFIG = "auth: {mode: tokens}\npolicy_modules: [gr_testpolicies]\n"
HEADER = {"format": "goalrail-trace", "version": 1, "session": {"id": "src"}}
DEEP = "[" * 50_000 + "]" * 50_000
LONG = "1" + "0" * 5000
EVENT = {"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": "/tmp/x"}}}
SPEC = (
    "name: {name}\npolicies:\n  cap: {{type: function, handler: gr_testpolicies.max_calls, factory_params: {params}}}\n"
)


@pytest.fixture(params=STORES)
async def client(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    apps = StoreApps(request, tmp_path, CONFIG)
    app = await apps(CONFIG)
    # a 500 is an answer here (what main gave), not an exception raised into the test
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:6767") as c:
        c.app = app  # type: ignore[attr-defined]
        yield c
    await apps.close()


def _shape(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text[:300]
    body = r.json()
    assert set(body) == {"code", "message", "errors"} and body["code"] == code
    return body


async def _sessions(c: httpx.AsyncClient) -> list[str]:
    r = await c.get("/v1/sessions", headers=ADMIN)
    return [s["id"] for s in r.json()["data"]]


TRACES = {
    "deep line": DEEP + "\n",
    "deep header value": json.dumps({**HEADER, "x": 1})[:-1] + ', "deep": ' + DEEP + "}\n",
    "deep array form": DEEP,
}


@pytest.mark.parametrize("name", sorted(TRACES))
async def test_a_trace_nested_past_the_depth_limit_is_400_before_it_is_parsed(
    client: httpx.AsyncClient, name: str
) -> None:
    r = await client.post(
        "/v1/sessions/import", content=TRACES[name], headers={**ALICE, "content-type": "application/x-ndjson"}
    )
    body = _shape(r, 400, "invalid_json")
    assert "max_json_depth" in body["message"]
    assert await _sessions(client) == []


@pytest.mark.parametrize("where", ["header", "event"])
async def test_a_trace_with_an_integer_too_long_to_read_is_422_naming_its_line(
    client: httpx.AsyncClient, where: str
) -> None:
    header = json.dumps(HEADER)
    line = {"kind": "event", "seq": 1, "event": EVENT, "decision": {"result": "ALLOW"}}
    lines = [header[:-1] + f', "n": {LONG}}}', json.dumps(line)]
    if where == "event":
        lines = [header, json.dumps(line)[:-1] + f', "n": {LONG}}}']
    r = await client.post(
        "/v1/sessions/import",
        content="\n".join(lines) + "\n",
        headers={**ALICE, "content-type": "application/x-ndjson"},
    )
    body = _shape(r, 422, "invalid_request")
    assert body["errors"][0]["loc"] == ("line 1" if where == "header" else "line 2")
    assert await _sessions(client) == []


YAML = {
    "deep flow": ("application/yaml", "name: deep\npolicies: " + DEEP + "\n"),
    "long integer": ("application/yaml", SPEC.format(name="long", params="{limit: " + LONG + "}")),
    "no such day": ("application/yaml", SPEC.format(name="day", params="{limit: 5, since: 2026-02-30}")),
    "deep inside json": ("application/json", json.dumps({"yaml": "name: deep\npolicies: " + DEEP + "\n"})),
}


@pytest.mark.parametrize("name", sorted(YAML))
async def test_an_agent_spec_yaml_cannot_read_is_422_and_nothing_is_stored(
    client: httpx.AsyncClient, name: str
) -> None:
    ctype, text = YAML[name]
    r = await client.post("/v1/agents", content=text, headers={**ADMIN, "content-type": ctype})
    body = _shape(r, 422, "invalid_config")
    assert "malformed YAML" in body["message"]
    assert LONG not in r.text  # the message is bounded, not the value echoed
    agents = await client.get("/v1/agents", headers=ADMIN)
    assert [a["name"] for a in agents.json()["data"]] == []


async def test_a_well_formed_spec_and_trace_still_go_through(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/v1/agents",
        content=SPEC.format(name="fine", params="{limit: 5}"),
        headers={**ADMIN, "content-type": "application/yaml"},
    )
    assert r.status_code == 201, r.text
    line = {"kind": "event", "seq": 1, "event": EVENT, "decision": {"result": "ALLOW"}}
    nested = {**HEADER, "deep_enough": json.loads("[" * 60 + "]" * 60)}
    r = await client.post(
        "/v1/sessions/import",
        content=json.dumps(nested) + "\n" + json.dumps(line) + "\n",
        headers={**ALICE, "content-type": "application/x-ndjson"},
    )
    assert r.status_code == 201, r.text
    assert len(await _sessions(client)) == 1
