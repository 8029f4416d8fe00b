"""Mounting the LLM proxy: inside the Goalrail server, or as its own small app.

Routes (the same on both):

* ``POST /v1/chat/completions`` — OpenAI-compatible (``openai.OpenAI(base_url=…/v1)``);
* ``POST /v1/messages`` and ``POST /v1/messages/count_tokens`` (``?beta=true``
  too) — Anthropic Messages (``ANTHROPIC_BASE_URL=<server>``: Claude Code, the
  ``anthropic`` SDK);
* ``HEAD /`` — the reachability probe Claude Code sends to its base URL.

OpenAI endpoints that generate from a conversation but are not governed here (the Responses API
``POST /v1/responses``, legacy ``POST /v1/completions``, Assistants' runs) are refused with 501 in
OpenAI's error shape, never forwarded: a client configured with this base URL cannot reach the
model around the policies, and learns why.

In the server (``mount(app, state)``, called by ``create_app``) the upstreams
come from the config's ``llm_proxy: {upstream, api_key_env,
anthropic_upstream, anthropic_api_key_env, ask_timeout_s}``, else from
``GOALRAIL_LLM_UPSTREAM`` / ``GOALRAIL_ANTHROPIC_UPSTREAM`` (keys from
``OPENAI_API_KEY`` / ``ANTHROPIC_API_KEY``).  The proxy authenticates the
caller with the server's own authenticator before anything else and evaluates
through the server's events API in-process (same auth and audit).  An endpoint
without an upstream answers 503 saying so.
"""

from __future__ import annotations

import os
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from goalrail.defaults import ASK_WAIT_S
from goalrail.errors import Unauthorized
from goalrail.integrations.client import AsyncGoalrailClient
from goalrail.integrations.endpoint import resolve_token
from goalrail.integrations.llm_proxy import shapes
from goalrail.integrations.llm_proxy.anthropic import AnthropicEndpoint
from goalrail.integrations.llm_proxy.proxy import LLMProxy

PATH = "/v1/chat/completions"
MESSAGES = "/v1/messages"
COUNT_TOKENS = "/v1/messages/count_tokens"
#: Generation endpoints the proxy does not translate: refused (fail closed), never forwarded.
UNGOVERNED = ("/v1/responses", "/v1/responses/{rest:path}", "/v1/completions", "/v1/threads/{rest:path}")


def build_router(proxy: LLMProxy) -> APIRouter:
    router = APIRouter(tags=["llm proxy"])
    anthropic = AnthropicEndpoint(proxy)

    @router.post(PATH, summary="OpenAI-compatible chat completions, governed by the session's policies")
    async def chat_completions(request: Request) -> Response:
        if proxy.upstream is None:
            refused = await proxy.admit(request, proxy.token_of(request), _openai_error)
            return refused or _openai_error(
                "the LLM proxy has no upstream; set llm_proxy.upstream", "goalrail_unavailable", None, 503
            )
        return await proxy.chat_completions(request)

    @router.post(MESSAGES, summary="Anthropic Messages (streamed or not), governed by the session's policies")
    async def messages(request: Request) -> Response:
        return await anthropic.messages(request)

    @router.post(COUNT_TOKENS, summary="Anthropic token count (forwarded only when the request would be allowed)")
    async def count_tokens(request: Request) -> Response:
        return await anthropic.count_tokens(request)

    async def ungoverned(request: Request) -> Response:
        refused = await proxy.admit(request, proxy.token_of(request), _openai_error)
        message = (
            f"the Goalrail LLM proxy does not govern `{request.url.path}`, so it refuses it rather than"
            " forward it unjudged; use /v1/chat/completions (OpenAI) or /v1/messages (Anthropic)"
        )
        return refused or _openai_error(message, "invalid_request_error", "endpoint_not_governed", 501)

    for path in UNGOVERNED:
        router.add_api_route(path, ungoverned, methods=["POST", "GET", "DELETE"], include_in_schema=False)

    @router.head("/", include_in_schema=False)
    async def probe() -> Response:
        return Response(status_code=200)

    return router


def _openai_error(message: str, type_: str, code: str | None, status: int) -> Response:
    body = shapes.error_body(message, type_=type_, code=code or "llm_proxy_not_configured")
    return JSONResponse(body, status_code=status)


def mount(app: FastAPI, state: Any) -> None:
    settings = (
        getattr(state.config, "llm_proxy", None) or (getattr(state.config, "server", None) or {}).get("llm_proxy") or {}
    )
    upstream = settings.get("upstream") or os.environ.get("GOALRAIL_LLM_UPSTREAM")
    anthropic = settings.get("anthropic_upstream") or os.environ.get("GOALRAIL_ANTHROPIC_UPSTREAM")

    def in_process(request: Request) -> AsyncGoalrailClient:
        client = request.client
        transport = httpx.ASGITransport(app=app, client=(client.host, client.port) if client else ("127.0.0.1", 0))
        return AsyncGoalrailClient("http://goalrail.internal", "", transport=transport)

    async def authenticate(request: Request, token: str | None) -> object:
        auth = state.auth
        if token:
            principal = await auth.lookup(token, "token")
            if principal is None:
                raise Unauthorized("invalid or revoked token")
            return principal
        return await auth.authenticate(request)  # no token: the server's rules (a loopback single user)

    proxy = LLMProxy(
        in_process,
        upstream,
        upstream_key=os.environ.get(settings.get("api_key_env") or "OPENAI_API_KEY"),
        anthropic_upstream=anthropic,
        anthropic_key=os.environ.get(settings.get("anthropic_api_key_env") or "ANTHROPIC_API_KEY"),
        ask_timeout_s=float(settings.get("ask_timeout_s", ASK_WAIT_S)),
        authenticate=authenticate,
    )
    app.include_router(build_router(proxy))


def create_app(
    upstream: str | None,
    *,
    goalrail_url: str | None = None,
    goalrail_token: str | None = None,
    upstream_key: str | None = None,
    anthropic_upstream: str | None = None,
    anthropic_key: str | None = None,
    ask_timeout_s: float = ASK_WAIT_S,
    upstream_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """The proxy on its own (``goalrail llm-proxy``), talking to a Goalrail server over HTTP."""
    client = AsyncGoalrailClient(goalrail_url, goalrail_token)
    proxy = LLMProxy(
        client,
        upstream,
        upstream_key=upstream_key,
        anthropic_upstream=anthropic_upstream,
        anthropic_key=anthropic_key,
        ask_timeout_s=ask_timeout_s,
        upstream_transport=upstream_transport,
        default_token=lambda: resolve_token(goalrail_token),
    )
    app = FastAPI(title="Goalrail LLM proxy", version="0.1.0")
    app.include_router(build_router(proxy))
    return app
