"""The hot path, ``POST /v1/sessions/{id}/events``, served below FastAPI's routing
and dependency machinery (which costs more than evaluating a 10-policy chain).

It authenticates, reads the body and the query, and hands them to the one event
handler (``events.SessionEvents``), which the documented route in
``routes/events.py`` (kept for OpenAPI and session ids it does not match) calls
too.  Errors are answered here with the same ``{"code","message","errors"}`` bodies.
"""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import parse_qs, unquote

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from goalrail.errors import GoalrailError, InvalidRequest
from goalrail.server.errors import error_body, status_for
from goalrail.server.events import MAX_SESSION_ID, parse_body
from goalrail.server.state import ServerState

log = logging.getLogger("goalrail.server")


_PATH = re.compile(rf"^/v1/sessions/([^/]{{1,{MAX_SESSION_ID}}})/events$")
_JSON = [(b"content-type", b"application/json")]


class EventsFastPath:
    def __init__(self, app: ASGIApp, state: ServerState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].endswith("/events"):
            await self.app(scope, receive, send)
            return
        match = _PATH.match(scope["path"])
        if match is None:
            await self.app(scope, receive, send)
            return
        try:
            status, body, headers = 200, await self._handle(scope, receive, unquote(match.group(1))), _JSON
        except GoalrailError as exc:
            status, body = status_for(exc.code), json.dumps(exc.to_dict()).encode()
            headers = [*_JSON, (b"www-authenticate", b"Bearer")] if exc.code == "unauthorized" else _JSON
        except Exception:
            log.exception("unhandled error on POST %s", scope["path"])
            status, headers = 500, _JSON
            body = json.dumps(error_body("internal_error", "internal server error")).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _handle(self, scope: Scope, receive: Receive, session_id: str) -> bytes:
        st = self.state
        principal = await st.auth.authenticate(Request(scope, receive))
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        event = parse_body(b"".join(chunks))
        wait, agent = _query(scope["query_string"])
        return json.dumps(await st.events.handle(principal, session_id, event, wait, agent)).encode()


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
