"""Every route of the server, attacked as a hostile client would, over real HTTP.

One uvicorn server on a SQLite file (in a thread, the app ``create_app`` builds), seeded with
a session holding a pending approval, session and server policies, an agent spec and a token.
The routes are read from the app itself (a route added later is probed too, or the inventory
test names it): each route that takes a body gets every body probe, each route with an id in
its path every id probe.  Each probe expects a 4xx ``{"code", "message", "errors"}`` (never a
5xx, a hang, or a 2xx that stored the value), and the stored state (the session, its audit
chain's verification, approvals, policies, agents, tokens) is compared after each route's probes.

Probe classes: values Python's ``json`` reads but no UTF-8 JSON holds (``NaN``, ``Infinity``, a
number beyond a double, half of a surrogate pair, in a value or a key); bodies that are not
JSON, not UTF-8 or of another type; ids spelled with dot segments, encoded slashes, bytes that
are not UTF-8, long ids; bodies over the limit with and without a length; tokens missing,
malformed, in the query string or of another user; YAML agent specs with alias bombs, recursive
aliases, surrogate escapes, tags and duplicate keys; the LLM proxy's bodies.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from goalrail.config.server import server_config_from_text
from goalrail.server import create_app
from goalrail.server.limits import LLM_PATHS

ERROR_KEYS = {"code", "message", "errors"}
CONSOLE = "grc_hostile-console"
TOKENS = {
    "admin": ("hx-admin-token", "root", "admin"),
    "alice": ("hx-alice-token", "alice", "user"),
    "bob": ("hx-bob-token", "bob", "user"),
    "agent": ("hx-agent-token", "alice", "agent"),
}
BODY_LIMIT = 65_536
BUDGET = "goalrail.policies.builtins.safety.max_tool_calls_per_session"
SHELL = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "make deploy"}}}
READ = {"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": "/tmp/x"}}}
AGENT_YAML = (
    f"name: probe-agent\npolicies:\n  cap: {{type: function, handler: {BUDGET}, factory_params: {{limit: 9}}}}\n"
)
#: the routes answering in another protocol's shape, by design: the LLM proxy (the provider's
#: error shape, probed below), the OpenAI endpoints it refuses (501), the harness hooks (a deny)
OWN_SHAPE = re.compile(r"^/(v1/(responses|completions|threads)(/|$)|hooks/)")
#: state-changing routes that take no body (the body probes do not apply; the id probes do)
NO_BODY = {
    ("DELETE", "/v1/sessions/{session_id}/policies/{policy_id}"),
    ("DELETE", "/v1/policies/{policy_id}"),
    ("DELETE", "/v1/tokens/{token_id}"),
    ("POST", "/v1/auth/logout"),
}
CHANGING = {"POST", "PATCH", "PUT", "DELETE"}


def _config(home: Path) -> str:
    lines = [
        f"database_url: 'sqlite:///{home / 'g.db'}'",
        "policy_modules: [gr_testpolicies]",
        "policies:",
        "  gate: {type: function, handler: gr_testpolicies.ask_on_tool}",
        f"limits: {{max_body_bytes: {BODY_LIMIT}}}",
        "llm_proxy: {upstream: 'http://127.0.0.1:9/v1', anthropic_upstream: 'http://127.0.0.1:9'}",
        "auth:",
        "  mode: tokens",
        "  tokens:",
    ]
    for token, user, role in TOKENS.values():
        lines.append(f"    - {{user: {user}, role: {role}, sha256: {hashlib.sha256(token.encode()).hexdigest()}}}")
    return "\n".join(lines) + "\n"


def _routes(app: Any) -> list[tuple[str, str, bool]]:
    """(method, path template, documented) of every route the app serves, HEAD aside."""
    found: list[tuple[str, str, bool]] = []

    def add(route: Any) -> None:
        path = getattr(route, "path", None)
        for method in sorted(getattr(route, "methods", None) or ()):
            if path is not None and method != "HEAD":
                found.append((method, path, bool(getattr(route, "include_in_schema", False))))

    for route in app.routes:
        candidates = getattr(route, "effective_candidates", None)
        if candidates is None:
            add(route)
            continue
        for candidate in candidates():
            add(getattr(candidate, "route", candidate))
    return sorted(set(found))


# The app's routes, read once at collection (a route added to the server is probed as well).
_PROBE_HOME = Path("/nonexistent-hostile-http")
ROUTES = _routes(create_app(server_config_from_text(_config(_PROBE_HOME)), console_token=CONSOLE))
API = [(m, p) for m, p, documented in ROUTES if documented and p.startswith("/v1/") and p not in LLM_PATHS]
BODY_ROUTES = [(m, p) for m, p in API if m in CHANGING and (m, p) not in NO_BODY]
ID_ROUTES = [(m, p) for m, p, _ in ROUTES if "{" in p and not OWN_SHAPE.match(p) and p.startswith("/v1/")]


# -- the server --------------------------------------------------------------------------
@dataclass
class Live:
    port: int
    seeded: dict[str, str] = field(default_factory=dict)

    def raw(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        who: str | None = None,
        chunked: bool = False,
    ) -> tuple[int, bytes]:
        """One request on its own connection; ``path`` is sent exactly as given (no normalizing)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            hdrs = dict(headers or {})
            if who is not None:
                hdrs["Authorization"] = f"Bearer {TOKENS[who][0]}"
            if body is not None and "Content-Type" not in hdrs:
                hdrs["Content-Type"] = "application/json"
            conn.putrequest(method, path, skip_accept_encoding=True)
            for name, value in hdrs.items():
                conn.putheader(name, value)
            if chunked:
                conn.putheader("Transfer-Encoding", "chunked")
            elif body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders()
            try:
                if chunked and body is not None:
                    for start in range(0, len(body), 16_384):
                        piece = body[start : start + 16_384]
                        conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
                    conn.send(b"0\r\n\r\n")
                elif body:
                    conn.send(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # answered (413) before the whole body was sent
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def json(self, method: str, path: str, value: Any = None, who: str | None = "alice") -> tuple[int, Any]:
        status, data = self.raw(method, path, None if value is None else json.dumps(value).encode(), who=who)
        return status, json.loads(data) if data else None

    def state(self) -> dict[str, Any]:
        """What the probes must leave as it was (timestamps of the verification aside)."""
        out: dict[str, Any] = {}
        for path, who in (
            ("/v1/sessions/s1", "alice"),
            ("/v1/sessions/s1/trace", "alice"),
            ("/v1/sessions/s1/policies", "alice"),
            ("/v1/sessions/s1/usage", "alice"),
            ("/v1/approvals", "alice"),
            ("/v1/audit/verify", "admin"),
            ("/v1/audit", "admin"),
            ("/v1/policies", "admin"),
            ("/v1/agents", "admin"),
            ("/v1/tokens", "admin"),
        ):
            status, data = self.raw("GET", path, who=who)
            out[path] = (status, data.decode("utf-8", "replace"))
        return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    home = tmp_path_factory.mktemp("hostile")
    app = create_app(server_config_from_text(_config(home)), console_token=CONSOLE)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # (a poll: ends when up)
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.02)
    lv = Live(port)
    try:
        _seed(lv)
        yield lv
    finally:
        server.should_exit = True
        thread.join(10)


