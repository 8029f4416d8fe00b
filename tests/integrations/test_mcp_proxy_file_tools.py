"""``goalrail mcp-proxy`` in front of a file server nobody mapped: the upstream's ``read_file``
(``tests/integrations/upstream_mcp.py``) has no ``tool_mapping`` entry in the server's config,
yet a call of it is judged as the ``file_read`` it is (``engine.mcp_files``) — the real proxy
process, driven by the SDK's client over stdio, against a real ``goalrail server``."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

from tests.integrations.support import AGENT_TOKEN, AUTH, HERE, P, ServerProc, env, running_server, session_info

pytestmark = pytest.mark.slow

UNMAPPED = f"""
policy_modules: [{P}]
policies:
  deny_read: {{type: function, handler: {P}.deny_paths, factory_params: {{paths: [/etc/shadow]}}}}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("unmapped"), config=UNMAPPED + AUTH) as srv:
        yield srv


async def test_an_unmapped_read_file_is_judged_as_a_file_read(server: ServerProc) -> None:
    session = "mcp-unmapped-1"
    args = ["-m", "goalrail", "mcp-proxy", "--session", session, "--url", server.url, "--token", AGENT_TOKEN]
    params = StdioServerParameters(
        command=sys.executable, args=[*args, "--", sys.executable, str(HERE / "upstream_mcp.py")], env=env()
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as client:
        await client.initialize()
        denied = await client.call_tool("read_file", {"path": "/etc/shadow"})
        assert denied.is_error and "/etc/shadow" in " ".join(getattr(b, "text", "") for b in denied.content)
        allowed = await client.call_tool("read_file", {"path": "/tmp/notes.txt"})
        assert not allowed.is_error
        assert not (await client.call_tool("echo", {"text": "hi"})).is_error
    decisions = session_info(server, session)["recent_decisions"][::-1]
    calls = [(d["target"], d["action"]["type"], d["action"]["mapped_by"], d["result"]) for d in decisions]
    assert [c for d, c in zip(decisions, calls, strict=True) if d["type"] == "tool_call"] == [
        ("mcp__files__read_file", "file_read", "builtin:mcp-file", "DENY"),
        ("mcp__files__read_file", "file_read", "builtin:mcp-file", "ALLOW"),
        ("mcp__files__echo", None, None, "ALLOW"),
    ]
