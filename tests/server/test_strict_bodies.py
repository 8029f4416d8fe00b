"""Request bodies are strict: no coercion between JSON types (a 422 naming the field), nothing stored."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from server_support import auth

ADMIN, ALICE = auth("admin"), auth("alice")
ASK = "gr_testpolicies.ask_on_tool"
SANDBOX = "goalrail.policies.builtins.safety.enforce_sandbox"

LOOSE: list[tuple[str, str, dict[str, Any], str]] = [
    # (method, url, body, the field the error names)
    ("POST", "/v1/sessions/s1/policies", {"name": "x", "handler": ASK, "enabled": "yes"}, "enabled"),
    ("POST", "/v1/sessions/s1/policies", {"name": "x", "handler": ASK, "enabled": "false"}, "enabled"),
    ("POST", "/v1/sessions/s1/policies", {"name": "x", "handler": ASK, "enabled": 1}, "enabled"),
    ("POST", "/v1/sessions/s1/policies", {"name": "x", "handler": ASK, "timeout_ms": "100"}, "timeout_ms"),
    ("POST", "/v1/sessions/s1/policies", {"name": "x", "handler": ASK, "timeout_ms": True}, "timeout_ms"),
    ("POST", "/v1/policies", {"name": "x", "handler": ASK, "enabled": "on"}, "enabled"),
    ("PATCH", "/v1/sessions/s1/policies/{pid}", {"enabled": "no"}, "enabled"),
    ("PATCH", "/v1/sessions/s1/policies/{pid}", {"enabled": 0}, "enabled"),
    ("POST", "/v1/sessions/s1/usage", {"model": "m", "input_tokens": "5"}, "input_tokens"),
    ("POST", "/v1/sessions/s1/usage", {"model": "m", "output_tokens": True}, "output_tokens"),
    ("POST", "/v1/sessions/s1/usage", {"model": "m", "cache_read_tokens": 1.5}, "cache_read_tokens"),
    ("POST", "/v1/replay", {"last": "5"}, "last"),
    ("POST", "/v1/replay", {"all_users": "no"}, "all_users"),
    ("POST", "/v1/replay", {"limit": True}, "limit"),
    ("POST", "/v1/sessions", {"id": "s2", "labels": {"team": 1}}, "labels.team"),
    ("POST", "/v1/sessions/s1/policies", {"name": 5, "handler": ASK}, "name"),
    # policy parameters: validated against the builtin's schema, as strictly
    (
        "POST",
        "/v1/sessions/s1/policies",
        {"name": "x", "handler": SANDBOX, "factory_params": {"allow_network": "no"}},
        "factory_params.allow_network",
    ),
    (
        "POST",
        "/v1/sessions/s1/policies",
        {"name": "x", "handler": "gr_testpolicies.max_calls", "factory_params": {"limit": "5"}},
        "factory_params.limit",
    ),
    (
        "POST",
        "/v1/sessions/s1/policies",
        {"name": "x", "handler": "gr_testpolicies.max_calls", "factory_params": {"limit": True}},
        "factory_params.limit",
    ),
]


@pytest.fixture
async def pid(client: httpx.AsyncClient) -> str:
    await client.post("/v1/sessions", json={"id": "s1"}, headers=ALICE)
    r = await client.post("/v1/sessions/s1/policies", json={"name": "gate", "handler": ASK}, headers=ALICE)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


@pytest.mark.parametrize(("method", "url", "body", "field"), LOOSE)
async def test_loose_types_are_refused_naming_the_field(
    client: httpx.AsyncClient, pid: str, method: str, url: str, body: dict[str, Any], field: str
) -> None:
    headers = ADMIN if url == "/v1/policies" else ALICE
    before = (await client.get("/v1/sessions/s1/policies", headers=ALICE)).json()
    r = await client.request(method, url.format(pid=pid), json=body, headers=headers)
    assert r.status_code == 422, r.text
    answer = r.json()
    assert set(answer) == {"code", "message", "errors"}
    assert answer["code"] in ("invalid_request", "invalid_params")
    assert field in [e["loc"] for e in answer["errors"]], answer
    assert field in answer["message"]
    assert (await client.get("/v1/sessions/s1/policies", headers=ALICE)).json() == before


async def test_what_clients_send_is_still_taken(client: httpx.AsyncClient, pid: str) -> None:
    base = "/v1/sessions/s1/policies"
    r = await client.post(base, json={"name": "a", "handler": ASK, "enabled": False, "timeout_ms": 250}, headers=ALICE)
    assert r.status_code == 201, r.text
    assert r.json()["enabled"] is False
    r = await client.post(base, json={"name": "b", "handler": ASK, "timeout_ms": 12.5, "enabled": None}, headers=ALICE)
    assert r.status_code == 201, r.text
    for on in (False, True):
        r = await client.patch(f"{base}/{pid}", json={"enabled": on}, headers=ALICE)
        assert r.status_code == 200, r.text
        assert r.json()["enabled"] is on
    r = await client.post("/v1/sessions/s1/usage", json={"model": "m", "input_tokens": 5}, headers=ALICE)
    assert r.status_code == 200, r.text
    r = await client.post("/v1/replay", json={"last": 5, "all_users": False, "limit": 10}, headers=ALICE)
    assert r.status_code == 200, r.text
