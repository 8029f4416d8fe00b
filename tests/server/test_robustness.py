"""Hostile input answers 4xx with the JSON error shape, never 5xx (issue 10, finding 10).

Deep JSON, token counts past 64 bits, NUL in ids, and policies raising what
``except Exception`` lets through — on every store where a store is involved.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_support import BASE_CONFIG, SHELL, STORES, StoreApps, add_tokens, auth, client_for, make_app

from goalrail.engine.tokens import MAX_TOKENS

ERROR_KEYS = {"code", "message", "errors"}
AGENT, ALICE, ADMIN = auth("alice_agent"), auth("alice"), auth("admin")
MakeApp = Callable[[str], Awaitable[Any]]


@pytest.fixture(params=STORES)
async def make(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[MakeApp]:
    """Apps on the parametrized store (each with a token for every role)."""
    apps = StoreApps(request, tmp_path, BASE_CONFIG)
    yield apps
    await apps.close()


def _error(r: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == ERROR_KEYS, body
    if code is not None:
        assert body["code"] == code, body
    return body  # type: ignore[no-any-return]


def _nested(depth: int) -> bytes:
    """An event whose argument `x` nests ``depth`` lists (the body nests ``depth + 3`` levels)."""
    head = b'{"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls", "x": '
    return head + b"[" * depth + b"]" * depth + b"}}}"


# -- deep JSON ----------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [100, 1_000, 100_000])
async def test_deeply_nested_json_is_a_400_naming_the_limit(depth: int) -> None:
    app = make_app()
    await add_tokens(app.state.goalrail.store)
    body = _nested(depth)
    json_ = {"content-type": "application/json"}
    async with client_for(app) as c:
        for url, headers in (
            ("/v1/sessions/s1/events", AGENT),  # the fast path
            ("/v1/sessions/s1/evaluate", ALICE),  # dry run
            ("/v1/policies", ADMIN),  # a pydantic body
            ("/v1/sessions/s1/usage", AGENT),
            ("/v1/replay", ALICE),
        ):
            err = _error(await c.post(url, content=body, headers={**headers, **json_}), 400, "invalid_json")
            assert "64 levels" in err["message"], url
        assert (await c.get("/v1/sessions/s1", headers=ALICE)).status_code == 404  # nothing was created
        hook = {"hook_event_name": "PreToolUse", "session_id": "cc1", "tool_name": "Bash"}
        deep_hook = (
            json.dumps(hook)[:-1].encode()
            + b', "tool_input": {"command": "ls", "x": '
            + b"[" * depth
            + b"]" * depth
            + b"}}"
        )
        r = await c.post("/hooks/claude-code", content=deep_hook, headers={**AGENT, **json_})
        assert r.status_code == 200 and "deny" in r.text  # the harness gets a deny, not an error it ignores


async def test_nesting_within_the_limit_is_evaluated() -> None:
    app = make_app()
    await add_tokens(app.state.goalrail.store)
    async with client_for(app) as c:
        r = await c.post(
            "/v1/sessions/s1/events", content=_nested(60), headers={**AGENT, "content-type": "application/json"}
        )
        assert r.status_code == 200 and r.json()["result"] == "ALLOW"


async def test_the_depth_limit_is_configurable() -> None:
    app = make_app(BASE_CONFIG + "limits: {max_json_depth: 8}\n")
    await add_tokens(app.state.goalrail.store)
    async with client_for(app) as c:
        r = await c.post(
            "/v1/sessions/s1/events", content=_nested(8), headers={**AGENT, "content-type": "application/json"}
        )
        assert "8 levels" in _error(r, 400, "invalid_json")["message"]


# -- token counts -------------------------------------------------------------------------
@pytest.mark.parametrize("count", [2**63, 2**64 + 1, MAX_TOKENS + 1, -1])
async def test_token_counts_out_of_range_are_refused(make: MakeApp, count: int) -> None:
    app = await make(BASE_CONFIG)
    async with client_for(app) as c:
        for field in ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens"):
            r = await c.post("/v1/sessions/s1/usage", json={"model": "gpt-4o", field: count}, headers=AGENT)
            _error(r, 422, "invalid_request")
        assert (await c.post("/v1/sessions/s1/events", json=SHELL, headers=AGENT)).status_code == 200


async def test_two_huge_usage_records_leave_the_session_working(make: MakeApp) -> None:
    """The largest counts, twice: the store's sums stay exact and the session keeps answering."""
    app = await make(BASE_CONFIG)
    big = {f: MAX_TOKENS for f in ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")}
    async with client_for(app) as c:
        for _ in range(2):
            r = await c.post("/v1/sessions/s1/usage", json={"model": "unpriced-model", **big}, headers=AGENT)
            assert r.status_code == 200, r.text
        for _ in range(2):
            r = await c.post("/v1/sessions/s1/events", json=SHELL, headers=AGENT)
            assert r.status_code == 200 and r.json()["result"] == "ALLOW", r.text
        usage = (await c.get("/v1/sessions/s1", headers=ALICE)).json()["usage"]
        assert usage["input_tokens"] == 2 * MAX_TOKENS
        assert usage["unpriced_tokens"] == 8 * MAX_TOKENS
        r = await c.post("/v1/sessions/s1/usage", json={"model": "m", "input_tokens": 3 * 2**31}, headers=AGENT)
        assert r.status_code == 200 and r.json()["input_tokens"] == 3 * 2**31  # past 32 bits, on PostgreSQL too


# -- NUL in ids ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("POST", "/v1/sessions/a%00b/events"),
        ("POST", "/v1/sessions/%00/events"),
        ("GET", "/v1/sessions/a%00b"),
        ("POST", "/v1/sessions/a%00b/usage"),
        ("POST", "/v1/sessions/a%00b/evaluate"),
        ("GET", "/v1/sessions/a%00b/policies"),
        ("GET", "/v1/approvals/a%00b"),
        ("DELETE", "/v1/policies/server%3Aa%00b"),
        ("POST", "/v1/sessions/s1/events?agent=a%00b"),
        ("POST", "/v1/sessions/a%0Ab/events"),
    ],
)
async def test_nul_and_control_characters_in_ids_are_a_400(make: MakeApp, method: str, url: str) -> None:
    app = await make(BASE_CONFIG)
    async with client_for(app) as c:
        r = await c.request(method, url, json=SHELL if method == "POST" else None, headers=ADMIN)
        _error(r, 400, "invalid_id")
        assert (await c.post("/v1/sessions/s1/events", json=SHELL, headers=AGENT)).status_code == 200


