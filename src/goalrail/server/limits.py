"""A pure-ASGI request body limit: anything larger answers 413 before the app runs.

LLM traffic gets its own, larger limit (``limits.max_llm_body_bytes``): the LLM
proxy's endpoints, and the events the proxy evaluates in-process (its client's
requests reach the app with the server name ``goalrail.internal``, which no
socket can give), since a long agent conversation is easily several MiB.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: A request's headers by name (lower-case bytes, as the ASGI server gives them): ``request_headers``.
Headers = Mapping[bytes, bytes]


async def too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {"code": "payload_too_large", "message": f"request body exceeds the limit of {limit} bytes", "errors": []}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


#: the LLM proxy's routes (goalrail.integrations.llm_proxy.routes) and its in-process client's host
LLM_PATHS = frozenset({"/v1/chat/completions", "/v1/messages", "/v1/messages/count_tokens"})
INTERNAL_HOST = "goalrail.internal"


def request_headers(scope: Scope) -> dict[bytes, bytes]:
    """The request's headers by name, the first of each (the one Starlette's ``Headers.get``
    reads): built once per request, then read by every check instead of a scan each."""
    headers = scope["headers"]
    return dict(reversed(headers if isinstance(headers, (list, tuple)) else list(headers)))


def declared_length(headers: Headers) -> int | None:
    """The request's ``Content-Length`` (the first one), when it is a valid one."""
    value = headers.get(b"content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


async def read_limited(receive: Receive, max_bytes: int) -> bytes | None:
    """The whole body (what arrived before a disconnect), or None once it exceeds ``max_bytes``."""
    message = await receive()
    if message["type"] == "http.request" and not message.get("more_body", False):  # the usual: one message
        body: bytes = message.get("body", b"")
        return body if len(body) <= max_bytes else None
    chunks: list[bytes] = []
    size = 0
    while message["type"] == "http.request":
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
        message = await receive()
    return b"".join(chunks)


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, llm_bytes: int | None = None) -> None:
        self.app = app
        self.default_bytes = max_bytes
        self.llm_bytes = max(llm_bytes or max_bytes, max_bytes)

    def limit_for(self, scope: Scope) -> int:
        server = scope.get("server")
        llm = scope["path"] in LLM_PATHS or (server is not None and server[0] == INTERNAL_HOST)
        return self.llm_bytes if llm else self.default_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        await self._limited(scope, receive, send, self.limit_for(scope))

    async def _limited(self, scope: Scope, receive: Receive, send: Send, max_bytes: int) -> None:
        length = declared_length(request_headers(scope))
        if length is not None:
            if length > max_bytes:
                await too_large(send, max_bytes)
                return
            await self.app(scope, receive, send)
            return
        # No declared length (chunked): buffer up to the limit, then replay.
        body = await read_limited(receive, max_bytes)
        if body is None:
            await too_large(send, max_bytes)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
