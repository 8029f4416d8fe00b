"""A pure-ASGI guard in front of every route: what a web page must not be able to do.

Checked before any route runs (and before the events fast path):

* **Host.** In ``single-user`` mode only loopback names are served (``localhost``,
  ``127.0.0.1``, ``[::1]``, any port): a DNS-rebinding page reaches the server under
  its own name and is refused.  In ``tokens`` mode ``server.allowed_hosts``, when
  set, lists the names served besides loopback and ``server.public_url``'s host.
* **Origin.** A state-changing request (POST, PUT, PATCH, DELETE) carrying an
  ``Origin`` must come from the server's own origin (or ``server.public_url``);
  ``Origin: null`` and ``Sec-Fetch-Site: cross-site`` are refused.
* **Content type.** A state-changing request with a body declares its type: JSON
  (``application/json`` or ``*+json``) on JSON routes, the documented alternatives
  on the two text routes; anything else (``text/plain``, forms) answers 415.
* **Depth.** A JSON (or JSON Lines) body nested deeper than ``limits.max_json_depth`` answers 400.
* **Values.** A JSON (or JSON Lines) body holding a value no UTF-8 JSON holds (``NaN``,
  ``Infinity``, a number beyond a double, a lone ``\\ud800``) answers 400 naming where it is
  (``jsontext.check_body``): the stdlib and FastAPI would read them, and store what cannot be read back.
* **Authenticate first.** The LLM proxy routes authenticate before their body is read (in the
  provider's error shape); the guard reads no LLM body.

Errors answer ``{"code", "message", "errors"}`` like every other route.
"""

from __future__ import annotations

import functools
import json
import re
from itertools import accumulate, repeat
from operator import sub
from urllib.parse import unquote, urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from goalrail.config.service import LIMIT_DEFAULTS
from goalrail.errors import GoalrailError
from goalrail.jsontext import check_body
from goalrail.server.auth import SINGLE_USER, is_loopback
from goalrail.server.errors import exception_body, status_for
from goalrail.server.limits import INTERNAL_HOST, LLM_PATHS, Headers, request_headers
from goalrail.server.state import ServerState

CHANGING = frozenset(("POST", "PUT", "PATCH", "DELETE"))
#: JSON Lines: JSON too, one value a line, held to the same depth limit.
JSON_LINES = frozenset(("application/x-ndjson", "application/jsonl", "application/json-lines"))
#: Routes that take a body other than JSON, and the types they take.
TEXT_ROUTES: dict[str, frozenset[str]] = {
    "/v1/agents": frozenset(("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")),
    "/v1/sessions/import": JSON_LINES,
}
#: Harness hooks answer every failure in their harness's format (a deny): they check the
#: content type and depth themselves, since a 4xx from here would let the harness proceed.
OWN_ANSWERS = ("/hooks/",)
_CONTROL = re.compile("[\x00-\x1f\x7f]")
# Bytes of a JSON text with its strings removed: opening brackets → 2, closing → 0, the rest deleted.
_BRACKETS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")
_OTHER = bytes(b for b in range(256) if b not in b"[{]}")


class GuardError(GoalrailError):
    def __init__(self, code: str, message: str, loc: str) -> None:
        super().__init__(message, [{"loc": loc, "message": message}])
        self.code = code


def _header(headers: Headers, name: bytes) -> str | None:
    value = headers.get(name)
    return None if value is None else value.decode("latin-1")


@functools.lru_cache(maxsize=256)
def host_name(host: str) -> str:
    """``Host`` without its port, lower-case: ``[::1]:6767`` → ``[::1]``, ``LocalHost:80`` → ``localhost``."""
    host = host.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[: end + 1] if end > 0 else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def is_json_type(mtype: str) -> bool:
    return mtype == "application/json" or (mtype.startswith("application/") and mtype.endswith("+json"))


