"""The events fast path is served in front of FastAPI's middleware stack (issue 13), so it
makes the body limit's and the guard's checks itself: each refusal must be the one the
stack gives, in the same order.  The same route with a session id the fast path does not
match (over 200 characters) goes through the stack: both answers must be identical."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from server_support import READ, add_tokens, auth, make_app
from starlette.types import ASGIApp, Receive, Scope, Send

from goalrail.server.errors import InvalidJSON
from goalrail.server.events import parse_body
from goalrail.server.fastpath import EventsFastPath, encode
from goalrail.store.memory import MemoryStore

CONFIG = """
auth: {mode: tokens}
server: {allowed_hosts: [goalrail.example]}
limits: {max_body_bytes: 300, max_json_depth: 4}
"""
AGENT = auth("alice_agent")
FAST, STACK = "/v1/sessions/s1/events", f"/v1/sessions/{'x' * 201}/events"
DEEP = json.dumps({**READ, "data": [[[[["deep"]]]]]}).encode()
BIG = json.dumps({**READ, "data": "y" * 400}).encode()
JSON_TYPE = {"Content-Type": "application/json"}
TEXT = {"Content-Type": "text/plain"}
OURS, EVIL = "goalrail.example", "evil.example"


async def _app() -> Any:
    store = MemoryStore()
    await add_tokens(store)
    return make_app(CONFIG, store=store)


def _chunks(body: bytes) -> Any:
    async def gen() -> AsyncIterator[bytes]:
        for i in range(0, len(body), 50):
            yield body[i : i + 50]

    return gen()


# (case, host, query, headers, body (bytes, or "chunked:" + bytes), expected status, expected code)
CASES: list[tuple[str, str, str, dict[str, str], Any, int, str]] = [
    ("host", EVIL, "", {**AGENT, **JSON_TYPE}, b"{}", 400, "invalid_host"),
    ("control character", OURS, "?agent=%01", {**AGENT, **JSON_TYPE}, b"{}", 400, "invalid_id"),
    ("origin", OURS, "", {**AGENT, **JSON_TYPE, "Origin": f"http://{EVIL}"}, b"{}", 403, "csrf_failed"),
    ("fetch site", OURS, "", {**AGENT, **JSON_TYPE, "Sec-Fetch-Site": "cross-site"}, b"{}", 403, "csrf_failed"),
    ("text type", OURS, "", {**AGENT, **TEXT}, b"{}", 415, "unsupported_media_type"),
    ("no type", OURS, "", AGENT, b"{}", 415, "unsupported_media_type"),
    ("depth", OURS, "", {**AGENT, **JSON_TYPE}, DEEP, 400, "invalid_json"),
    ("declared size", OURS, "", {**AGENT, **JSON_TYPE}, BIG, 413, "payload_too_large"),
    ("chunked size", OURS, "", {**AGENT, **JSON_TYPE}, ("chunked", BIG), 413, "payload_too_large"),
    ("no credential", OURS, "", JSON_TYPE, b"{}", 401, "unauthorized"),
    ("bad token", OURS, "", {**auth("bad"), **JSON_TYPE}, b"{}", 401, "unauthorized"),
    # the order of the checks: the size first, then Host, Origin, the type, the depth, the credential
    ("chunked size before host", EVIL, "", JSON_TYPE, ("chunked", BIG), 413, "payload_too_large"),
    ("size before type", OURS, "", TEXT, BIG, 413, "payload_too_large"),
    ("host before type", EVIL, "", TEXT, b"{}", 400, "invalid_host"),
    ("origin before type", OURS, "", {"Origin": "null", **TEXT}, b"{}", 403, "csrf_failed"),
    ("type before credential", OURS, "", TEXT, b"{}", 415, "unsupported_media_type"),
    ("depth before credential", OURS, "", JSON_TYPE, DEEP, 400, "invalid_json"),
    ("credential before body", OURS, "", JSON_TYPE, b"{not json", 401, "unauthorized"),
    ("body", OURS, "", {**AGENT, **JSON_TYPE}, b"{not json", 400, "invalid_json"),
]  # fmt: skip
_IDS = [c[0] for c in CASES]


async def _post(app: Any, path: str, host: str, query: str, headers: dict[str, str], body: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as c:
        content = _chunks(body[1]) if isinstance(body, tuple) else body
        return await c.post(path + query, content=content, headers=headers)


@pytest.mark.parametrize(("case", "host", "query", "headers", "body", "status", "code"), CASES, ids=_IDS)
async def test_the_fast_path_refuses_what_the_stack_refuses(
    case: str, host: str, query: str, headers: dict[str, str], body: Any, status: int, code: str
) -> None:
    app = await _app()
    fast = await _post(app, FAST, host, query, headers, body)
    stack = await _post(app, STACK, host, query, headers, body)
    assert (fast.status_code, fast.json()["code"]) == (status, code), fast.text
    assert fast.json() == stack.json() and set(fast.json()) == {"code", "message", "errors"}
    assert fast.status_code == stack.status_code
    for name in ("content-type", "www-authenticate", "connection"):
        assert fast.headers.get(name) == stack.headers.get(name), name
    if code == "unauthorized":
        assert fast.headers["www-authenticate"] == "Bearer"
    if code == "payload_too_large":
        assert fast.headers["connection"] == "close"


class _Seen:
    """A middleware of the stack, noting the paths it saw."""

    def __init__(self, app: ASGIApp, seen: list[str]) -> None:
        self.app, self.seen = app, seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.seen.append(scope["path"])
        await self.app(scope, receive, send)


async def test_events_are_served_in_front_of_the_middleware_stack() -> None:
    app = await _app()
    seen: list[str] = []
    app.add_middleware(_Seen, seen=seen)
    r = await _post(app, FAST, OURS, "", {**AGENT, **JSON_TYPE}, json.dumps(READ).encode())
    assert r.status_code == 200 and r.json()["result"] == "ALLOW" and r.json()["session_id"] == "s1"
    assert r.headers["content-length"] == str(len(r.content))
    assert seen == []
    r = await _post(app, STACK, OURS, "", {**AGENT, **JSON_TYPE}, json.dumps(READ).encode())
    assert r.status_code == 404 and seen == [STACK]
    r = await _post(app, "/v1/sessions/s1/events", OURS, "", AGENT, None)
    assert r.status_code == 400 and seen == [STACK]  # no body: not JSON, answered by the fast path


def test_answers_are_encoded_as_the_stdlib_would_read_them() -> None:
    answer: dict[str, Any] = {"reason": 'é ✓ "q"', "duration_us": 12.3, "data": {"n": [1, None, True, -0.5]}}
    assert json.loads(encode(answer)) == answer
    # orjson refuses these; the stdlib encodes them as before
    for odd in ({"n": 2**70}, {"s": "\ud800"}, {"k": {1: "int key"}}):
        assert encode(odd) == json.dumps(odd).encode()


def test_long_numbers_in_an_event_keep_their_exact_value() -> None:
    body = b'{"a": -9223372036854775809, "b": 123456789012345678901234567890, "c": 0.1000000000000000055511}'
    parsed = parse_body(body)
    assert parsed == json.loads(body)
    assert isinstance(parsed, dict) and type(parsed["a"]) is int and type(parsed["b"]) is int
    # what only the stdlib takes, it reads, and refuses the values no UTF-8 JSON holds (jsontext)
    assert parse_body(b'{"a": "\\ud83d\\ude00", "b": 12345678901234567890}') == {
        "a": "\U0001f600",
        "b": 12345678901234567890,
    }
    with pytest.raises(InvalidJSON, match="`a`: a JSON number must be finite"):
        parse_body(b'{"a": NaN, "b": 12345678901234567890}')
    with pytest.raises(InvalidJSON, match="`b`: a string holds half of a surrogate pair"):
        parse_body(b'{"a": 1, "b": "\\ud800"}')
    assert parse_body(b'{"x": [1, 2.5, "\\u00e9"]}') == {"x": [1, 2.5, "é"]}


async def test_the_first_credential_header_decides_as_before() -> None:
    app = await _app()
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{OURS}") as c:
        body = json.dumps(READ).encode()
        good, bad = AGENT["Authorization"], auth("bad")["Authorization"]
        first_good = [("Authorization", good), ("Authorization", bad), ("Content-Type", "application/json")]
        r = await c.post(FAST, content=body, headers=first_good)
        assert r.status_code == 200, r.text
        first_bad = [("Authorization", bad), ("Authorization", good), ("Content-Type", "application/json")]
        r = await c.post(FAST, content=body, headers=first_bad)
        assert r.status_code == 401 and r.json()["message"] == "invalid or revoked token"
        # a cookie header without the sign-in cookie is no credential
        r = await c.post(FAST, content=body, headers={**JSON_TYPE, "Cookie": "other=1; theme=dark"})
        assert r.status_code == 401 and "a credential is required" in r.json()["message"]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ([("Host", EVIL), ("Host", OURS)], 400),  # the first Host decides, whatever follows
        ([("Host", OURS), ("Host", EVIL)], 200),
        ([("Content-Type", "text/plain"), ("Content-Type", "application/json")], 415),
        ([("Content-Type", "application/json"), ("Content-Type", "text/plain")], 200),
        ([("Origin", f"http://{EVIL}"), ("Origin", f"http://{OURS}")], 403),
        ([("Origin", f"http://{OURS}"), ("Origin", f"http://{EVIL}")], 200),
    ],
)
async def test_the_first_of_each_repeated_header_decides_on_both_paths(
    headers: list[tuple[str, str]], status: int
) -> None:
    app = await _app()
    body = json.dumps(READ).encode()
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    answers = []
    for path in (FAST, STACK):
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{OURS}") as c:
            names = {name.lower() for name, _ in headers}
            rest = [(k, v) for k, v in {**AGENT, **JSON_TYPE}.items() if k.lower() not in names]
            # httpx sends its own Host first unless told: the list's Host headers replace it
            request = c.build_request("POST", path, content=body, headers=[*headers, *rest])
            if "host" in names:
                request.headers = httpx.Headers(
                    [*headers, *[(k, v) for k, v in request.headers.multi_items() if k.lower() != "host"]]
                )
            answers.append(await c.send(request))
    fast, stack = answers
    assert fast.status_code == status, fast.text
    if status != 200:
        assert (stack.status_code, stack.json()) == (fast.status_code, fast.json())
    else:
        assert stack.status_code == 404  # served by the stack's documented route: no such long session


#: what the fast path served before it read the path with slices: its pattern, then one more
#: percent-decoding of the id
_PATTERN = re.compile(r"^/v1/sessions/([^/]{1,200})/events$")
_PATHS = [
    "/v1/sessions/s1/events",
    "/v1/sessions//events",
    "/v1/sessions/events",
    "/v1/sessions/a/b/events",
    "/v1/sessions/a%2Fb/events",
    "/v1/sessions/%41%/events",
    "/v1/sessions/a\n/events",
    "/v1/sessions/a/events\n",
    "/v1/sessions/a/events/",
    "/v1/sessions/é ✓/events",
    "/v2/sessions/a/events",
    "//v1/sessions/a/events",
    f"/v1/sessions/{'x' * 200}/events",
    f"/v1/sessions/{'x' * 201}/events",
    f"/v1/sessions/{'%' * 200}/events",
]


def _by_pattern(scope: dict[str, Any]) -> str | None:
    if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].endswith("/events"):
        return None
    match = _PATTERN.match(scope["path"])
    return None if match is None else unquote(match.group(1))


@pytest.mark.parametrize("path", _PATHS)
@pytest.mark.parametrize(("kind", "method"), [("http", "POST"), ("http", "GET"), ("websocket", "POST")])
def test_the_session_id_is_read_as_the_pattern_read_it(path: str, kind: str, method: str) -> None:
    scope = {"type": kind, "method": method, "path": path}
    assert EventsFastPath.session_id(scope) == _by_pattern(scope)


@given(st.text(alphabet="/%ab1\n\x00é", max_size=12), st.text(alphabet="/ents", max_size=8))
def test_any_path_is_read_as_the_pattern_read_it(middle: str, tail: str) -> None:
    for path in (f"/v1/sessions/{middle}/events", f"/v1/sessions/{middle}{tail}", f"/v1/{middle}/events{tail}"):
        scope = {"type": "http", "method": "POST", "path": path}
        assert EventsFastPath.session_id(scope) == _by_pattern(scope)


async def test_headers_that_passed_once_are_checked_again_where_they_can_differ() -> None:
    """The guard's outcome for a set of headers is kept once they passed with a JSON body; the
    path, query, size and depth are still checked on every request, and other headers are not
    taken for them."""
    app = await _app()
    body = json.dumps(READ).encode()
    headers = {**AGENT, **JSON_TYPE}
    assert (await _post(app, FAST, OURS, "", headers, body)).status_code == 200
    assert len(app.fast_path.passed) == 1
    assert (await _post(app, FAST, OURS, "?agent=%01", headers, body)).json()["code"] == "invalid_id"
    assert (await _post(app, "/v1/sessions/s%01/events", OURS, "", headers, body)).json()["code"] == "invalid_id"
    assert (await _post(app, FAST, OURS, "", headers, DEEP)).json()["code"] == "invalid_json"
    assert (await _post(app, FAST, OURS, "", headers, BIG)).status_code == 413
    assert (await _post(app, FAST, EVIL, "", headers, body)).json()["code"] == "invalid_host"
    assert (await _post(app, FAST, OURS, "", {**AGENT, **TEXT}, body)).status_code == 415
    origin = {**headers, "Origin": f"http://{EVIL}"}
    assert (await _post(app, FAST, OURS, "", origin, body)).json()["code"] == "csrf_failed"
    assert len(app.fast_path.passed) == 1  # refusals are not kept
    assert (await _post(app, FAST, OURS, "", headers, body)).status_code == 200


async def test_a_body_in_several_messages_is_read_whole() -> None:
    """A declared length with the body in several messages (the first one received by the fast
    path itself): the same answer as in one message, and over the limit a 413."""
    app = await _app()
    body = json.dumps(READ).encode()
    for size in (len(body), 7, 1):
        messages = [
            {"type": "http.request", "body": body[i : i + size], "more_body": i + size < len(body)}
            for i in range(0, len(body), size)
        ]
        sent = await _asgi(app, body, messages)
        assert sent[0]["status"] == 200 and json.loads(sent[1]["body"])["result"] == "ALLOW"
    big = json.dumps({**READ, "data": "y" * 400}).encode()
    lying = [
        {"type": "http.request", "body": big[:200], "more_body": True},
        {"type": "http.request", "body": big[200:]},
    ]
    sent = await _asgi(app, body, lying)  # declares the small body's length, sends the large one
    assert sent[0]["status"] == 413


async def _asgi(
    app: Any, declared: bytes, messages: list[dict[str, Any]], server: Any = ("127.0.0.1", 6767)
) -> list[dict[str, Any]]:
    headers = [(b"host", OURS.encode()), (b"content-length", str(len(declared)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in {**AGENT, **JSON_TYPE}.items()]
    scope = {"type": "http", "method": "POST", "path": FAST, "raw_path": FAST.encode(), "query_string": b""}
    scope.update(headers=headers, client=("127.0.0.1", 40000), server=server, scheme="http")
    queue, sent = list(messages), []

    async def receive() -> dict[str, Any]:
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


async def test_a_server_given_as_a_list_is_served() -> None:
    """ASGI servers (and Starlette's TestClient) may give ``server`` as a list: the kept header
    checks read only what the guard reads of it (whether it is the internal name)."""
    app = await _app()
    body = json.dumps(READ).encode()
    for server in (["127.0.0.1", 6767], ("127.0.0.1", 6767), None):
        sent = await _asgi(app, body, [{"type": "http.request", "body": body}], server=server)
        assert sent[0]["status"] == 200, sent
    assert len(app.fast_path.passed) == 1  # none of them the internal name: one key
