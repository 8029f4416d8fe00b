"""The hot path, ``POST /v1/sessions/{id}/events``, served in front of FastAPI and its
middleware stack (whose layers cost more per request than evaluating a builtin policy).

``GoalrailApp`` (``app.py``) hands the route's requests here before anything else runs,
so this module makes every check the stack would have made, in the same order and with
the same answers: the body limit (413, ``limits.py``), the guard's Host / path / Origin /
content-type / JSON-depth checks (``guard.py``), then authentication, the body and the
query.  The one event handler (``events.SessionEvents``) evaluates; the documented route
in ``routes/events.py`` (kept for OpenAPI and session ids this path does not match) calls
it too.  Errors answer the same ``{"code","message","errors"}`` bodies.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, unquote

import orjson
from starlette.types import Message, Receive, Scope, Send

from goalrail.errors import GoalrailError, InvalidRequest
from goalrail.jsontypes import JsonObject
from goalrail.server.auth import LOOPBACK, SINGLE_USER, Principal, is_loopback
from goalrail.server.errors import error_body
from goalrail.server.events import MAX_SESSION_ID, parse_body
from goalrail.server.guard import GuardRules, answer
from goalrail.server.limits import (
    INTERNAL_HOST,
    BodyLimit,
    Headers,
    declared_length,
    read_limited,
    request_headers,
    too_large,
)
from goalrail.server.state import ServerState

log = logging.getLogger("goalrail.server")


_JSON = (b"content-type", b"application/json")
_LENGTH = b"content-length"
_PASSED_MAX = 256
_SECURE = ("https", "wss")


def encode(answer: JsonObject) -> bytes:
    """The answer as JSON (UTF-8, compact); the stdlib takes what orjson refuses
    (integers beyond 64 bits, lone surrogates, keys that are not strings)."""
    try:
        return orjson.dumps(answer)
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(answer).encode()


class EventsFastPath:
    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.rules = GuardRules(state)
        self.limits = BodyLimit(_no_app, state.max_body_bytes, state.max_llm_body_bytes)
        #: the headers that passed the guard's header checks with a JSON body (Host, Origin,
        #: Sec-Fetch-Site, Content-Type; whether the server is the internal one and the scheme
        #: secure, what the checks read of them), at most ``_PASSED_MAX``
        self.passed: set[tuple[object, ...]] = set()

    @staticmethod
    def session_id(scope: Scope) -> str | None:
        """The session of a request this path serves (a POST to a session's events), else None:
        the path ``/v1/sessions/{id}/events`` with an id of 1 to 200 characters, none a ``/``
        (``^/v1/sessions/([^/]{1,200})/events$`` read with slices), percent-decoded once more."""
        if scope["type"] != "http" or scope["method"] != "POST":
            return None
        path: str = scope["path"]
        if not path.endswith("/events") or not path.startswith("/v1/sessions/"):
            return None
        found = path[13:-7]
        if not 0 < len(found) <= MAX_SESSION_ID or "/" in found:
            return None
        return unquote(found) if "%" in found else found

    async def __call__(self, scope: Scope, receive: Receive, send: Send, session_id: str) -> None:
        try:
            headers = request_headers(scope)
            # The body, read once, after the checks the body limit and the guard make in front of
            # every other route, in their order (here, without a coroutine of its own).  This path
            # is never one of the LLM proxy's, so only the server's name picks the limit.
            server = scope.get("server")
            internal = server is not None and server[0] == INTERNAL_HOST
            limits = self.limits
            limit = limits.llm_bytes if internal else limits.default_bytes
            length = declared_length(headers)
            body: bytes | None = None
            if length is None:  # chunked: the limit reads it all first
                body = await read_limited(receive, limit)
                if body is None:
                    return await too_large(send, limit)
            elif length > limit:
                return await too_large(send, limit)
            rules = self.rules
            get = headers.get
            # what every header check of a POST to this path reads: the same key, the same outcome
            key = (
                get(b"host"),
                get(b"origin"),
                get(b"sec-fetch-site"),
                get(b"content-type"),
                internal,
                scope.get("scheme") in _SECURE,
            )
            if key in self.passed:  # these headers passed with a JSON body: only the path and query are new
                rules.check_path(scope)
                is_json = True
            else:
                rules.check_headers(scope, headers)
                is_json = rules.json_body(scope, headers)
                if is_json:  # then the length and chunking no longer matter
                    if len(self.passed) >= _PASSED_MAX:
                        self.passed.clear()
                    self.passed.add(key)
            if body is None:
                message = await receive()
                if message["type"] == "http.request" and not message.get("more_body", False):  # the usual
                    body = message.get("body", b"")
                else:
                    body = await read_limited(_replay(message, receive), limit)
                if body is None or len(body) > limit:
                    return await too_large(send, limit)
            if is_json:
                rules.check_depth(body)
            st = self.state
            principal = _loopback(st, scope, headers) or await st.auth.principal(scope, headers)
            event = parse_body(body)
            wait, agent = _query(scope["query_string"]) if scope["query_string"] else (None, None)
            answer_body = encode(await st.events.handle(principal, session_id, event, wait, agent))
        except GoalrailError as exc:
            await answer(send, exc)
            return
        except Exception:
            log.exception("unhandled error on POST %s", scope["path"])
            status, answer_body = 500, json.dumps(error_body("internal_error", "internal server error")).encode()
        else:
            status = 200
        await send(
            {"type": "http.response.start", "status": status, "headers": [_JSON, (_LENGTH, b"%d" % len(answer_body))]}
        )
        await send({"type": "http.response.body", "body": answer_body})


def _loopback(st: ServerState, scope: Scope, headers: Headers) -> Principal | None:
    """``Authenticator.principal``'s answer, without its coroutine, for a request without any
    credential (no ``Authorization``, no ``Cookie``) from loopback in single-user mode; else None."""
    if st.auth.mode != SINGLE_USER or b"authorization" in headers or b"cookie" in headers:
        return None
    client = scope.get("client")
    return LOOPBACK if client and is_loopback(client[0]) else None


def _replay(first: Message, receive: Receive) -> Receive:
    """``receive``, answering ``first`` (already received) first."""
    pending = [first]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


async def _no_app(scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError("the fast path uses the body limit's rules only")  # pragma: no cover


def _query(raw: bytes) -> tuple[float | None, str | None]:
    if not raw:
        return None, None
    params = parse_qs(raw.decode("latin-1"))
    wait: float | None = None
    if "wait" in params:
        try:
            wait = float(params["wait"][-1])
        except ValueError:
            raise InvalidRequest(
                "`wait` must be a number of seconds", [{"loc": "wait", "message": "not a number"}]
            ) from None
        if wait < 0 or wait != wait:
            raise InvalidRequest("`wait` must be ≥ 0", [{"loc": "wait", "message": "must be ≥ 0"}])
    agent = params.get("agent", [None])[-1]
    return wait, agent
