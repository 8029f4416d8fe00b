"""MCP tool annotations reach Goalrail through the proxy and only ever tighten tool metadata."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

from tests.integrations.support import AGENT_TOKEN, AUTH, HERE, env, running_server

pytestmark = pytest.mark.slow

CONFIG = """
policies:
  writes_ask:
    type: function
    handler: goalrail.policies.builtins.tools.tool_gate
    factory_params: {kinds: {write: deny}}
"""


async def test_annotations_mark_writes_and_untrusted_output(tmp_path: Path) -> None:
    with running_server(tmp_path, CONFIG + AUTH) as server:
        upstream = [sys.executable, str(HERE / "upstream_mail_mcp.py")]
        args = ["-m", "goalrail", "mcp-proxy", "--session", "mcp-hints", "--url", server.url, "--token", AGENT_TOKEN]
        params = StdioServerParameters(command=sys.executable, args=[*args, "--", *upstream], env=env())
        async with stdio_client(params) as (read, write), ClientSession(read, write) as client:
            await client.initialize()
            page = await client.call_tool("fetch_page", {"url": "https://docs.example/faq"})
            assert not page.is_error
            sent = await client.call_tool("send_mail", {"to": "sales@shady.example", "body": "hi"})
            assert sent.is_error and "write tool" in " ".join(getattr(b, "text", "") for b in sent.content)
        with server.user() as c:
            info = c.get("/v1/sessions/mcp-hints").json()
        assert info["labels"]["untrusted_content"] == "mcp__mail__fetch_page"
        recorded = [d for d in info["recent_decisions"] if d["type"] == "tool_result"]
        assert recorded[0]["provenance"]["recorded"]["trust"] == "untrusted"
        assert any(v["value"] == "sales@shady.example" for v in info["provenance"])
