"""What comes back after the call — an MCP tool's result, a non-streamed LLM answer — is
delivered only on an ALLOW of its ``tool_result`` / ``llm_response`` event.  An ASK waits for
its approval as the call's does (refused or unanswered: withheld), and an answer without a
verdict, or the server refusing the event, withholds it: integrations fail closed.  In-process,
against a stub Goalrail that answers the call ALLOW and the result as each case says."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse

from goalrail.errors import InvalidEvent
from goalrail.integrations.client import AsyncGoalrailClient
from goalrail.integrations.llm_proxy.proxy import LLMProxy
from goalrail.integrations.llm_proxy.routes import build_router
from goalrail.integrations.mcp.proxy import GovernedTools
from goalrail.jsontypes import JsonObject
from tests.integrations.fake_openai import app as fake_upstream
from tests.integrations.upstream_mcp import app as upstream_mcp

ASKED = {"result": "ASK", "reason": "check the result", "policy": "p", "approval_id": "apr_1"}
#: the answers to the result's event that must withhold it, and the approval's status for the ASK
WITHHELD: dict[str, tuple[Any, str]] = {
    "deny": ({"result": "DENY", "reason": "no", "policy": "p"}, "pending"),
    "ask refused": (ASKED, "denied"),
    "ask unanswered": (ASKED, "pending"),
    "lower-case": ({"result": "allow"}, "pending"),
    "no result": ({"reason": "?"}, "pending"),
    "null result": ({"result": None}, "pending"),
    "refused event": (InvalidEvent("invalid event: data.model: too long"), "pending"),
}


class StubBackend:
    """Goalrail as the MCP proxy sees it: the call ALLOWed, the result answered ``after``."""

    def __init__(self, after: Any, status: str) -> None:
        self.after, self.status = after, status

    async def evaluate(self, session: str, event: Mapping[str, object], *, wait: float | None = None) -> JsonObject:
        if event.get("type") == "tool_call":
            return {"result": "ALLOW"}
        if isinstance(self.after, Exception):
            raise self.after
        return dict(self.after)

    async def wait_approval(self, approval_id: str, wait: float | None = None) -> JsonObject:
        return {"id": approval_id, "status": self.status}


@pytest.mark.parametrize("case", [*WITHHELD, "ask approved", "allow"])
async def test_mcp_proxy_delivers_a_result_only_on_allow(case: str) -> None:
    from mcp import Client

    after, status = WITHHELD.get(case) or ((ASKED, "approved") if case == "ask approved" else ({"result": "ALLOW"}, ""))
    gate = GovernedTools(StubBackend(after, status), "after-mcp", "files", ask_timeout_s=0.2)  # type: ignore[arg-type]
    async with Client(upstream_mcp) as upstream:
        result = await gate.call_tool(None, upstream.session, "echo", {"text": "secret"})
    text = result.content[0].text  # type: ignore[union-attr]
    if case in WITHHELD:
        assert result.is_error and "withheld" in text and "secret" not in text, text
    else:
        assert not result.is_error and text == "echo: secret"


def stub_goalrail(after: Any, status: str) -> FastAPI:
    """A Goalrail server over HTTP: the request ALLOWed, the response answered ``after``."""
    app = FastAPI()

    @app.post("/v1/sessions/{session}/events")
    async def events(session: str, request: Request) -> JSONResponse:
        event = await request.json()
        if event.get("type") == "llm_request":
            return JSONResponse({"result": "ALLOW"})
        if isinstance(after, Exception):
            return JSONResponse({"code": "invalid_event", "message": str(after), "errors": []}, status_code=422)
        return JSONResponse(after)

    @app.get("/v1/approvals/{approval_id}")
    async def approval(approval_id: str) -> JSONResponse:
        return JSONResponse({"id": approval_id, "status": status})

    return app


@pytest.mark.parametrize("case", [*WITHHELD, "ask approved", "allow"])
async def test_llm_proxy_delivers_an_answer_only_on_allow(case: str) -> None:
    after, status = WITHHELD.get(case) or ((ASKED, "approved") if case == "ask approved" else ({"result": "ALLOW"}, ""))
    transport = httpx.ASGITransport(app=stub_goalrail(after, status))
    goalrail = AsyncGoalrailClient("http://goalrail.test", "tok", transport=transport)
    proxy = LLMProxy(
        goalrail,
        "http://upstream.test/v1",
        upstream_transport=httpx.ASGITransport(app=fake_upstream),
        ask_timeout_s=0.2,
    )
    app = FastAPI()
    app.include_router(build_router(proxy))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://proxy.test") as c:
        resp = await c.post(
            "/v1/chat/completions",
            headers={"Authorization": "Bearer tok", "X-Goalrail-Session": "after-llm"},
            json={"model": "fake-gpt", "messages": [{"role": "user", "content": "hi"}]},
        )
    if case in WITHHELD:
        assert resp.status_code == 403, resp.text
        assert "withheld" in resp.json()["error"]["message"]
    else:
        assert resp.status_code == 200, resp.text
        assert resp.json()["choices"]
