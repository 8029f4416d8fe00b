"""``goalrail mcp-proxy --hide-denied``: tools/list hides what a dry run denies, and listing changes nothing.

A real ``goalrail server`` (ask_on_os_tools, a 3-call cap), the proxy process and
a real upstream MCP server, driven by the MCP SDK's client over stdio.
"""

from __future__ import annotations

import pytest

from tests.integrations.support import ServerProc
from tests.integrations.test_mcp_proxy import proxied

pytestmark = pytest.mark.slow


def _decisions(server: ServerProc, session: str) -> list[tuple[str, str, str]]:
    with server.user() as c:
        info = c.get(f"/v1/sessions/{session}", params={"decisions": 100}).json()
    return [(d["type"], d["target"], d["result"]) for d in info["recent_decisions"]]


async def test_hide_denied_lists_only_tools_a_dry_run_does_not_deny(server: ServerProc) -> None:
    session = "mcp-hide-1"
    async with proxied(server.url, session, "--hide-denied") as client:
        listed = await client.list_tools()  # ASK (read_file, run_command) is not a denial: all listed
        assert [t.name for t in listed.tools] == ["echo", "read_file", "run_command"]
        with server.user() as c:  # listing did not create the session
            assert c.get(f"/v1/sessions/{session}").status_code == 404
        for n in range(3):
            assert not (await client.call_tool("echo", {"text": str(n)})).is_error
        before = _decisions(server, session)
        with server.user() as c:
            pending_before = c.get("/v1/approvals", params={"session": session}).json()
        listed = await client.list_tools()  # the cap is reached: every tool call would be denied
        assert [t.name for t in listed.tools] == []
        capped = await client.call_tool("echo", {"text": "4"})  # and the call itself stays gated
        assert capped.is_error and "cap" in " ".join(getattr(b, "text", "") for b in capped.content)
        after = _decisions(server, session)
        with server.user() as c:
            pending_after = c.get("/v1/approvals", params={"session": session}).json()
    # Listing left no trace: only the refused call was added, no approval was created.
    assert after[1:] == before and after[0] == ("tool_call", "mcp__files__echo", "DENY")
    assert pending_after == pending_before


async def test_without_the_flag_every_tool_is_listed(server: ServerProc) -> None:
    session = "mcp-hide-2"
    async with proxied(server.url, session) as client:
        for n in range(3):
            await client.call_tool("echo", {"text": str(n)})
        listed = await client.list_tools()
        assert [t.name for t in listed.tools] == ["echo", "read_file", "run_command"]
