"""The LLM proxy in-process against a real Goalrail server, its upstream a scripted provider.

``proxy_ask`` (a fixture in ``conftest.py``, bound to the test module's ``server``)
sends one request through a fresh :class:`LLMProxy` mounted as ``goalrail llm-proxy``
mounts it; the upstream answers with the JSON body or the SSE lines the test gives.
The proxy talks to the Goalrail server over real HTTP with the agent's token.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from goalrail.integrations.client import AsyncGoalrailClient
from goalrail.integrations.llm_proxy.proxy import LLMProxy
from goalrail.integrations.llm_proxy.routes import build_router
from tests.integrations.support import AGENT_TOKEN


def scripted(answer: Any, seen: list[dict[str, Any]] | None = None) -> FastAPI:
    """A provider answering every request with ``answer``: a JSON body, or a list of SSE lines
    (the bodies it received appended to ``seen``)."""
    app = FastAPI()

    async def reply(request: Request) -> Response:
        if seen is not None:
            seen.append(await request.json())
        if isinstance(answer, dict):
            return JSONResponse(answer)

        async def lines() -> AsyncIterator[bytes]:
            for line in answer:
                yield (line + "\n\n").encode()

        return StreamingResponse(lines(), media_type="text/event-stream")

    app.post("/v1/chat/completions")(reply)
    app.post("/v1/messages")(reply)
    return app


class ProxyAsk:
    """``await proxy_ask(answer, path, body, session=…)``: the proxy's response, read whole."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url

    async def __call__(
        self, answer: Any, path: str, body: dict[str, Any], *, session: str, seen: list[dict[str, Any]] | None = None
    ) -> httpx.Response:
        goalrail = AsyncGoalrailClient(self.server_url, AGENT_TOKEN)
        proxy = LLMProxy(
            goalrail,
            "http://upstream.test/v1",
            anthropic_upstream="http://upstream.test",
            upstream_transport=httpx.ASGITransport(app=scripted(answer, seen)),
            ask_timeout_s=0.2,
        )
        app = FastAPI()
        app.include_router(build_router(proxy))
        headers = {"Authorization": f"Bearer {AGENT_TOKEN}", "X-Goalrail-Session": session}
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://proxy.test") as c:
                resp = await c.post(path, headers=headers, json=body)
                await resp.aread()
                return resp
        finally:
            await proxy.aclose()
            await goalrail.aclose()
