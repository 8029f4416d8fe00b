"""What a web page must not be able to do to a local Goalrail (issue 10, finding 4).

Each test replays one attack: a DNS-rebinding page reading approvals, a
``text/plain`` POST queueing approvals, a cross-origin POST or logout, an agent
token presented as the UI cookie, an unauthenticated call to the LLM proxy.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from server_support import BASE_CONFIG, CONSOLE, SHELL, add_tokens, auth, client_for, make_app

from goalrail.server.guard import host_name, json_too_deep
from goalrail.store.memory import MemoryStore

GATE = "policy_modules: [gr_testpolicies]\npolicies:\n  gate: {type: function, handler: gr_testpolicies.ask_on_tool}\n"
CONSOLE_AUTH = {"Authorization": f"Bearer {CONSOLE}"}
ERROR_KEYS = {"code", "message", "errors"}


async def _app(config: str = BASE_CONFIG) -> Any:
    """An app whose store holds a token for every role (see server_support.TOKENS)."""
    store = MemoryStore()
    await add_tokens(store)
    return make_app(config, store=store)


def _client(app: Any, base: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 40000)), base_url=base)


async def _queue_ask(app: Any) -> str:
    async with client_for(app) as c:
        r = await c.post("/v1/sessions/s1/events", json=SHELL)
    assert r.json()["result"] == "ASK"
    return str(r.json()["approval_id"])


# -- Host: DNS rebinding ---------------------------------------------------------------
async def test_dns_rebinding_host_cannot_read_approvals_in_single_user_mode() -> None:
    app = make_app(GATE)
    await _queue_ask(app)
    # The attacker's name now resolves to 127.0.0.1: the browser sends `Host: evil.example:6767`.
    async with _client(app, "http://evil.example:6767") as c:
        for path in ("/v1/approvals", "/v1/sessions", "/v1/sessions/s1/events", "/v1/auth/me"):
            r = await c.get(path)
            assert r.status_code == 400, path
            assert set(r.json()) == ERROR_KEYS and r.json()["code"] == "invalid_host"
            assert "ls" not in r.text
        r = await c.post("/v1/sessions/s1/events", json=SHELL)
        assert r.status_code == 400 and r.json()["code"] == "invalid_host"
    for base in ("http://localhost:6767", "http://127.0.0.1:9", "http://[::1]:6767", "http://LOCALHOST"):
        async with _client(app, base) as c:
            r = await c.get("/v1/approvals")
            assert r.status_code == 200, base
            assert len(r.json()["data"]) == 1


async def test_tokens_mode_serves_any_host_unless_allowed_hosts_is_set() -> None:
    async with _client(await _app(), "http://goalrail.corp.example") as c:
        assert (await c.get("/v1/auth/me", headers=auth("alice"))).status_code == 200
    app = await _app("auth: {mode: tokens}\nserver: {allowed_hosts: [goalrail.corp.example]}\n")
    async with _client(app, "http://goalrail.corp.example:8443") as c:
        assert (await c.get("/v1/auth/me", headers=auth("alice"))).status_code == 200
    async with _client(app, "http://evil.example") as c:
        r = await c.get("/v1/auth/me", headers=auth("alice"))
        assert r.status_code == 400 and r.json()["code"] == "invalid_host"
    async with _client(app, "http://127.0.0.1:6767") as c:
        assert (await c.get("/v1/auth/me", headers=auth("alice"))).status_code == 200


def test_host_name_strips_the_port() -> None:
    assert host_name("[::1]:6767") == "[::1]"
    assert host_name("LocalHost:80") == "localhost"
    assert host_name("127.0.0.1") == "127.0.0.1"
    assert host_name("localhost.evil.example") == "localhost.evil.example"


# -- Content-Type: simple requests from any page ----------------------------------------
@pytest.mark.parametrize(
    "headers",
    [
        {"content-type": "text/plain"},
        {"content-type": "text/plain;charset=UTF-8"},
        {"content-type": "application/x-www-form-urlencoded"},
        {"content-type": "multipart/form-data; boundary=x"},
        {},  # fetch() with a Blob body sends no Content-Type at all
    ],
)
async def test_a_non_json_post_cannot_queue_an_approval(headers: dict[str, str]) -> None:
    app = make_app(GATE)
    async with client_for(app) as c:
        r = await c.post("/v1/sessions/s1/events", content=json.dumps(SHELL).encode(), headers=headers)
        assert r.status_code == 415, r.text
        assert set(r.json()) == ERROR_KEYS and r.json()["code"] == "unsupported_media_type"
        hook = {
            "hook_event_name": "PreToolUse",
            "session_id": "s1",
            "tool_name": "Bash",
            "tool_input": {"command": "ls"},
        }
        r = await c.post("/hooks/claude-code", content=json.dumps(hook).encode(), headers=headers)
        assert r.status_code == 200 and r.json()["hookSpecificOutput"]["permissionDecision"] == "deny"
        pending = (await c.get("/v1/approvals")).json()["data"]
        assert pending == []
        assert (await c.get("/v1/sessions/s1", headers=CONSOLE_AUTH)).status_code == 404  # no session was created


async def test_json_routes_take_json_and_text_routes_their_documented_types() -> None:
    app = await _app()
    async with client_for(app) as c:
        r = await c.post(
            "/v1/policies", content=b'{"name": "x"}', headers={**auth("admin"), "content-type": "text/plain"}
        )
        assert r.status_code == 415
        r = await c.post(
            "/v1/sessions/s1/events",
            content=json.dumps(SHELL).encode(),
            headers={**auth("alice_agent"), "content-type": "application/json; charset=utf-8"},
        )
        assert r.status_code == 200
        r = await c.post("/v1/agents", content=b"name: a\n", headers={**auth("admin"), "content-type": "text/plain"})
        assert r.status_code == 415 and "application/yaml" in r.json()["message"]
        r = await c.post(
            "/v1/agents", content=b"name: a\npolicies: {}\n", headers={**auth("admin"), "content-type": "text/yaml"}
        )
        assert r.status_code == 201
        r = await c.post("/v1/sessions/s1/usage", content=b"", headers=auth("alice_agent"))
        assert r.status_code == 422  # no body, no type: the route says what is missing


# -- Origin: cross-origin changes, logout included -------------------------------------
@pytest.mark.parametrize(
    "origin", ["https://evil.example", "null", "http://localhost:3000", "http://127.0.0.1:6767.evil.example"]
)
async def test_cross_origin_post_and_logout_are_refused(origin: str) -> None:
    app = make_app(GATE)
    async with client_for(app) as c:
        r = await c.post("/v1/sessions/s1/events", json=SHELL, headers={"origin": origin})
        assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
        assert (await c.get("/v1/approvals")).json()["data"] == []
        r = await c.post("/v1/auth/logout", headers={"origin": origin})
        assert r.status_code == 403 and "set-cookie" not in r.headers
        r = await c.delete("/v1/policies/server:gate", headers={**CONSOLE_AUTH, "origin": origin})
        assert r.status_code == 403
        assert (await c.get("/v1/policies/server:gate", headers=CONSOLE_AUTH)).status_code == 200


async def test_same_origin_and_originless_changes_pass() -> None:
    app = make_app(GATE)
    async with client_for(app) as c:
        r = await c.post("/v1/sessions/s1/events", json=SHELL, headers={"origin": "http://127.0.0.1:6767"})
        assert r.status_code == 200
        r = await c.post("/v1/auth/logout", headers={"origin": "http://127.0.0.1:6767"})
        assert r.status_code == 200 and "goalrail_session" in r.headers["set-cookie"]
        assert (await c.post("/v1/auth/logout")).status_code == 200  # curl, SDKs: no Origin
        r = await c.post("/v1/auth/logout", headers={"sec-fetch-site": "cross-site"})
        assert r.status_code == 403


# -- Cookies: an agent token is never a UI credential ----------------------------------
async def test_agent_token_is_not_accepted_as_the_ui_cookie() -> None:
    app = await _app(GATE)
    aid = await _queue_ask(app)
    async with client_for(app) as c:
        c.cookies.set("goalrail_session", "tok-alice-agent")
        csrf = {"x-goalrail-csrf": "1"}
        r = await c.get("/v1/auth/me")
        assert r.status_code == 401 and set(r.json()) == ERROR_KEYS
        r = await c.post(f"/v1/approvals/{aid}", json={"decision": "approve"}, headers=csrf)
        assert r.status_code == 401
        r = await c.post("/v1/sessions/s2/events", json=SHELL, headers=csrf)
        assert r.status_code == 401
        c.cookies.set("goalrail_session", "tok-alice")  # a user token is a valid UI cookie
        assert (await c.get("/v1/auth/me")).json()["role"] == "user"
        r = await c.post("/v1/auth/login", json={"token": "tok-alice-agent"})
        assert r.status_code == 403 and "set-cookie" not in r.headers


# -- LLM proxy: authentication before anything else ------------------------------------
@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[" * 5000 + b"]" * 5000, json.dumps({"model": "m", "messages": []}).encode()],
)
async def test_llm_proxy_authenticates_before_reading_or_forwarding(body: bytes) -> None:
    # The upstream is a closed port: a forwarded request would answer 502.
    app = await _app("auth: {mode: tokens}\nllm_proxy: {upstream: 'http://127.0.0.1:9/v1'}\n")
    async with client_for(app) as c:
        r = await c.post("/v1/chat/completions", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 401, r.text
        assert r.json()["error"]["type"] == "authentication_error"  # the provider's error shape
        r = await c.post("/v1/chat/completions", content=body, headers={**auth("bad"), "content-type": "text/plain"})
        assert r.status_code == 401


async def test_llm_proxy_without_upstream_still_authenticates_first() -> None:
    async with client_for(await _app()) as c:
        assert (await c.post("/v1/chat/completions", json={"model": "m"})).status_code == 401
        r = await c.post("/v1/chat/completions", json={"model": "m"}, headers=auth("alice_agent"))
        assert r.status_code == 503


# -- JSON depth -------------------------------------------------------------------------
def test_json_depth_ignores_brackets_inside_strings() -> None:
    assert not json_too_deep(json.dumps({"a": "[" * 500, "b": '\\"[[[[' * 100}).encode(), 64)
    assert json_too_deep(b"[" * 65 + b"]" * 65, 64)
    assert not json_too_deep(b"[" * 64 + b"]" * 64, 64)
    wide = json.dumps([[1]] * 10_000).encode()
    assert not json_too_deep(wide, 64)
    nested: Any = 1
    for _ in range(70):
        nested = {"k": [nested]} if isinstance(nested, list) else [nested]
    assert json_too_deep(json.dumps(nested).encode(), 64)


async def test_behind_a_proxy_public_url_is_the_allowed_origin_and_host() -> None:
    app = await _app(
        "auth: {mode: tokens}\n"
        "server: {public_url: 'https://goalrail.example.com/gr/', allowed_hosts: [goalrail.lan]}\n"
    )
    async with _client(app, "http://goalrail.lan:6767") as c:
        ok = {**auth("alice_agent"), "origin": "https://goalrail.example.com"}
        assert (await c.post("/v1/sessions/s1/events", json=SHELL, headers=ok)).status_code == 200
        bad = {**auth("alice_agent"), "origin": "https://evil.example"}
        assert (await c.post("/v1/sessions/s1/events", json=SHELL, headers=bad)).status_code == 403
    async with _client(app, "https://goalrail.example.com") as c:  # the proxy passes the public name on
        assert (await c.get("/v1/auth/me", headers=auth("alice"))).status_code == 200


async def test_public_url_alone_does_not_restrict_hosts() -> None:
    app = await _app("auth: {mode: tokens}\nserver: {public_url: 'https://goalrail.example.com'}\n")
    async with _client(app, "http://goalrail-internal:6767") as c:  # another container on the network
        assert (await c.get("/v1/auth/me", headers=auth("alice"))).status_code == 200
