"""``POST /v1/sessions/{id}/events``, byte for byte: status, headers and body of every answer.

A fixed run (fixed clock, approval ids and policy timings) of representative requests — ALLOW,
DENY (with the policies it skipped), ASK with its approval, a shadow policy, ``?wait=`` and
``?agent=``, the route behind the middleware stack, and the refusals 400, 401, 404, 413, 415
and 422 — is compared with ``fixtures/answer_bytes.json``, recorded from the server before the
fast path's per-request work was cut.  A change that means to alter an answer re-records it
(``python tests/server/test_answer_bytes.py``) and says why.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

FIXTURES = Path(__file__).parent / "fixtures"
RECORDED = FIXTURES / "answer_bytes.json"
if str(FIXTURES) not in sys.path:
    sys.path.insert(0, str(FIXTURES))

from server_support import add_tokens, auth, make_app  # noqa: E402

from goalrail.store.memory import MemoryStore  # noqa: E402

CONFIG = """
auth: {mode: tokens}
server: {allowed_hosts: [goalrail.example]}
limits: {max_body_bytes: 2000, max_json_depth: 6}
policy_modules: [gr_testpolicies]
policies:
  cap: {type: function, handler: gr_testpolicies.max_calls, factory_params: {limit: 4}}
  watch: {type: function, handler: gr_testpolicies.deny_target, factory_params: {contains: watched}, mode: shadow}
  bank: {type: function, handler: gr_testpolicies.deny_target, factory_params: {contains: bank}}
  shell: {type: function, handler: gr_testpolicies.ask_on_tool}
  mark: {type: function, handler: gr_testpolicies.mark}
  budget:
    type: function
    handler: goalrail.policies.builtins.cost.cost_budget
    factory_params: {max_cost_usd: 1.0, ask_thresholds_usd: [0.5]}