def _seed(lv: Live) -> None:
    status, answer = lv.json("POST", "/v1/sessions/s1/events", READ, who="agent")
    assert status == 200, answer
    status, answer = lv.json("POST", "/v1/sessions/s1/events", {**SHELL, "type": "tool_call"}, who="agent")
    assert status == 200 and answer["result"] == "ASK", answer
    lv.seeded["approval_id"] = answer["approval_id"]
    status, answer = lv.json(
        "POST",
        "/v1/sessions/s1/policies",
        {"name": "sp", "type": "function", "handler": BUDGET, "factory_params": {"limit": 50}},
    )
    assert status == 201, answer
    lv.seeded["session_policy"] = answer["id"]
    status, answer = lv.json(
        "POST",
        "/v1/policies",
        {"name": "gp", "type": "function", "handler": BUDGET, "factory_params": {"limit": 50}},
        who="admin",
    )
    assert status == 201, answer
    lv.seeded["server_policy"] = answer["id"]
    status, data = lv.raw("POST", "/v1/agents", AGENT_YAML.encode(), {"Content-Type": "application/yaml"}, who="admin")
    assert status in (200, 201), data
    status, answer = lv.json("POST", "/v1/tokens", {"user": "alice", "role": "agent", "label": "probe"}, who="admin")
    assert status in (200, 201), answer
    lv.seeded["token_id"] = answer["id"]