def json_too_deep(body: bytes, limit: int) -> bool:
    """Whether ``body`` nests arrays/objects deeper than ``limit`` (strings ignored; linear time)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    if body.find(b'"') >= 0:  # (not ``in``: see ``jsontext.loads``)
        body = _strip_strings(body)
    marks = body.translate(_BRACKETS, _OTHER)
    return bool(marks) and max(accumulate(map(sub, marks, repeat(1)))) > limit


def _strip_strings(body: bytes) -> bytes:
    out, i, n = bytearray(), 0, len(body)
    while i < n:
        start = body.find(b'"', i)
        if start < 0:
            out += body[i:]
            break
        out += body[i:start]
        j = start + 1
        while True:
            end = body.find(b'"', j)
            if end < 0:
                return bytes(out)  # unterminated: not JSON anyway
            k = end - 1
            while k > start and body[k] == 0x5C:  # count the backslashes before the quote
                k -= 1
            if (end - 1 - k) % 2 == 0:
                break
            j = end + 1
        i = end + 1
    return bytes(out)


class GuardRules:
    """The checks, without a wrapped app: the guard runs them before every route, and the
    events fast path (outside the middleware stack) runs the same ones itself."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        server = state.config.server or {}
        public = urlsplit(str(server.get("public_url") or ""))
        self.public_origin = f"{public.scheme}://{public.netloc}".lower() if public.netloc else ""
        # Tokens mode: every name, unless `server.allowed_hosts` lists them (public_url's host always counts).
        listed = [str(h).lower() for h in server.get("allowed_hosts") or []]
        if listed and public.netloc:
            listed.append(host_name(public.netloc))
        self.allowed_hosts = frozenset(listed)
        self.max_depth = int(state.config.limits.get("max_json_depth", LIMIT_DEFAULTS["max_json_depth"]))

    # -- checks ---------------------------------------------------------------------
    def _check_host(self, scope: Scope, headers: Headers) -> None:
        server = scope.get("server")
        if server is not None and server[0] == INTERNAL_HOST:
            return  # the LLM proxy's in-process calls: a name no socket can give
        raw = _header(headers, b"host")
        if raw is None:
            return  # HTTP/1.0 without Host: not a browser, which always sends one
        name = host_name(raw)
        if name == "localhost" or is_loopback(name):
            return
        if self.state.auth.mode == SINGLE_USER:
            raise GuardError(
                "invalid_host",
                f"host `{raw[:100]}` is not served: in single-user mode only localhost, 127.0.0.1 and [::1] are",
                "headers.host",
            )
        if self.allowed_hosts and name not in self.allowed_hosts:
            raise GuardError(
                "invalid_host", f"host `{raw[:100]}` is not served (see `server.allowed_hosts`)", "headers.host"
            )

    def check_path(self, scope: Scope) -> None:
        """No control character in the path or the (decoded) query."""
        if _CONTROL.search(scope["path"]) is not None:
            raise GuardError("invalid_id", "the path contains a control character (ids never do)", "path")
        raw_query = scope.get("query_string", b"")
        if raw_query and _CONTROL.search(unquote(raw_query.decode("latin-1"))) is not None:
            raise GuardError("invalid_id", "the query contains a control character (ids never do)", "query")

    def _check_origin(self, scope: Scope, headers: Headers) -> None:
        origin = _header(headers, b"origin")
        if _header(headers, b"sec-fetch-site") == "cross-site":
            raise GuardError("csrf_failed", "cross-site request refused", "headers.sec-fetch-site")
        if origin is None:
            return
        origin = origin.strip().rstrip("/")
        scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
        own = f"{scheme}://{(_header(headers, b'host') or '').strip()}"
        if origin != "null" and origin.lower() in (own.lower(), self.public_origin):
            return
        raise GuardError("csrf_failed", f"cross-origin request from `{origin[:100]}` refused", "headers.origin")

    def check_headers(self, scope: Scope, headers: Headers) -> None:
        """Host, path and query, and on a state-changing request the origin
        (``headers``: ``request_headers(scope)``)."""
        self._check_host(scope, headers)
        self.check_path(scope)
        if scope["type"] == "websocket" or scope["method"] in CHANGING:
            self._check_origin(scope, headers)

    def json_body(self, scope: Scope, headers: Headers) -> bool:
        """Whether the body of this state-changing request is JSON to check for depth;
        a body of a type its route does not take raises (415)."""
        mtype = media_type(_header(headers, b"content-type"))
        length = _header(headers, b"content-length")
        chunked = "chunked" in (_header(headers, b"transfer-encoding") or "").lower()
        has_body = chunked or (length is not None and length.strip() not in ("", "0"))
        if not mtype and not has_body:
            return False
        path = scope["path"]
        if path.startswith(OWN_ANSWERS) or path in LLM_PATHS:
            # Hooks answer in their harness's format; the LLM proxy's routes authenticate before
            # they read a byte (in the provider's error shape) and what they forward is an event,
            # checked here then.  Origin and Host still apply to both.
            return False
        accepted = TEXT_ROUTES.get(path)
        if not (is_json_type(mtype) or (accepted is not None and mtype in accepted)):
            extra = f" (or {', '.join(sorted(accepted))})" if accepted else ""
            raise GuardError(
                "unsupported_media_type",
                f"send the body as JSON with `Content-Type: application/json`{extra}; got `{mtype or 'none'}`",
                "headers.content-type",
            )
        return is_json_type(mtype) or mtype in JSON_LINES

    def check_depth(self, body: bytes) -> None:
        if json_too_deep(body, self.max_depth):
            raise GuardError(
                "invalid_json",
                f"the JSON body is nested deeper than the limit of {self.max_depth} levels (limits.max_json_depth)",
                "body",
            )


class Guard(GuardRules):
    def __init__(self, app: ASGIApp, state: ServerState) -> None:
        super().__init__(state)
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        try:
            headers = request_headers(scope)
            self.check_headers(scope, headers)
            if scope["type"] == "http" and scope["method"] in CHANGING:
                receive = await self._check_body(scope, receive, headers)
        except GoalrailError as exc:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await answer(send, exc)
            return
        await self.app(scope, receive, send)

    async def _check_body(self, scope: Scope, receive: Receive, headers: Headers) -> Receive:
        if not self.json_body(scope, headers):
            return receive
        body, more = await _read(receive)
        self.check_depth(body)
        check_body(body, lines=media_type(_header(headers, b"content-type")) in JSON_LINES)
        return _replay(body, more, receive)


async def _read(receive: Receive) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _replay(body: bytes, complete: bool, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent and complete:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def answer(send: Send, exc: GoalrailError) -> None:
    body = json.dumps(exception_body(exc)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if exc.code == "unauthorized":
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status_for(exc.code), "headers": headers})
    await send({"type": "http.response.body", "body": body})
