"""Anthropic Messages on the LLM proxy: what Claude Code (``ANTHROPIC_BASE_URL``)
and the ``anthropic`` SDK call.

``POST /v1/messages`` (``?beta=true`` too; streamed or not) runs the proxy's
steps (see :mod:`.proxy`) with Anthropic shapes: the Goalrail token comes as
``x-api-key`` (``ANTHROPIC_API_KEY``) or ``Authorization: Bearer``
(``ANTHROPIC_AUTH_TOKEN``); refusals are Anthropic errors
(``{"type": "error", "error": {"type": "permission_error", "message": …}}``)
carrying Goalrail's reason; the upstream gets the server's own key, the
``anthropic-version`` / ``anthropic-beta`` headers and the query string as sent.
The upstream's own errors come back with their secrets redacted (the proxy's keys first).

``POST /v1/messages/count_tokens`` sends nothing upstream that a policy objects
to: the request is judged as a dry run (nothing recorded, nothing counted); on
ALLOW the upstream counts, otherwise (or when Goalrail is unreachable) the
answer is a local estimate, so a token count never fails and never leaks.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from goalrail.errors import GoalrailError, Unavailable
from goalrail.integrations.llm_proxy import anthropic_shapes as shapes
from goalrail.integrations.llm_proxy import shapes as openai_shapes
from goalrail.integrations.llm_proxy.proxy import CLAUDE_SESSION_HEADER, Call, LLMProxy, Refusal
from goalrail.integrations.llm_proxy.shapes import HARNESS
from goalrail.jsontext import InvalidJSON, loads
from goalrail.jsontypes import JsonObject
from goalrail.policies.prompt_size import estimate_prompt_tokens

DEFAULT_VERSION = "2023-06-01"
_ERROR_TYPES = {
    "policy_denied": "permission_error",
    "policy_error": "permission_error",
    "goalrail_unavailable": "api_error",
    "upstream_error": "api_error",
    "authentication_error": "authentication_error",
    "invalid_request_error": "invalid_request_error",
    "not_configured": "api_error",
}


def anthropic_error(message: str, type_: str, code: str | None, status: int) -> Response:
    return JSONResponse(shapes.error_body(message, type_=_ERROR_TYPES.get(type_, "api_error")), status_code=status)


def _refusal(why: tuple[str, str, str | None, int]) -> bytes:
    """The event ending a held stream that is refused: Anthropic's SDKs raise on ``event: error``."""
    body = shapes.error_body(why[0], type_=_ERROR_TYPES.get(why[1], "api_error"))
    return f"event: error\ndata: {json.dumps(body)}\n\n".encode()


def _harness(request: Request) -> str:
    """Claude Code's calls join its hooks' session under the same harness name."""
    agent = request.headers.get("user-agent", "")
    return "claude-code" if request.headers.get(CLAUDE_SESSION_HEADER) or agent.startswith("claude-cli") else HARNESS