def _ids(lv: Live, path: str) -> dict[str, str]:
    policy = lv.seeded["session_policy"] if path.startswith("/v1/sessions/") else lv.seeded["server_policy"]
    return {
        "session_id": "s1",
        "approval_id": lv.seeded["approval_id"],
        "policy_id": policy,
        "token_id": lv.seeded["token_id"],
        "name": "probe-agent",
        "handler": BUDGET,
    }


def _fill(path: str, ids: dict[str, str], **over: str) -> str:
    return re.sub(r"\{(\w+)(?::path)?\}", lambda m: over.get(m.group(1), ids.get(m.group(1), "x")), path)


def _who(method: str, path: str) -> str:
    if "/events" in path or ("/usage" in path and method == "POST"):
        return "agent"
    if path.startswith(("/v1/policies", "/v1/tokens", "/v1/agents", "/v1/audit")):
        return "admin"
    return "alice"


def _shape(status: int, data: bytes) -> str | None:
    """What is wrong with an answer to a bad request (``None``: a 4xx in the error shape)."""
    if not 400 <= status < 500:
        return f"answered {status}: {data[:160]!r}"
    try:
        body = json.loads(data)
    except ValueError:
        return f"answered {status} without JSON: {data[:160]!r}"
    if not (isinstance(body, dict) and set(body) == ERROR_KEYS and isinstance(body["errors"], list)):
        return f"answered {status} without the error shape: {body!r:.160}"
    if not (isinstance(body["code"], str) and isinstance(body["message"], str) and body["message"]):
        return f"answered {status} without a code and message: {body!r:.160}"
    return None