async def test_nul_in_stored_names_is_refused_on_every_store(make: MakeApp) -> None:
    app = await make(BASE_CONFIG)
    async with client_for(app) as c:
        for url, body, who in (
            ("/v1/sessions", {"id": "a\x00b"}, ALICE),
            ("/v1/sessions/s1/usage", {"model": "gpt\x004"}, AGENT),
            ("/v1/sessions/s1/policies", {"name": "x\x00", "handler": "gr_testpolicies.mark"}, ALICE),
            ("/v1/tokens", {"label": "x\x00"}, ALICE),
        ):
            r = await c.post(url, json=body, headers=who)
            assert 400 <= r.status_code < 500 and set(r.json()) == ERROR_KEYS, (url, r.text)
        ev = {**SHELL, "context": {"model": "gpt\x00x", "harness": "h\x00"}}
        r = await c.post("/v1/sessions/s1/events", json=ev, headers=AGENT)
        assert r.status_code < 500, r.text  # SQLite stores it; PostgreSQL's text columns refuse it with a 422
        assert set(r.json()) == ERROR_KEYS if r.status_code >= 400 else "result" in r.json()
        assert (await c.post("/v1/sessions/s1/events", json=SHELL, headers=AGENT)).status_code == 200


_LLM = {"type": "llm_request", "data": {"model": "gpt-4o", "messages": []}}
NUL_FIELDS = [
    ("context.model", {**_LLM, "context": {"model": "gpt\x00x"}, "data": {"messages": []}}),
    ("context.harness", {**SHELL, "context": {"harness": "h\x00"}}),
    ("context.agent", {**SHELL, "context": {"agent": "a\x00"}}),
    ("context.cwd", {**SHELL, "context": {"cwd": "/tmp/\x00x"}}),
    ("data.model", {**_LLM, "data": {"model": "gpt\x004o", "messages": []}}),
    ("data.model", {"type": "llm_response", "data": {"model": "m\x00", "usage": {"input_tokens": 3}}}),
    ("id", {**SHELL, "id": "e\x00"}),
]


@pytest.mark.parametrize(("field", "event"), NUL_FIELDS, ids=[f"{f}-{e['type']}" for f, e in NUL_FIELDS])
async def test_nul_in_event_text_fields_is_the_same_422_on_every_store(
    make: MakeApp, field: str, event: dict[str, Any]
) -> None:
    """Before, SQLite stored these and PostgreSQL refused some with an unnamed 422 (its text cannot hold NUL)."""
    app = await make(BASE_CONFIG)
    async with client_for(app) as c:
        for url in ("/v1/sessions/s1/events", "/v1/sessions/s1/evaluate"):
            body = _error(await c.post(url, json=event, headers=AGENT), 422, "invalid_event")
            assert body["errors"] == [{"loc": field, "message": "must not contain NUL characters"}], body
        trace = await c.get("/v1/sessions/s1/trace", headers=ALICE)
        assert trace.status_code == 404 or "\\u0000" not in trace.text  # nothing of it was stored
        assert (await c.post("/v1/sessions/s1/events", json=SHELL, headers=AGENT)).status_code == 200


# -- policies raising BaseException ---------------------------------------------------------
RAISING = "policies:\n  boom: {{type: function, handler: {handler}, factory_params: {{what: {what}}}}}\n"


@pytest.mark.parametrize("what", ["system_exit", "keyboard_interrupt", "cancelled", "generator_exit"])
@pytest.mark.parametrize(
    "handler",
    ["gr_raisingpolicies.raising_sync", "gr_raisingpolicies.raising_async", "gr_raisingpolicies.raising_factory"],
)
async def test_a_policy_raising_base_exceptions_is_a_deny_naming_it(make: MakeApp, handler: str, what: str) -> None:
    app = await make(RAISING.format(handler=handler, what=what))
    async with client_for(app) as c:
        for _ in range(2):
            r = await c.post("/v1/sessions/s1/events", json=SHELL, headers=AGENT)
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["result"] == "DENY" and body["policy"] == "boom", body
            assert "boom" in body["reason"]
        assert (await c.get("/healthz")).status_code == 200
