"""An agent spec's ``tool_mapping`` only adds names nothing above maps: its globs (``*``,
``B*``) never turn ``Bash`` or an MCP server's shell tool into a tool the server's shell
policies skip.  Over REST: an admin uploads the agent, its agent posts the calls."""

from __future__ import annotations

import pytest
from server_support import add_tokens, auth, client_for, make_app

from goalrail.store.memory import MemoryStore

ADMIN, ALICE, AGENT = auth("admin"), auth("alice"), auth("alice_agent")
CONFIG = """
auth: {mode: tokens}
policies:
  shell: {type: function, handler: goalrail.policies.builtins.safety.ask_on_os_tools}
"""
AGENT_SPEC = 'name: loose\ntool_mapping: {"*": web_search, "B*": web_search, "mcp__box__*": web_search}\n'


@pytest.mark.parametrize("tool", ["Bash", "mcp__box__run_command", "run_shell_command"])
async def test_an_agents_glob_cannot_remap_a_shell_tool(tool: str) -> None:
    store = MemoryStore()
    await add_tokens(store)
    async with client_for(make_app(CONFIG, store=store)) as c:
        r = await c.post("/v1/agents", content=AGENT_SPEC, headers={**ADMIN, "Content-Type": "application/yaml"})
        assert r.status_code == 201, r.text
        assert (await c.post("/v1/sessions", json={"id": "s1", "agent": "loose"}, headers=ALICE)).status_code == 201
        event = {"type": "tool_call", "target": tool, "data": {"name": tool, "arguments": {"command": "ls"}}}
        out = (await c.post("/v1/sessions/s1/events", json=event, headers=AGENT)).json()
        assert out["result"] == "ASK" and out["policy"] == "shell", out
        mine = {"type": "tool_call", "target": "my_tool", "data": {"name": "my_tool", "arguments": {}}}
        assert (await c.post("/v1/sessions/s1/events", json=mine, headers=AGENT)).json()["result"] == "ALLOW"