# -- body probes -----------------------------------------------------------------------------
#: (name, body, the location the error must name): values Python's json reads, no UTF-8 JSON holds
VALUE_PROBES: list[tuple[str, bytes, str]] = [
    ("nan", b'{"x": NaN}', "x"),
    ("infinity", b'{"x": Infinity}', "x"),
    ("minus_infinity", b'{"x": [1, -Infinity]}', "x.1"),
    ("exponent_overflow", b'{"x": 1e400}', "x"),
    ("digits_overflow", b'{"x": 1' + b"0" * 400 + b".5}", "x"),
    ("high_surrogate", b'{"x": "ok \\ud800"}', "x"),
    ("low_surrogate", b'{"x": {"y": "\\udc00 ok"}}', "x.y"),
    ("reversed_pair", b'{"x": "\\udc00\\ud800"}', "x"),
    ("surrogate_key", b'{"\\ud83d": 1}', "\\ud83d"),
]
#: the same values where the routes taking any JSON read them: an event's arguments (a policy
#: comparing ``n > 100`` is false for NaN; a lone surrogate makes the session unreadable)
EVENT_VALUE = b'{"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls", "n": %s}}}'
ROUTE_VALUE = {"/v1/sessions/{session_id}/events": EVENT_VALUE, "/v1/sessions/{session_id}/evaluate": EVENT_VALUE}
IN_PLACE = [b"NaN", b"-Infinity", b"1e999", b'"\\udfff"']
#: bodies that are not JSON (or not of a type the route takes): 400 or 415
NOT_JSON: list[tuple[str, bytes, dict[str, str]]] = [
    ("truncated", b'{"x": ', {}),
    ("not_utf8", b'{"x": "\xff\xfe"}', {}),
    ("encoded_surrogate", b'{"x": "\xed\xa0\x80"}', {}),
    ("text_plain", b'{"x": 1}', {"Content-Type": "text/plain"}),
    ("form", b"x=1", {"Content-Type": "application/x-www-form-urlencoded"}),
    ("deep", b"[" * 5000 + b"]" * 5000, {}),
]


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES, ids=[f"{m} {p}" for m, p in BODY_ROUTES])
def test_every_body_route_refuses_values_no_json_holds_naming_where(live: Live, method: str, path: str) -> None:
    ids = _ids(live, path)
    url = _fill(path, ids)
    ctype = {"Content-Type": "application/x-ndjson"} if path == "/v1/sessions/import" else {}
    before = live.state()
    failures = []
    probes = list(VALUE_PROBES)
    template = ROUTE_VALUE.get(path)
    if template is not None:
        probes += [(f"in_place {value.decode()}", template % value, "data.arguments.n") for value in IN_PLACE]
    for name, body, loc in probes:
        if path == "/v1/sessions/import":
            body = TRACE_HEADER + b"\n" + body + b"\n"
        status, data = live.raw(method, url, body, ctype, who=_who(method, path))
        problem = _shape(status, data)
        if problem is None:
            answer = json.loads(data)
            if status != 400 or answer["code"] != "invalid_json":
                problem = f"answered {status} {answer['code']}: {answer['message'][:120]}"
            elif loc and [e.get("loc") for e in answer["errors"]][:1] != [loc]:
                problem = f"named {answer['errors']!r:.80}, not {loc!r}"
        if problem:
            failures.append(f"{name}: {problem}")
    assert not failures, f"{method} {path}:\n  " + "\n  ".join(failures)
    assert live.state() == before


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES, ids=[f"{m} {p}" for m, p in BODY_ROUTES])
def test_every_body_route_answers_what_is_not_json_with_a_4xx(live: Live, method: str, path: str) -> None:
    url = _fill(path, _ids(live, path))
    before = live.state()
    failures = []
    for name, body, headers in NOT_JSON:
        status, data = live.raw(method, url, body, headers, who=_who(method, path))
        problem = _shape(status, data)
        if problem:
            failures.append(f"{name}: {problem}")
    assert not failures, f"{method} {path}:\n  " + "\n  ".join(failures)
    assert live.state() == before


def test_a_message_names_the_value_and_quotes_no_secret(live: Live) -> None:
    body = (
        b'{"type": "tool_call", "target": "Bash", "data": {"arguments": '
        b'{"command": "curl -H \'Authorization: Bearer sk-live-4f9a8b7c6d5e4f3a2b1c\'", "n": NaN}}}'
    )
    for path in ("/v1/sessions/s1/events", "/v1/sessions/s1/evaluate"):
        status, data = live.raw("POST", path, body, who="agent")
        answer = json.loads(data)
        assert status == 400 and answer["code"] == "invalid_json", answer
        assert answer["errors"] == [{"loc": "data.arguments.n", "message": answer["errors"][0]["message"]}]
        assert "finite" in answer["message"] and "sk-live" not in data.decode()


TRACE_HEADER = b'{"format": "goalrail-trace", "version": 1, "session": {"id": "t", "owner": "alice", "state": {}}}'
TRACE_EVENT = (
    b'{"kind": "event", "seq": 1, "event": {"type": "tool_call", "target": "Read", '
    b'"data": {"arguments": {"file_path": %s}}}}'
)


@pytest.mark.parametrize("value", [b'"\\ud800"', b"NaN", b"-1e400"], ids=["surrogate", "nan", "overflow"])
def test_a_trace_line_holding_such_a_value_is_refused_naming_the_line(live: Live, value: bytes) -> None:
    """A recorded trace (JSON Lines) imported as a session: nothing is imported, the line is named."""
    before = live.state()
    body = b"\n".join([TRACE_HEADER, TRACE_EVENT % b'"/a"', TRACE_EVENT.replace(b'"seq": 1', b'"seq": 2') % value, b""])
    sid = "imp-" + hashlib.sha256(value).hexdigest()[:8]
    status, data = live.raw(
        "POST", f"/v1/sessions/import?id={sid}", body, {"Content-Type": "application/x-ndjson"}, who="alice"
    )
    answer = json.loads(data)
    assert status == 400 and answer["code"] == "invalid_json", answer
    assert "(line 3)" in answer["message"] and answer["errors"][0]["loc"] == "event.data.arguments.file_path"
    assert live.raw("GET", f"/v1/sessions/{sid}", who="alice")[0] == 404
    assert live.state() == before


