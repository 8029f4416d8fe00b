"""The hot path, ``POST /v1/sessions/{id}/events``, served below FastAPI's routing
and dependency machinery (which costs more than evaluating a 10-policy chain).

Same behaviour as the documented route in ``routes/events.py`` (which stays for
OpenAPI and as the fallback): authenticate, parse the body once, check who owns
the session (owners never change, so that lookup is cached), evaluate, answer.
Errors are answered here with the same ``{"code","message","errors"}`` bodies.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs, unquote

from starlette.requests import Request

from goalrail.errors import GoalrailError, InvalidRequest, NotFound
from goalrail.server.errors import InvalidJSON, error_body, status_for
from goalrail.server.state import ServerState

log = logging.getLogger("goalrail.server")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_PATH = re.compile(r"^/v1/sessions/([^/]{1,200})/events$")
_JSON = [(b"content-type", b"application/json")]
_OWNER_CACHE_MAX = 50_000


class EventsFastPath:
    def __init__(self, app: ASGIApp, state: ServerState) -> None:
        self.app = app
        self.state = state
        self.owners: dict[str, str | None] = {}

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

    async def _owner(self, session_id: str) -> tuple[bool, str | None]:
        if session_id in self.owners:
            return True, self.owners[session_id]
        info = await self.state.store.get_session(session_id)
        if info is None:
            return False, None
        if len(self.owners) >= _OWNER_CACHE_MAX:
            self.owners.clear()
        self.owners[session_id] = info.owner
        return True, info.owner

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
        try:
            event = json.loads(b"".join(chunks))
        except (ValueError, UnicodeDecodeError):
            raise InvalidJSON(
                "the request body is not valid JSON", [{"loc": "body", "message": "invalid JSON"}]
            ) from None
        wait, agent = _query(scope["query_string"])
        exists, owner = await self._owner(session_id)
        if exists:
            if not principal.owns(owner):
                raise NotFound(f"session `{session_id}` not found")
            agent = None
        else:
            owner = principal.user
            if agent is None and isinstance(event, dict):
                ctx = event.get("context")
                named = ctx.get("agent") if isinstance(ctx, dict) else None
                agent = named if isinstance(named, str) and named in st.runtime.agents else None
        started = time.perf_counter()
        outcome = await st.runtime.evaluate(session_id, event, owner=owner, agent=agent, actor=principal.actor())
        decision = outcome.decision
        st.metrics.observe(
            decision.result,
            decision.policy,
            time.perf_counter() - started,
            [(d.policy, d.verdict) for d in decision.decisions],
        )
        if not exists:
            self.owners[session_id] = owner
        if wait:
            outcome = await st.runtime.settle(outcome, st.wait_seconds(wait))
        return json.dumps(outcome.to_dict()).encode()


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
