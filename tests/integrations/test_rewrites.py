"""A policy's replacement payload (``data``) reaches the agent: MCP arguments,
LLM request fields, Claude Code's ``updatedInput``.  In-process, real components."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from goalrail.config.server import server_config_from_text
from goalrail.integrations.claude_code import translate
from goalrail.integrations.client import AsyncGoalrailClient
from goalrail.integrations.llm_proxy.proxy import LLMProxy
from goalrail.integrations.llm_proxy.routes import build_router
from goalrail.integrations.local import LocalBackend
from goalrail.integrations.mcp.proxy import GovernedTools
from goalrail.server import create_app
from goalrail.store.memory import MemoryStore
from tests.integrations.conftest import make_runtime
from tests.integrations.fake_openai import app as fake_upstream
from tests.integrations.support import AGENT_TOKEN, AUTH, CHAIN, P
from tests.integrations.upstream_mcp import app as upstream_mcp

FORCE_POLICIES = f"""
  force: {{type: function, handler: {P}.force_arguments,
          factory_params: {{target: mcp__files__echo, values: {{text: "[redacted]"}}}}}}
  cap_tokens: {{type: function, handler: {P}.cap_max_tokens, factory_params: {{limit: 32}}}}
"""
CONFIG = CHAIN.replace("tool_mapping:", FORCE_POLICIES.lstrip("\n") + "tool_mapping:")


async def test_mcp_proxy_forwards_rewritten_arguments() -> None:
    from mcp import Client

    gate = GovernedTools(LocalBackend(make_runtime(CONFIG)), "rw-mcp", "files")
    async with Client(upstream_mcp) as upstream:
        result = await gate.call_tool(None, upstream.session, "echo", {"text": "my password is hunter2"})
    assert not result.is_error
    assert result.content[0].text == "echo: [redacted]"  # type: ignore[union-attr]


async def test_llm_proxy_forwards_rewritten_request() -> None:
    server = create_app(server_config_from_text(CONFIG + AUTH), MemoryStore())
    goalrail = AsyncGoalrailClient("http://goalrail.test", AGENT_TOKEN, transport=httpx.ASGITransport(app=server))
    proxy = LLMProxy(goalrail, "http://upstream.test/v1", upstream_transport=httpx.ASGITransport(app=fake_upstream))
    app = FastAPI()
    app.include_router(build_router(proxy))
    before = len(fake_upstream_requests())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://proxy.test") as c:
        resp = await c.post(
            "/v1/chat/completions",
            headers={"Authorization": f"Bearer {AGENT_TOKEN}", "X-Goalrail-Session": "rw-llm"},
            json={"model": "fake-gpt", "max_tokens": 1000, "messages": [{"role": "user", "content": "hi"}]},
        )
    assert resp.status_code == 200, resp.text
    forwarded = fake_upstream_requests()[before:]
    assert [r["body"]["max_tokens"] for r in forwarded] == [32]


def fake_upstream_requests() -> list[dict[str, Any]]:
    from tests.integrations import fake_openai

    return fake_openai.received


def test_claude_code_updated_input() -> None:
    verdict = {
        "result": "ALLOW",
        "reason": "forced ['sandbox']",
        "policy": "force",
        "data": {"name": "sys_os_shell", "original_name": "Bash", "arguments": {"command": "ls", "sandbox": True}},
    }
    out = translate.to_output(translate.PRE, verdict)["hookSpecificOutput"]  # type: ignore[index]
    assert out["updatedInput"] == {"command": "ls", "sandbox": True}
    assert out["permissionDecision"] == "ask"  # the user confirms the changed call
    out = translate.to_output(translate.PRE, verdict, on_allow="allow")["hookSpecificOutput"]  # type: ignore[index]
    assert out["permissionDecision"] == "allow"
