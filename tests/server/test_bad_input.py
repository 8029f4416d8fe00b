"""Bad input: 413, malformed JSON, unknown ids, schema-invalid params — and nothing stored changes."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
from server_support import READ, SHELL, add_tokens, auth, client_for, make_app

ADMIN, ALICE, AGENT = auth("admin"), auth("alice"), auth("alice_agent")
JSON = {"content-type": "application/json"}


def _snapshot(app: Any) -> Any:
    s = app.state.goalrail.store
    sessions = {
        k: (
            copy.deepcopy(v.state),
            copy.deepcopy(v.policy_states),
            [p.id for p in v.policies],
            [(p.name, p.params, p.enabled) for p in v.policies],
            len(v.usage),
        )
        for k, v in s.sessions.items()
    }
    return (
        sessions,
        [(p.id, p.name, p.params, p.enabled) for p in s.server_policy_list],
        len(s.audit),
        {k: a.status for k, a in s.approvals.items()},
        dict(s.agents),
    )


@pytest.fixture
async def seeded(app: Any, client: httpx.AsyncClient) -> Any:
    await client.post("/v1/sessions", json={"id": "s1"}, headers=ALICE)
    r = await client.post(
        "/v1/sessions/s1/policies", json={"name": "gate", "handler": "gr_testpolicies.ask_on_tool"}, headers=ALICE
    )
    await client.post("/v1/policies", json={"name": "p", "handler": "gr_testpolicies.max_calls"}, headers=ADMIN)
    await client.post("/v1/sessions/s1/events", json=READ, headers=AGENT)
    await client.post("/v1/sessions/s1/events", json=SHELL, headers=AGENT)
    return r.json()["id"]


BAD: list[tuple[str, str, dict[str, Any], int, str]] = [
    # (method, url, request kwargs, status, code)
    ("POST", "/v1/sessions/s1/events", {"content": b'{"type": "tool_call",', "headers": JSON}, 400, "invalid_json"),
    ("POST", "/v1/sessions/s1/events", {"content": b"\xff\xfe", "headers": JSON}, 400, "invalid_json"),
    ("POST", "/v1/sessions/s1/events", {"content": b'{"type": "tool_call"}'}, 415, "unsupported_media_type"),
    ("POST", "/v1/sessions/s1/events", {"json": {"type": "tool_call"}}, 422, "invalid_event"),
    ("POST", "/v1/sessions/s1/events", {"json": {"type": "nope"}}, 422, "invalid_event"),
    ("POST", "/v1/sessions/s1/events", {"json": [1, 2]}, 422, "invalid_event"),
    ("POST", "/v1/sessions/s1/events", {"content": b"{" + b" " * (1 << 20) + b"}"}, 413, "payload_too_large"),
    (
        "POST",
        "/v1/policies",
        {"content": b"{nope", "headers": {"content-type": "application/json"}},
        400,
        "invalid_json",
    ),
    (
        "POST",
        "/v1/policies",
        {"json": {"name": "x", "handler": "gr_testpolicies.max_calls", "factory_params": {"limit": "many"}}},
        422,
        "invalid_params",
    ),
    (
        "POST",
        "/v1/policies",
        {"json": {"name": "x", "handler": "gr_testpolicies.max_calls", "factory_params": {"limt": 3}}},
        422,
        "invalid_params",
    ),
    (
        "POST",
        "/v1/policies",
        {"json": {"name": "x", "handler": "gr_testpolicies.max_calls", "bogus": 1}},
        422,
        "invalid_request",
    ),
    (
        "POST",
        "/v1/policies",
        {"json": {"name": "x", "type": "cel", "handler": "gr_testpolicies.max_calls"}},
        422,
        "invalid_request",
    ),
    (
        "POST",
        "/v1/sessions/s1/policies",
        {"json": {"name": "d", "handler": "gr_testpolicies.deny_target"}},
        422,
        "invalid_params",
    ),
    (
        "POST",
        "/v1/sessions/s1/policies",
        {"json": {"name": "d", "handler": "gr_testpolicies.deny_target", "factory_params": {"contains": ""}}},
        422,
        "invalid_params",
    ),
    ("PATCH", "/v1/sessions/s1/policies/{pid}", {"json": {"factory_params": {"tool": 7}}}, 422, "invalid_params"),
    ("PATCH", "/v1/sessions/s1/policies/{pid}", {"json": {}}, 422, "invalid_request"),
    ("POST", "/v1/sessions/s1/usage", {"json": {"model": "m", "input_tokens": -3}}, 422, "invalid_request"),
    (
        "POST",
        "/v1/sessions/s1/usage",
        {"content": b"[", "headers": {"content-type": "application/json"}},
        400,
        "invalid_json",
    ),
    ("POST", "/v1/approvals/apr_missing", {"json": {"decision": "approve"}}, 404, "not_found"),
    ("GET", "/v1/approvals/apr_missing", {}, 404, "not_found"),
    ("POST", "/v1/approvals/{apr}", {"json": {"decision": "maybe"}}, 422, "invalid_request"),
    ("POST", "/v1/approvals/{apr}", {"json": {"decision": "approve", "digest": "0" * 64}}, 409, "conflict"),
    ("GET", "/v1/sessions/nope", {}, 404, "not_found"),
    ("GET", "/v1/sessions/nope/policies", {}, 404, "not_found"),
    (
        "POST",
        "/v1/sessions/nope/policies",
        {"json": {"name": "g", "handler": "gr_testpolicies.mark"}},
        404,
        "not_found",
    ),
    ("PATCH", "/v1/sessions/s1/policies/sp_nope", {"json": {"enabled": False}}, 404, "not_found"),
    ("DELETE", "/v1/sessions/s1/policies/sp_nope", {}, 404, "not_found"),
    ("GET", "/v1/policies/pol_nope", {}, 404, "not_found"),
    ("PATCH", "/v1/policies/pol_nope", {"json": {"enabled": False}}, 404, "not_found"),
    ("DELETE", "/v1/policies/pol_nope", {}, 404, "not_found"),
    ("GET", "/v1/agents/nope", {}, 404, "not_found"),
    (
        "POST",
        "/v1/agents",
        {"content": b"name: [unclosed", "headers": {"content-type": "application/yaml"}},
        422,
        "invalid_config",
    ),
    (
        "POST",
        "/v1/agents",
        {"content": b"policies: {}\n", "headers": {"content-type": "application/yaml"}},
        422,
        "invalid_config",
    ),
    ("POST", "/v1/sessions", {"json": {"id": "has space"}}, 422, "invalid_request"),
    ("POST", "/v1/sessions/s1/events?agent=ghost", {"json": READ}, 200, ""),  # existing session: agent ignored
    ("POST", "/v1/sessions/new1/events?agent=ghost", {"json": READ}, 404, "not_found"),
    ("GET", "/v1/nothing-here", {}, 404, "not_found"),
    ("PUT", "/v1/policies", {"json": {}}, 405, "method_not_allowed"),
]


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "status", "code"), BAD, ids=[f"{m} {u} {s}" for (m, u, _, s, _) in BAD]
)
async def test_bad_input_changes_nothing(
    app: Any,
    client: httpx.AsyncClient,
    seeded: str,
    method: str,
    url: str,
    kwargs: dict[str, Any],
    status: int,
    code: str,
) -> None:
    apr = next(iter(app.state.goalrail.store.approvals))
    headers = {**ADMIN, **kwargs.pop("headers", {})} if "sessions/s1/policies" not in url else {**ALICE}
    before = _snapshot(app)
    r = await client.request(method, url.format(pid=seeded, apr=apr), headers=headers, **kwargs)
    assert r.status_code == status, r.text
    if status >= 400:
        body = r.json()
        assert set(body) == {"code", "message", "errors"} and body["code"] == code, body
        assert _snapshot(app) == before


async def test_invalid_params_name_the_parameter(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/v1/policies",
        json={"name": "x", "handler": "gr_testpolicies.max_calls", "factory_params": {"limit": 0}},
        headers=ADMIN,
    )
    body = r.json()
    assert r.status_code == 422 and "limit" in body["message"]
    assert body["errors"][0]["loc"] == "factory_params.limit"
    r = await client.post(
        "/v1/policies",
        json={"name": "x", "handler": "gr_testpolicies.max_calls", "factory_params": {"limt": 3}},
        headers=ADMIN,
    )
    assert "`limt`" in r.json()["message"]


async def test_body_limit_is_configurable() -> None:
    app = make_app("limits: {max_body_bytes: 100}\n")
    await add_tokens(app.state.goalrail.store)
    async with client_for(app) as c:
        small = await c.post("/v1/sessions/s1/events", json=READ, headers=AGENT)
        assert small.status_code == 200
        big = await c.post(
            "/v1/sessions/s1/events", json={**READ, "data": {"arguments": {"x": "y" * 200}}}, headers=AGENT
        )
        assert big.status_code == 413 and big.json()["code"] == "payload_too_large"

        async def chunks() -> Any:
            for _ in range(5):
                yield b"x" * 50

        chunked = await c.post("/v1/sessions/s1/events", content=chunks(), headers=AGENT)
        assert chunked.status_code == 413


async def test_events_fast_path_query_and_paths(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/sessions/s1/events?wait=soon", json=READ, headers=AGENT)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == "wait"
    r = await client.post("/v1/sessions/s1/events?wait=-1", json=READ, headers=AGENT)
    assert r.status_code == 422
    r = await client.post("/v1/sessions/a/b/events", json=READ, headers=AGENT)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = await client.post(f"/v1/sessions/{'x' * 201}/events", json=READ, headers=AGENT)
    assert r.status_code == 404
    r = await client.post("/v1/sessions/s1/events", json=READ, headers={"Authorization": "Basic abc"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