def test_well_formed_values_still_go_through(live: Live) -> None:
    """Controls: an emoji as an escaped surrogate pair, large finite numbers, `NaN` inside a string."""
    before_count = json.loads(live.raw("GET", "/v1/audit/verify", who="admin")[1])["count"]
    for arg in ('"\\ud83d\\ude00 deploy"', "1e308", "123456789012345678901234567890", '"NaN Infinity \\\\ud800"'):
        body = (
            b'{"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": "/t", "n": %s}}}'
        ) % arg.encode()
        status, data = live.raw("POST", "/v1/sessions/s-ok/events", body, who="agent")
        assert status == 200, (arg, data)
    status, data = live.raw("GET", "/v1/sessions/s-ok/trace", who="alice")
    assert status == 200 and ("\U0001f600".encode() in data or b"\\ud83d\\ude00" in data), data[-300:]
    assert json.loads(live.raw("GET", "/v1/audit/verify", who="admin")[1])["ok"] is True
    assert json.loads(live.raw("GET", "/v1/audit/verify", who="admin")[1])["count"] == before_count + 4


# -- ids in paths ------------------------------------------------------------------------------
BAD_IDS = [
    "..",
    "%2e%2e",
    "%2F..%2F",
    "a%2Fb",
    "%C3%A9%E4%B8%AD",
    "x" * 5000,
    "%ff",
    "%ed%a0%80",
    "%00",
    "%20",
    "%5C..%5C",
]


@pytest.mark.parametrize(("method", "path"), ID_ROUTES, ids=[f"{m} {p}" for m, p in ID_ROUTES])
def test_every_id_spelling_answers_a_4xx_and_changes_nothing(live: Live, method: str, path: str) -> None:
    ids = _ids(live, path)
    before = live.state()
    failures = []
    for name in re.findall(r"\{(\w+)", path):
        for bad in BAD_IDS:
            url = _fill(path, ids, **{name: bad})
            body = b"{}" if method in CHANGING and (method, path) not in NO_BODY else None
            status, data = live.raw(method, url, body, who="admin" if _who(method, path) == "admin" else "alice")
            problem = _shape(status, data)
            if problem:
                failures.append(f"{name}={bad[:20]}: {problem}")
    assert not failures, f"{method} {path}:\n  " + "\n  ".join(failures)
    assert live.state() == before


# -- bodies over the limit ---------------------------------------------------------------------
@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
def test_bodies_over_the_limit_are_413_on_every_body_route(live: Live, chunked: bool) -> None:
    before = live.state()
    big = b'{"x": "' + b"a" * (BODY_LIMIT + 10) + b'"}'
    failures = []
    for method, path in BODY_ROUTES:
        status, data = live.raw(method, _fill(path, _ids(live, path)), big, who=_who(method, path), chunked=chunked)
        if status != 413 or json.loads(data)["code"] != "payload_too_large":
            failures.append(f"{method} {path}: {status} {data[:100]!r}")
    assert not failures, "\n".join(failures)
    assert live.state() == before


# -- tokens ------------------------------------------------------------------------------------
BAD_AUTH = [
    {},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer "},
    {"Authorization": f"Bearer {TOKENS['alice'][0]} extra"},
    {"Authorization": f"Basic {TOKENS['alice'][0]}"},
    {"Authorization": f"bearer{TOKENS['alice'][0]}"},
    {"Authorization": "Bearer " + "A" * 10_000},
    {"Authorization": f"Bearer {TOKENS['alice'][0][:-1]}"},
    {"Cookie": "goalrail_session=not-a-token"},
    {"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1", "Forwarded": "for=127.0.0.1"},
]