"""
JSON_TYPE = {"content-type": "application/json"}
AGENT, BOB = auth("alice_agent"), auth("bob_agent")
READ = {"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": "/tmp/x"}}}
SHELL = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "rm -rf build"}}}
BANK = {"type": "tool_call", "target": "mcp__bank__pay", "data": {"arguments": {"amount": 5}}}
WATCHED = {"type": "tool_call", "target": "watched_tool", "data": {"arguments": {}}}
LLM = {  # one id with its response: only that response releases the budget's reservation
    "id": "call-1",
    "type": "llm_request",
    "target": "gpt-4o",
    "data": {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
}
LLM_DONE = {
    "id": "call-1",
    "type": "llm_response",
    "target": "gpt-4o",
    "data": {"model": "gpt-4o", "usage": {"input_tokens": 120000, "output_tokens": 20000}},
}


def _body(value: Any) -> bytes:
    return value if isinstance(value, bytes) else json.dumps(value).encode()


#: (name, session, query, headers, body): sent in this order to one app
REQUESTS: list[tuple[str, str, str, dict[str, str], Any]] = [
    ("allow", "s1", "", {**AGENT, **JSON_TYPE}, READ),
    ("ask with approval", "s1", "", {**AGENT, **JSON_TYPE}, SHELL),
    ("deny, the rest skipped", "s1", "", {**AGENT, **JSON_TYPE}, BANK),
    ("shadow policy denies", "s1", "", {**AGENT, **JSON_TYPE}, WATCHED),
    ("llm request", "s1", "", {**AGENT, **JSON_TYPE}, LLM),
    ("llm response: spend", "s1", "", {**AGENT, **JSON_TYPE}, LLM_DONE),
    ("llm request past the ask threshold", "s1", "", {**AGENT, **JSON_TYPE}, LLM),
    ("past the threshold, at the cap", "s1", "", {**AGENT, **JSON_TYPE}, READ),
    ("new session, agent and wait in the query", "s2", "?agent=nobody&wait=0", {**AGENT, **JSON_TYPE}, READ),
    ("wait in the query", "s2", "?wait=0", {**AGENT, **JSON_TYPE}, READ),
    ("allowed host", "s2", "", {**AGENT, **JSON_TYPE, "host": "goalrail.example"}, READ),
    ("media type with parameters", "s2", "", {**AGENT, "content-type": "application/json; charset=utf-8"}, READ),
    (
        "long number in the event",
        "s2",
        "",
        {**AGENT, **JSON_TYPE},
        b'{"type": "tool_call", "target": "Read", "data": {"n": 123456789012345678901234567890}}',
    ),
    ("session id with an escape", "s%20three", "", {**AGENT, **JSON_TYPE}, READ),
    ("long session id (the stack's route)", "x" * 201, "", {**AGENT, **JSON_TYPE}, READ),
    ("400 invalid json", "s1", "", {**AGENT, **JSON_TYPE}, b"{"),
    ("400 too deep", "s1", "", {**AGENT, **JSON_TYPE}, b'{"a": [[[[[[["deep"]]]]]]]}'),
    ("400 host", "s1", "", {**AGENT, **JSON_TYPE, "host": "evil.example"}, READ),
    ("400 control character", "s1", "?agent=%01", {**AGENT, **JSON_TYPE}, READ),
    ("400 wait", "s1", "?wait=soon", {**AGENT, **JSON_TYPE}, READ),
    ("400 negative wait", "s1", "?wait=-1", {**AGENT, **JSON_TYPE}, READ),
    ("401 no credential", "s1", "", JSON_TYPE, READ),
    ("401 bad token", "s1", "", {**auth("bad"), **JSON_TYPE}, READ),
    ("401 bad scheme", "s1", "", {"authorization": "Basic abc", **JSON_TYPE}, READ),
    ("403 origin", "s1", "", {**AGENT, **JSON_TYPE, "origin": "http://evil.example"}, READ),
    ("404 another owner's session", "s1", "", {**BOB, **JSON_TYPE}, READ),
    ("413 too large", "s1", "", {**AGENT, **JSON_TYPE}, {**READ, "data": "y" * 3000}),
    ("415 text", "s1", "", {**AGENT, "content-type": "text/plain"}, READ),
    ("415 no type", "s1", "", AGENT, READ),
    ("422 not an event", "s1", "", {**AGENT, **JSON_TYPE}, {"type": 5}),
    ("422 not an object", "s1", "", {**AGENT, **JSON_TYPE}, [1, 2]),
]


async def _send(app: Any, session: str, query: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    path = f"/v1/sessions/{session}/events"
    raw = [(b"host", b"127.0.0.1:6767")] if "host" not in headers else []
    raw += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw.append((b"content-length", str(len(body)).encode()))
    from urllib.parse import unquote

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 6767),
        "client": ("127.0.0.1", 40000),
        "scheme": "http",
        "root_path": "",
        "method": "POST",
        "path": unquote(path),
        "raw_path": path.encode(),
        "query_string": query.lstrip("?").encode(),
        "headers": raw,
        "state": {},
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start, whole = sent[0], b"".join(m.get("body", b"") for m in sent[1:])
    return {
        "status": start["status"],
        "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in start["headers"]],
        "body": whole.decode("utf-8"),
    }


async def _run(clock: Callable[[], float]) -> list[dict[str, Any]]:
    store = MemoryStore()
    await add_tokens(store)
    app = make_app(CONFIG, store=store)
    app.state.goalrail.runtime.clock = clock
    out = []
    async with app.router.lifespan_context(app):
        for name, session, query, headers, body in REQUESTS:
            out.append({"name": name, **await _send(app, session, query, headers, _body(body))})
    return out


def transcript() -> list[dict[str, Any]]:
    """Every answer of ``REQUESTS``, with a fixed clock, approval ids and policy timings."""
    clock = itertools.count(1_800_000_000_000)
    ids = itertools.count()

    def ticks() -> Callable[[], float]:
        count = itertools.count()
        return lambda: next(count) * 3.7e-7

    def now() -> float:
        return next(clock) / 1000

    with (
        mock.patch.object(time, "time", now),
        mock.patch("goalrail.engine.evaluate.perf_counter", ticks()),
        mock.patch("goalrail.engine.dispatch.perf_counter", ticks()),
        mock.patch("goalrail.engine.offload.perf_counter", ticks()),
        mock.patch("secrets.token_hex", lambda n=32: f"{next(ids):0{2 * n}x}"),
    ):
        return asyncio.run(_run(now))


def test_every_answer_is_the_recorded_one_byte_for_byte() -> None:
    recorded = json.loads(RECORDED.read_text())
    got = transcript()
    assert [g["name"] for g in got] == [r["name"] for r in recorded]
    for g, r in zip(got, recorded, strict=True):
        assert g == r, g["name"]


def test_the_recording_covers_every_kind_of_answer() -> None:
    recorded = json.loads(RECORDED.read_text())
    statuses = {r["status"] for r in recorded}
    assert {200, 400, 401, 403, 404, 413, 415, 422} <= statuses
    results = {json.loads(r["body"]).get("result") for r in recorded if r["status"] == 200}
    assert {"ALLOW", "DENY", "ASK"} <= results
    assert any('"approval_id":"apr_' in r["body"] for r in recorded)
    assert any('"SKIPPED"' in r["body"] for r in recorded)


if __name__ == "__main__":
    RECORDED.write_text(json.dumps(transcript(), indent=1, ensure_ascii=False) + "\n")
