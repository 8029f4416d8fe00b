"""Mounting the LLM proxy: inside the Goalrail server, or as its own small app.

In the server (``mount(app, state)``, called by ``create_app`` when this
module exists) the proxy's upstream comes from a ``llm_proxy: {upstream,
api_key_env, ask_timeout_s}`` config section once the config accepts one, and
meanwhile from ``GOALRAIL_LLM_UPSTREAM`` (key from ``OPENAI_API_KEY``).  It evaluates
through the server's own events API in-process (same auth and audit).
Without an upstream it answers 503 saying so.
"""

from __future__ import annotations

import os
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from goalrail.integrations.client import AsyncGoalrailClient
from goalrail.integrations.endpoint import resolve_token
from goalrail.integrations.llm_proxy import shapes
from goalrail.integrations.llm_proxy.proxy import LLMProxy

PATH = "/v1/chat/completions"


def build_router(proxy: LLMProxy | None) -> APIRouter:
    router = APIRouter(tags=["llm proxy"])

    @router.post(PATH, summary="OpenAI-compatible chat completions, governed by the session's policies")
    async def chat_completions(request: Request) -> Response:
        if proxy is None:
            return JSONResponse(
                shapes.error_body(
                    "the LLM proxy has no upstream; set server.llm_proxy.upstream",
                    type_="goalrail_unavailable",
                    code="llm_proxy_not_configured",
                ),
                status_code=503,
            )
        return await proxy.chat_completions(request)

    return router


def mount(app: FastAPI, state: Any) -> None:
    settings = (
        getattr(state.config, "llm_proxy", None) or (getattr(state.config, "server", None) or {}).get("llm_proxy") or {}
    )
    upstream = settings.get("upstream") or os.environ.get("GOALRAIL_LLM_UPSTREAM")
    proxy = None
    if upstream:
        key_env = settings.get("api_key_env") or "OPENAI_API_KEY"

        def in_process(request: Request) -> AsyncGoalrailClient:
            client = request.client
            transport = httpx.ASGITransport(app=app, client=(client.host, client.port) if client else ("127.0.0.1", 0))
            return AsyncGoalrailClient("http://127.0.0.1", "", transport=transport)

        proxy = LLMProxy(
            in_process,
            upstream,
            upstream_key=os.environ.get(key_env),
            ask_timeout_s=float(settings.get("ask_timeout_s", 300)),
        )
    app.include_router(build_router(proxy))


def create_app(
    upstream: str,
    *,
    goalrail_url: str | None = None,
    goalrail_token: str | None = None,
    upstream_key: str | None = None,
    ask_timeout_s: float = 300.0,
    upstream_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """The proxy on its own (``goalrail llm-proxy``), talking to a Goalrail server over HTTP."""
    client = AsyncGoalrailClient(goalrail_url, goalrail_token)
    proxy = LLMProxy(
        client,
        upstream,
        upstream_key=upstream_key,
        ask_timeout_s=ask_timeout_s,
        upstream_transport=upstream_transport,
        default_token=lambda: resolve_token(goalrail_token),
    )
    app = FastAPI(title="Goalrail LLM proxy", version="0.1.0")
    app.include_router(build_router(proxy))
    return app