def test_no_route_takes_a_missing_malformed_or_query_string_token(live: Live) -> None:
    """Every API route but the public ones answers 401 (in the shape) to each, on real HTTP."""
    public = {("GET", "/healthz"), ("GET", "/v1/policy-registry"), ("GET", "/v1/policy-registry/{handler}")}
    public |= {("POST", "/v1/auth/login"), ("POST", "/v1/auth/logout"), ("GET", "/metrics")}
    before = live.state()
    failures = []
    token = TOKENS["admin"][0]
    for method, path in API:
        if (method, path) in public:
            continue
        url = _fill(path, _ids(live, path))
        body = b"{}" if method in CHANGING else None
        queries = [f"?token={token}", f"?access_token={token}", f"?api_key={token}", f"?authorization=Bearer%20{token}"]
        for headers, query in [*((h, "") for h in BAD_AUTH), *(({}, q) for q in queries)]:
            status, data = live.raw(method, url + query, body, headers)
            if status != 401 or (_shape(status, data) is not None):
                failures.append(f"{method} {path} {sorted(headers)} {query[:14]}: {status} {data[:80]!r}")
    assert not failures, "\n".join(failures[:40])
    assert live.state() == before


def test_another_user_can_neither_read_nor_act_on_alices_things(live: Live) -> None:
    """Bob (a user) and Bob's requests with well-formed bodies: 404 on each of Alice's things."""
    before = live.state()
    ids = _ids(live, "/v1/sessions/")
    calls: list[tuple[str, str, Any]] = [
        ("GET", "/v1/sessions/s1", None),
        ("GET", "/v1/sessions/s1/trace", None),
        ("GET", "/v1/sessions/s1/usage", None),
        ("GET", "/v1/sessions/s1/policies", None),
        ("GET", f"/v1/sessions/s1/policies/{ids['policy_id']}", None),
        ("PATCH", f"/v1/sessions/s1/policies/{ids['policy_id']}", {"enabled": False}),
        ("DELETE", f"/v1/sessions/s1/policies/{ids['policy_id']}", None),
        (
            "POST",
            "/v1/sessions/s1/policies",
            {"name": "b", "type": "function", "handler": BUDGET, "factory_params": {"limit": 1}},
        ),
        ("POST", "/v1/sessions/s1/evaluate", READ),
        ("POST", "/v1/sessions/s1/usage", {"model": "gpt-4o", "input_tokens": 1}),
        ("GET", f"/v1/approvals/{ids['approval_id']}", None),
        ("POST", f"/v1/approvals/{ids['approval_id']}", {"decision": "approve"}),
        ("POST", "/v1/replay", {"session_id": "s1"}),
    ]
    failures = []
    for method, url, value in calls:
        status, answer = live.json(method, url, value, who="bob")
        if status not in (403, 404) or _shape(status, json.dumps(answer).encode()):
            failures.append(f"{method} {url}: {status} {json.dumps(answer)[:120]}")
    status, answer = live.json("GET", "/v1/approvals", who="bob")
    assert status == 200 and answer["data"] == []
    status, answer = live.json("GET", "/v1/sessions", who="bob")
    assert status == 200 and [s["id"] for s in answer["data"]] == []
    for path in ("/v1/audit", "/v1/tokens"):  # Bob's own: none of Alice's
        status, data = live.raw("GET", path, who="bob")
        if status != 200 or json.loads(data)["data"] != []:
            failures.append(f"GET {path}: {status} {data[:120]!r}")
    policy = json.dumps({"name": "b", "type": "function", "handler": BUDGET, "factory_params": {"limit": 1}}).encode()
    for method, path in (("GET", "/v1/audit/verify"), ("POST", "/v1/policies"), ("POST", "/v1/tokens")):
        body = {"POST /v1/policies": policy, "POST /v1/tokens": b'{"user": "alice", "role": "admin"}'}.get(
            f"{method} {path}"
        )
        status, data = live.raw(method, path, body, who="bob")
        if status != 403 or _shape(status, data):
            failures.append(f"{method} {path}: {status} {data[:120]!r}")
    assert not failures, "\n".join(failures)
    assert live.state() == before