class AnthropicEndpoint:
    def __init__(self, proxy: LLMProxy) -> None:
        self.proxy = proxy

    def _upstream(self, request: Request, path: str) -> tuple[str, dict[str, str]]:
        url = f"{self.proxy.anthropic_upstream}{path}"
        if request.url.query:
            url += "?" + request.url.query
        headers = {
            "content-type": "application/json",
            "anthropic-version": request.headers.get("anthropic-version") or DEFAULT_VERSION,
        }
        if request.headers.get("anthropic-beta"):
            headers["anthropic-beta"] = request.headers["anthropic-beta"]
        if self.proxy.anthropic_key:
            headers["x-api-key"] = self.proxy.anthropic_key
        return url, headers

    async def _start(self, request: Request) -> tuple[str | None, JsonObject] | Response:
        """Authenticate (first), then read the body: (token, body) or the refusal."""
        token = self.proxy.token_of(request, api_key_header=True)
        refused = await self.proxy.admit(request, token, anthropic_error)
        if refused is not None:
            return refused
        if self.proxy.anthropic_upstream is None:
            message = "the LLM proxy has no Anthropic upstream; set llm_proxy.anthropic_upstream"
            return anthropic_error(message, "not_configured", "llm_proxy_not_configured", 503)
        try:
            body = loads(await request.body())
        except InvalidJSON as exc:
            return anthropic_error(exc.message, "invalid_request_error", "invalid_json", 400)
        if not isinstance(body, dict):
            return anthropic_error("the body must be a JSON object", "invalid_request_error", "invalid_json", 400)
        return token, body

    async def _serve(
        self, request: Request, handler: Callable[[Call, Request, JsonObject, str], Awaitable[Response]]
    ) -> Response:
        """Authenticate and read the body, then run ``handler`` as one governed proxy call."""
        started = await self._start(request)
        if isinstance(started, Response):
            return started
        token, body = started
        harness = _harness(request)
        return await self.proxy.run(request, token, lambda call: handler(call, request, body, harness))

    # -- POST /v1/messages ---------------------------------------------------
    async def messages(self, request: Request) -> Response:
        return await self._serve(request, self._messages)

    async def _messages(self, call: Call, request: Request, body: JsonObject, harness: str) -> Response:
        try:
            verdict = await self.proxy.gate(call, shapes.request_event(body, harness, call.event_id), anthropic_error)
        except Refusal as refusal:
            return refusal.response
        body = shapes.apply_rewrite(body, verdict.get("data"))
        url, headers = self._upstream(request, "/v1/messages")
        if body.get("stream"):
            resp = await self.proxy.open_stream(url, body, headers, anthropic_error)
            if not isinstance(resp, httpx.Response):
                return resp
            acc = shapes.StreamAccumulator()

            def streamed() -> JsonObject:
                model, calls = acc.model or body.get("model"), acc.calls()
                # the output count comes with ``message_delta``: without it the usage is incomplete
                done = acc.stop_reason is not None
                usage = openai_shapes.estimated_usage(body, acc.usage, acc.text, calls, complete=done)
                return shapes.response_event(model, acc.text, calls, usage, acc.stop_reason, call.event_id, harness)

            return self.proxy.relay(call, resp, acc, lambda line: True, streamed, _refusal)
        try:
            resp = await self.proxy.http.post(url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            message = f"upstream LLM unreachable ({type(exc).__name__})"
            return anthropic_error(message, "upstream_error", "upstream_unreachable", 502)
        try:
            answer = resp.json()
        except ValueError:
            answer = None
        if resp.status_code >= 300:  # the upstream's own error, its secrets redacted
            return self.proxy.upstream_error(resp.content, resp.status_code, resp.headers.get("content-type"))
        if not isinstance(answer, dict):  # the upstream's own answer, unchanged
            return Response(resp.content, status_code=resp.status_code, media_type=resp.headers.get("content-type"))
        model, text, calls, reported, stop = shapes.from_message(answer)
        usage = openai_shapes.estimated_usage(body, reported, text, calls, complete=True)
        event = shapes.response_event(model or body.get("model"), text, calls, usage, stop, call.event_id, harness)
        withheld = await self.proxy.after(call, event, anthropic_error)
        return withheld or Response(resp.content, status_code=resp.status_code, media_type="application/json")

    # -- POST /v1/messages/count_tokens ----------------------------------------
    async def count_tokens(self, request: Request) -> Response:
        return await self._serve(request, self._count)

    async def _count(self, call: Call, request: Request, body: JsonObject, harness: str) -> Response:
        event = shapes.request_event({**body, "max_tokens": 1}, harness)  # a count produces no output
        try:
            verdict = await call.goalrail.dry_run(call.session, event, token=call.token)
        except Unavailable:
            verdict = {"result": "DENY"}
        except GoalrailError as exc:
            status = 401 if exc.code == "unauthorized" else 403
            return anthropic_error(f"Goalrail refused the request: {exc.message}", "policy_error", exc.code, status)
        if verdict.get("result") == "ALLOW":
            data = verdict.get("data")
            body = shapes.apply_rewrite(body, {**(data if isinstance(data, dict) else {}), "max_tokens": None})
            url, headers = self._upstream(request, "/v1/messages/count_tokens")
            try:
                resp = await self.proxy.http.post(url, json=body, headers=headers)
                if resp.status_code < 300:
                    return Response(resp.content, status_code=resp.status_code, media_type="application/json")
            except httpx.HTTPError:
                pass
        return JSONResponse({"input_tokens": estimate_prompt_tokens(body)})
