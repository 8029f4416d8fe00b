"""The LLM proxy's request handling, independent of how it is mounted.

Every endpoint (``POST /v1/chat/completions`` here, Anthropic's ``POST
/v1/messages`` in :mod:`.anthropic`) runs the same steps:

1. The caller is authenticated first, before the body is read: its Goalrail
   token (``Authorization: Bearer``, or ``x-api-key`` for Anthropic clients) is
   checked by the server's authenticator when mounted in the server (a bad one
   → 401 in the client's error shape), by the Goalrail server on the first
   evaluation when standalone.
2. ``llm_request`` is evaluated.  DENY → 403 in the client's own error shape;
   ASK → wait for the approval up to ``ask_timeout_s`` (then ALLOW or 403);
   Goalrail unreachable → 503 (fail closed).  An ALLOW may rewrite the request
   (``data``: model, messages, tools, …).
3. The request goes to the upstream with the proxy's own key, never the caller's.
   Streams always ask the upstream for usage; a client that did not ask for it
   does not get the usage-only chunk.
4. ``llm_response`` (text, tool calls, ``usage``, an event ``id``) is evaluated;
   the server counts its usage as spend, once.  For a non-streamed answer a
   DENY withholds the response (403); a stream's text is relayed as it comes and
   its verdict recorded, but from its first tool call or image (``![``, ``src=``,
   ``url(``) on the stream is held back until the verdict: only an ALLOW releases it.

Session: ``X-Goalrail-Session``, else Claude Code's ``X-Claude-Code-Session-Id``,
else one session per token.  The session belongs to the token's user.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Protocol

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from goalrail.defaults import ASK_WAIT_S
from goalrail.errors import GoalrailError, Unavailable
from goalrail.integrations.backend import settle
from goalrail.integrations.client import AsyncGoalrailClient
from goalrail.integrations.llm_proxy import shapes
from goalrail.jsontext import InvalidJSON, loads
from goalrail.jsontypes import JsonObject
from goalrail.policies.redact import marker, redact

SESSION_HEADER = "x-goalrail-session"
CLAUDE_SESSION_HEADER = "x-claude-code-session-id"


class Accumulator(Protocol):
    def feed_line(self, line: str) -> None: ...

    @property
    def has_calls(self) -> bool:
        """Whether the answer so far carries a tool call (from then on a stream is held back)."""
        ...

    @property
    def shows_image(self) -> bool:
        """Whether its text so far opens an image the client would fetch (held back from then on too)."""
        ...


class Refusal(Exception):
    """The request ends here with ``response`` (denied, unavailable, bad input)."""

    def __init__(self, response: Response) -> None:
        self.response = response


class Call:
    """One proxied call: the caller, its session and the Goalrail client it uses."""

    def __init__(self, goalrail: AsyncGoalrailClient, token: str | None, session: str) -> None:
        self.goalrail, self.token, self.session = goalrail, token, session
        self.event_id = "llm-" + uuid.uuid4().hex


Errors = Callable[[str, str, str | None, int], Response]  # (message, type, code, status) → response
Withheld = tuple[str, str, str | None, int]  # why an answer is withheld: (message, type, code, status)


class LLMProxy:
    def __init__(
        self,
        goalrail: AsyncGoalrailClient | Callable[[Request], AsyncGoalrailClient],
        upstream: str | None,
        *,
        upstream_key: str | None = None,
        anthropic_upstream: str | None = None,
        anthropic_key: str | None = None,
        ask_timeout_s: float = ASK_WAIT_S,
        upstream_timeout_s: float = 600.0,
        upstream_transport: httpx.AsyncBaseTransport | None = None,
        default_token: Callable[[], str | None] | None = None,
        authenticate: Callable[[Request, str | None], Awaitable[object]] | None = None,
    ) -> None:
        self.goalrail = goalrail
        self.authenticate = authenticate
        self.upstream = upstream.rstrip("/") if upstream else None
        self.upstream_key = upstream_key
        self.anthropic_upstream = anthropic_upstream.rstrip("/") if anthropic_upstream else None
        self.anthropic_key = anthropic_key
        self.ask_timeout_s = ask_timeout_s
        self.http = httpx.AsyncClient(timeout=upstream_timeout_s, transport=upstream_transport)
        self.default_token = default_token
        self._accounting: set[asyncio.Future[None]] = set()

    async def aclose(self) -> None:
        await self.http.aclose()

    # -- the steps every endpoint shares ------------------------------------
    def token_of(self, request: Request, *, api_key_header: bool = False) -> str | None:
        auth = request.headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        if not token and api_key_header:
            token = request.headers.get("x-api-key", "").strip() or None
        if not token and self.default_token is not None:
            token = self.default_token()
        return token

    async def admit(self, request: Request, token: str | None, errors: Errors) -> Response | None:
        """Authenticate the caller before anything else; None when admitted."""
        if self.authenticate is None:
            return None
        try:
            await self.authenticate(request, token)
        except GoalrailError as exc:
            status = 401 if exc.code == "unauthorized" else 403
            return errors(f"Goalrail refused the credential: {exc.message}", "authentication_error", exc.code, status)
        return None

    def session_of(self, request: Request, token: str | None) -> str:
        session = request.headers.get(SESSION_HEADER) or request.headers.get(CLAUDE_SESSION_HEADER)
        if not session:
            session = "llm-" + hashlib.sha256((token or "anonymous").encode()).hexdigest()[:16]
        return session

    async def run(
        self,
        request: Request,
        token: str | None,
        handle: Callable[[Call], Awaitable[Response]],
    ) -> Response:
        """Run ``handle`` with a Goalrail client for this request (closed when done, or by a stream)."""
        session = self.session_of(request, token)
        if isinstance(self.goalrail, AsyncGoalrailClient):
            return await handle(Call(self.goalrail, token, session))
        client = self.goalrail(request)  # per request (in-server: keeps the caller's address)
        try:
            response = await handle(Call(client, token, session))
        except BaseException:
            await client.aclose()
            raise
        if not isinstance(response, StreamingResponse):  # a stream closes it once its usage is recorded
            await client.aclose()
        return response

    async def gate(self, call: Call, event: Mapping[str, object], errors: Errors) -> JsonObject:
        """Evaluate ``event`` (waiting out an ASK); the ALLOW verdict, else :class:`Refusal`."""
        try:
            verdict = await call.goalrail.evaluate(call.session, event, token=call.token)
            if verdict.get("result") == "ASK":
                verdict = await settle(_TokenBackend(call.goalrail, call.token), verdict, self.ask_timeout_s)
        except Unavailable as exc:
            raise Refusal(unavailable(exc, errors)) from None
        except GoalrailError as exc:
            message = f"Goalrail refused the request: {exc.message}"
            raise Refusal(errors(message, "policy_error", exc.code, 403)) from None
        if verdict.get("result") != "ALLOW":
            raise Refusal(denied(verdict, errors))
        return verdict

    async def after(self, call: Call, event: Mapping[str, object], errors: Errors) -> Response | None:
        """Evaluate the ``llm_response``: None to deliver the answer, else the refusal.  Only an
        ALLOW delivers it: an ASK waits for its approval as the request's does, and a refusal
        of the event or an answer without a verdict withholds it (fail closed)."""
        refused = await self.withheld(call, event)
        return errors(*refused) if refused is not None else None

    async def withheld(self, call: Call, event: Mapping[str, object]) -> Withheld | None:
        """Why the answer ``event`` describes is withheld ((message, type, code, status) for the
        client's error shape), or None when it is ALLOWed (an ASK waited out first)."""
        try:
            verdict = await call.goalrail.evaluate(call.session, event, token=call.token)
            if verdict.get("result") == "ASK":
                verdict = await settle(_TokenBackend(call.goalrail, call.token), verdict, self.ask_timeout_s)
        except Unavailable as exc:
            return unavailable_text(exc), "goalrail_unavailable", "goalrail_unavailable", 503
        except GoalrailError as exc:
            return f"response withheld: Goalrail refused it: {exc.message}", "policy_error", exc.code, 403
        if verdict.get("result") != "ALLOW":
            policy = str(verdict.get("policy") or "policy_denied")
            return f"response withheld: {shapes.describe(verdict)}", "policy_denied", policy, 403
        return None

    async def open_stream(
        self, url: str, body: Mapping[str, object], headers: dict[str, str], errors: Errors
    ) -> httpx.Response | Response:
        """The upstream's streamed answer, or the response to give the client instead."""
        req = self.http.build_request("POST", url, json=body, headers=headers)
        try:
            resp = await self.http.send(req, stream=True)
        except httpx.HTTPError as exc:
            return upstream_unreachable(exc, errors)
        if resp.status_code >= 300:  # the upstream's own error, its secrets redacted
            content = await resp.aread()
            await resp.aclose()
            return self.upstream_error(content, resp.status_code, resp.headers.get("content-type"))
        return resp

    def upstream_error(self, content: bytes, status: int, media_type: str | None) -> Response:
        """The upstream's own error answer as the client gets it: the proxy's upstream keys, and any
        other secret it quotes (an upstream echoing the key it refused), redacted."""
        text = content.decode("utf-8", "replace")
        for key in (self.upstream_key, self.anthropic_key):
            if key and key in text:
                text = text.replace(key, marker("upstream_key", key))
        return Response(redact(text).encode(), status_code=status, media_type=media_type)

    def relay(
        self,
        call: Call,
        resp: httpx.Response,
        acc: Accumulator,
        keep: Callable[[str], bool],
        response_event: Callable[[], JsonObject],
        refusal: Callable[[Withheld], bytes],
    ) -> StreamingResponse:
        """Pass the upstream's SSE lines through (those ``keep`` accepts), then account.

        From the first piece of a tool call, or the text opening an image, on, the lines are held
        back: the ``llm_response`` is judged once the answer is complete, and only an ALLOW releases them (otherwise the
        stream ends with ``refusal``), so a call or image a policy refuses never reaches the client.
        Text before it is delivered as it comes."""
        judged: list[asyncio.Future[Withheld | None]] = []

        async def lines() -> AsyncIterator[bytes]:
            dropped = False
            held: list[bytes] | None = None
            try:
                async for line in resp.aiter_lines():
                    acc.feed_line(line)
                    if dropped and not line:  # the blank line that ended a dropped event
                        dropped = False
                        continue
                    dropped = not keep(line)
                    if dropped:
                        continue
                    if held is None and (acc.has_calls or acc.shows_image):
                        held = []
                    if held is None:
                        yield (line + "\n").encode()
                    else:
                        held.append((line + "\n").encode())
                if held is not None:  # judged whole even if the client hangs up meanwhile
                    judged.append(asyncio.ensure_future(self.withheld(call, response_event())))
                    refused = await asyncio.shield(judged[0])
                    for chunk in held if refused is None else [refusal(refused)]:
                        yield chunk
            finally:
                await resp.aclose()
                # The client may hang up right after the last event, cancelling this generator:
                # account in a task of its own so the usage is always recorded.
                task = asyncio.ensure_future(account())
                self._accounting.add(task)
                task.add_done_callback(self._accounting.discard)
                await asyncio.shield(task)

        async def account() -> None:
            try:
                if judged:  # the held answer's own evaluation recorded it
                    with contextlib.suppress(Exception):
                        await judged[0]
                    return
                with contextlib.suppress(GoalrailError):  # the answer is already delivered
                    await call.goalrail.evaluate(call.session, response_event(), token=call.token)
            finally:
                if call.goalrail is not self.goalrail:  # a per-request client: this stream owns it
                    await call.goalrail.aclose()

        return StreamingResponse(lines(), media_type="text/event-stream")

    # -- OpenAI chat completions ---------------------------------------------
    async def chat_completions(self, request: Request) -> Response:
        token = self.token_of(request)
        refused = await self.admit(request, token, _openai_error)  # authentication comes first
        if refused is not None:
            return refused
        try:
            body = loads(await request.body())
        except InvalidJSON as exc:
            return _openai_error(exc.message, "invalid_request_error", "invalid_json", 400)
        if not isinstance(body, dict):
            return _openai_error("the body must be a JSON object", "invalid_request_error", "invalid_json", 400)
        return await self.run(request, token, lambda call: self._chat(call, body))

    async def _chat(self, call: Call, body: JsonObject) -> Response:
        try:
            verdict = await self.gate(call, shapes.request_event(body, call.event_id), _openai_error)
        except Refusal as refusal:
            return refusal.response
        body = shapes.apply_rewrite(body, verdict.get("data"))
        headers = {"Content-Type": "application/json"}
        if self.upstream_key:
            headers["Authorization"] = f"Bearer {self.upstream_key}"
        url = f"{self.upstream}/chat/completions"
        if body.get("stream"):
            return await self._chat_stream(call, body, url, headers)
        try:
            resp = await self.http.post(url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            return upstream_unreachable(exc, _openai_error)
        if resp.status_code >= 300:
            return self.upstream_error(resp.content, resp.status_code, resp.headers.get("content-type"))
        try:
            answer = resp.json()
        except ValueError:
            return Response(resp.content, status_code=resp.status_code, media_type=resp.headers.get("content-type"))
        if not isinstance(answer, dict):
            return JSONResponse(answer, status_code=resp.status_code)
        model, text, calls, usage = shapes.from_completion(answer)
        usage = shapes.estimated_usage(body, usage, text, calls, complete=True)
        event = shapes.response_event(model or body.get("model"), text, calls, usage, event_id=call.event_id)
        withheld = await self.after(call, event, _openai_error)
        return withheld or JSONResponse(answer, status_code=resp.status_code)

    async def _chat_stream(self, call: Call, body: JsonObject, url: str, headers: dict[str, str]) -> Response:
        given = body.get("stream_options")
        options: JsonObject = given if isinstance(given, dict) else {}
        wants_usage = bool(options.get("include_usage"))
        forwarded = {**body, "stream_options": {**options, "include_usage": True}}
        resp = await self.open_stream(url, forwarded, headers, _openai_error)
        if not isinstance(resp, httpx.Response):
            return resp
        acc = shapes.StreamAccumulator()

        def keep(line: str) -> bool:
            return wants_usage or not shapes.is_usage_only_chunk(line)

        def event() -> JsonObject:
            model = acc.model or body.get("model")
            calls = acc.calls()
            usage = shapes.estimated_usage(body, acc.usage, acc.text, calls, complete=True)
            return shapes.response_event(model, acc.text, calls, usage, event_id=call.event_id)

        return self.relay(call, resp, acc, keep, event, _openai_refusal)


class _TokenBackend:
    """Waits on approvals with the caller's token (what ``settle`` needs)."""

    def __init__(self, client: AsyncGoalrailClient, token: str | None) -> None:
        self.client, self.token = client, token

    async def wait_approval(self, approval_id: str, wait: float | None = None) -> JsonObject:
        return await self.client.wait_approval(approval_id, wait, token=self.token)


def _openai_error(message: str, type_: str, code: str | None, status: int) -> Response:
    return JSONResponse(shapes.error_body(message, type_=type_, code=code), status_code=status)


def denied(verdict: JsonObject, errors: Errors, *, withheld: bool = False) -> Response:
    message = shapes.describe(verdict)
    if withheld:
        message = f"response withheld: {message}"
    return errors(message, "policy_denied", str(verdict.get("policy") or "policy_denied"), 403)


def unavailable_text(exc: Exception) -> str:
    return f"Goalrail could not check this request ({exc}); refused because Goalrail fails closed"


def unavailable(exc: Exception, errors: Errors) -> Response:
    return errors(unavailable_text(exc), "goalrail_unavailable", "goalrail_unavailable", 503)


def _openai_refusal(why: Withheld) -> bytes:
    """The event ending a held stream that is refused: OpenAI's SDKs raise on an ``error`` chunk."""
    message, type_, code, _status = why
    return f"data: {json.dumps(shapes.error_body(message, type_=type_, code=code))}\n\n".encode()


def upstream_unreachable(exc: Exception, errors: Errors) -> Response:
    return errors(f"upstream LLM unreachable ({type(exc).__name__})", "upstream_error", "upstream_unreachable", 502)
