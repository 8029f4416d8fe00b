"""The LLM proxy's request handling, independent of how it is mounted.

``POST /v1/chat/completions``:

1. ``llm_request`` (model, messages, tools, max_tokens) is evaluated.  DENY →
   403 ``{"error": {"type": "policy_denied", …}}``; ASK → wait for the approval
   up to ``ask_timeout_s`` (then ALLOW or 403); Goalrail unreachable → 503
   (fail closed).
2. The request goes to the upstream (streamed requests ask it for usage with
   ``stream_options.include_usage``).
3. Usage is recorded on the session (the server prices it, so ``cost_budget``
   and friends see it) and ``llm_response`` is evaluated; for a non-streamed
   answer a DENY withholds the response (403), for a stream it is recorded.

Session: ``X-Goalrail-Session``, else one session per API key.  The caller's
bearer token is a Goalrail token; it is what the proxy presents to Goalrail,
so the session belongs to that token's user.  The upstream key is the
proxy's own (``upstream_key``), never the caller's.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from goalrail.errors import GoalrailError, Unavailable
from goalrail.integrations.backend import settle
from goalrail.integrations.client import AsyncGoalrailClient
from goalrail.integrations.llm_proxy import shapes

SESSION_HEADER = "x-goalrail-session"


class LLMProxy:
    def __init__(
        self,
        goalrail: AsyncGoalrailClient | Callable[[Request], AsyncGoalrailClient],
        upstream: str,
        *,
        upstream_key: str | None = None,
        ask_timeout_s: float = 300.0,
        upstream_timeout_s: float = 600.0,
        upstream_transport: httpx.AsyncBaseTransport | None = None,
        default_token: Callable[[], str | None] | None = None,
    ) -> None:
        self.goalrail = goalrail
        self.upstream = upstream.rstrip("/")
        self.upstream_key = upstream_key
        self.ask_timeout_s = ask_timeout_s
        self._http = httpx.AsyncClient(timeout=upstream_timeout_s, transport=upstream_transport)
        self.default_token = default_token
        self._accounting: set[asyncio.Future[None]] = set()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _caller(self, request: Request) -> tuple[str | None, str]:
        auth = request.headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        if not token and self.default_token is not None:
            token = self.default_token()
        session = request.headers.get(SESSION_HEADER)
        if not session:
            session = "llm-" + hashlib.sha256((token or "anonymous").encode()).hexdigest()[:16]
        return token, session

    async def chat_completions(self, request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except ValueError:
            return JSONResponse(
                shapes.error_body("the body is not valid JSON", type_="invalid_request_error", code="invalid_json"),
                status_code=400,
            )
        if not isinstance(body, dict):
            return JSONResponse(
                shapes.error_body("the body must be a JSON object", type_="invalid_request_error", code="invalid_json"),
                status_code=400,
            )
        if isinstance(self.goalrail, AsyncGoalrailClient):
            return await self._handle(self.goalrail, request, body)
        client = self.goalrail(request)  # per request (in-server: keeps the caller's address)
        try:
            response = await self._handle(client, request, body)
        except BaseException:
            await client.aclose()
            raise
        if not isinstance(response, StreamingResponse):  # a stream closes it once its usage is recorded
            await client.aclose()
        return response

    async def _handle(self, goalrail: AsyncGoalrailClient, request: Request, body: dict[str, Any]) -> Response:
        token, session = self._caller(request)
        try:
            verdict = await goalrail.evaluate(session, shapes.request_event(body), token=token)
            if verdict.get("result") == "ASK":
                verdict = await settle(_TokenBackend(goalrail, token), verdict, self.ask_timeout_s)
        except Unavailable as exc:
            return _unavailable(exc)
        except GoalrailError as exc:
            return JSONResponse(
                shapes.error_body(f"Goalrail refused the request: {exc.message}", type_="policy_error", code=exc.code),
                status_code=403,
            )
        if verdict.get("result") != "ALLOW":
            return _denied(verdict)
        body = shapes.apply_rewrite(body, verdict.get("data"))
        if body.get("stream"):
            return await self._stream(goalrail, body, session, token)
        return await self._complete(goalrail, body, session, token)

    def _upstream_headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.upstream_key:
            headers["Authorization"] = f"Bearer {self.upstream_key}"
        return headers

    async def _complete(
        self, goalrail: AsyncGoalrailClient, body: dict[str, Any], session: str, token: str | None
    ) -> Response:
        try:
            resp = await self._http.post(
                f"{self.upstream}/chat/completions", json=body, headers=self._upstream_headers()
            )
        except httpx.HTTPError as exc:
            return JSONResponse(
                shapes.error_body(
                    f"upstream LLM unreachable ({type(exc).__name__})",
                    type_="upstream_error",
                    code="upstream_unreachable",
                ),
                status_code=502,
            )
        try:
            answer = resp.json()
        except ValueError:
            return Response(resp.content, status_code=resp.status_code, media_type=resp.headers.get("content-type"))
        if resp.status_code >= 300 or not isinstance(answer, dict):
            return JSONResponse(answer, status_code=resp.status_code)
        model, text, calls, usage = shapes.from_completion(answer)
        try:
            after = await self._after(goalrail, session, token, model or body.get("model"), text, calls, usage)
        except Unavailable as exc:
            return _unavailable(exc)
        if after.get("result") == "DENY":
            return _denied(after, withheld=True)
        return JSONResponse(answer, status_code=resp.status_code)

    async def _after(
        self,
        goalrail: AsyncGoalrailClient,
        session: str,
        token: str | None,
        model: str | None,
        text: str | None,
        calls: list[Any],
        usage: dict[str, Any] | None,
    ) -> dict[str, Any]:
        tokens = shapes.usage_tokens(usage)
        if tokens and model:
            await goalrail.record_usage(session, model, token=token, **tokens)
        return await goalrail.evaluate(session, shapes.response_event(model, text, calls, usage), token=token)

    async def _stream(
        self, goalrail: AsyncGoalrailClient, body: dict[str, Any], session: str, token: str | None
    ) -> Response:
        forwarded = {**body, "stream_options": {**(body.get("stream_options") or {}), "include_usage": True}}
        req = self._http.build_request(
            "POST", f"{self.upstream}/chat/completions", json=forwarded, headers=self._upstream_headers()
        )
        try:
            resp = await self._http.send(req, stream=True)
        except httpx.HTTPError as exc:
            return JSONResponse(
                shapes.error_body(
                    f"upstream LLM unreachable ({type(exc).__name__})",
                    type_="upstream_error",
                    code="upstream_unreachable",
                ),
                status_code=502,
            )
        if resp.status_code >= 300:
            content = await resp.aread()
            await resp.aclose()
            return Response(content, status_code=resp.status_code, media_type=resp.headers.get("content-type"))
        acc = shapes.StreamAccumulator()

        async def relay() -> AsyncIterator[bytes]:
            try:
                async for line in resp.aiter_lines():
                    acc.feed_line(line)
                    yield (line + "\n").encode()
            finally:
                await resp.aclose()
                # The client may hang up right after [DONE], cancelling this generator: account in a
                # task of its own so the usage is always recorded.
                task = asyncio.ensure_future(account())
                self._accounting.add(task)
                task.add_done_callback(self._accounting.discard)
                await asyncio.shield(task)

        async def account() -> None:
            try:
                with contextlib.suppress(GoalrailError):  # the answer is already delivered
                    await self._after(
                        goalrail, session, token, acc.model or body.get("model"), acc.text, acc.calls(), acc.usage
                    )
            finally:
                if goalrail is not self.goalrail:  # a per-request client: this stream owns it
                    await goalrail.aclose()

        return StreamingResponse(relay(), media_type="text/event-stream")


class _TokenBackend:
    """Waits on approvals with the caller's token (what ``settle`` needs)."""

    def __init__(self, client: AsyncGoalrailClient, token: str | None) -> None:
        self.client, self.token = client, token

    async def wait_approval(self, approval_id: str, wait: float | None = None) -> dict[str, Any]:
        return await self.client.wait_approval(approval_id, wait, token=self.token)


def _denied(verdict: dict[str, Any], *, withheld: bool = False) -> JSONResponse:
    message = shapes.describe(verdict)
    if withheld:
        message = f"response withheld: {message}"
    return JSONResponse(
        shapes.error_body(message, type_="policy_denied", code=verdict.get("policy") or "policy_denied"),
        status_code=403,
    )


def _unavailable(exc: Exception) -> JSONResponse:
    return JSONResponse(
        shapes.error_body(
            f"Goalrail could not check this request ({exc}); refused because Goalrail fails closed",
            type_="goalrail_unavailable",
            code="goalrail_unavailable",
        ),
        status_code=503,
    )