# -- YAML agent specs ----------------------------------------------------------------------------
def _bomb(levels: int) -> str:
    lines = ["name: bomb", "description: &a0 [" + ",".join(["lol"] * 10) + "]"]
    lines += [f"x{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    lines += [
        "policies:",
        "  p:",
        "    type: function",
        "    handler: goalrail.policies.builtins.safety.block_skills",
        f"    factory_params: {{blocked: *a{levels - 1}}}",
    ]
    return "\n".join(lines) + "\n"


YAML_PROBES: list[tuple[str, str, str]] = [
    ("alias_bomb", _bomb(7), "aliases expand"),
    ("recursive_alias", "name: r\npolicies: &p\n  p: *p\n", "recursive"),
    ("surrogate_escape", 'name: "probe-agent\\ud800"\npolicies: {}\n', "surrogate"),
    ("surrogate_long_escape", 'name: ok\ndescription: "\\U0000DC00"\npolicies: {}\n', "surrogate"),
    (
        "python_tag",
        "name: !!python/object/apply:os.system ['true']\npolicies: {}\n",
        "could not determine a constructor",
    ),
    ("duplicate_key", "name: a\nname: probe-agent\npolicies: {}\n", "duplicate key"),
    ("unknown_handler", "name: u\npolicies:\n  p: {type: function, handler: os.system}\n", "os.system"),
    (
        "bad_params",
        f"name: u\npolicies:\n  p: {{type: function, handler: {BUDGET}, factory_params: {{limit: -1}}}}\n",
        "limit",
    ),
]


@pytest.mark.parametrize(("name", "text", "named"), YAML_PROBES, ids=[p[0] for p in YAML_PROBES])
@pytest.mark.parametrize("as_json", [False, True], ids=["yaml", "json"])
def test_a_hostile_agent_spec_is_a_prompt_422_and_nothing_is_stored(
    live: Live, name: str, text: str, named: str, as_json: bool
) -> None:
    before = live.state()
    if as_json:
        body, headers = json.dumps({"yaml": text}).encode(), {"Content-Type": "application/json"}
    else:
        body, headers = text.encode(), {"Content-Type": "application/yaml"}
    started = time.monotonic()
    status, data = live.raw("POST", "/v1/agents", body, headers, who="admin")
    # (an expanded alias bomb is 10**7 nodes: tens of seconds; a loaded machine stalls for one or two)
    assert time.monotonic() - started < 10.0, f"{name} took {time.monotonic() - started:.1f}s"
    assert _shape(status, data) is None, data
    answer = json.loads(data)
    assert status == 422 and named in answer["message"] + json.dumps(answer["errors"]), answer
    assert live.state() == before


# -- the LLM proxy -------------------------------------------------------------------------------
@pytest.mark.parametrize("path", sorted(LLM_PATHS))
def test_the_llm_proxy_refuses_values_no_json_holds_in_its_providers_shape(live: Live, path: str) -> None:
    before = live.state()
    failures = []
    message = '{"role": "user", "content": %s}'
    for value in ('"hi \\ud800"', "NaN", "1e999", '"\\udc00"'):
        body = ('{"model": "m", "max_tokens": 5, "messages": [%s]}' % (message % value)).encode()
        status, data = live.raw("POST", path, body, who="agent", headers={"X-Goalrail-Session": "s1"})
        text = data.decode("utf-8", "replace")
        if status != 400 or "invalid" not in text:
            failures.append(f"{value}: {status} {text[:160]}")
    assert not failures, "\n".join(failures)
    assert live.state() == before


# -- the inventory ---------------------------------------------------------------------------------
def test_every_route_is_probed_or_named_here() -> None:
    """A route added to the server is probed by the tests above, or must be named as skipped."""
    probed = set(BODY_ROUTES) | set(NO_BODY) | {(m, p) for m, p in API if m == "GET"}
    skipped = {
        (m, p)
        for m, p, documented in ROUTES
        if p in LLM_PATHS or OWN_SHAPE.match(p) or not p.startswith("/v1/") or not documented
    }
    assert {(m, p) for m, p, _ in ROUTES} - probed - skipped == set()
    assert len(BODY_ROUTES) >= 13 and len(ID_ROUTES) >= 15
