"""`goalrail mcp-proxy` inside the real Claude Code (`claude -p`), with and without the hooks.

Claude Code starts the proxy as its MCP server ``files`` (upstream: a real MCP
server whose ``touch`` tool creates a file).  An ASK is approved over REST while
Claude Code waits; the call must then go through, and be evaluated once even
though the hook and the proxy both see it (they share Claude Code's session).
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import pytest

from tests.e2e.agents import ClaudeCode
from tests.e2e.fake_models import FakeModel
from tests.e2e.harness import cli, run
from tests.e2e.test_hooks import Resolver
from tests.integrations.support import AGENT_TOKEN, ServerProc

pytestmark = pytest.mark.e2e
UPSTREAM = Path(__file__).with_name("marker_mcp.py")


@pytest.mark.parametrize("hooks", [True, False], ids=["with-hooks", "proxy-only"])
def test_ask_approved_in_goalrail_goes_through_once(
    tmp_path: Path, server: ServerProc, fake: FakeModel, hooks: bool
) -> None:
    agent = ClaudeCode(tmp_path, fake)
    agent.setup()
    if hooks:
        agent.install(server.url, "--ask-wait", "60")
    proxy = ["-m", "goalrail", "mcp-proxy", "--url", server.url, "--token", AGENT_TOKEN, "--ask-timeout", "60"]
    mcp_config = tmp_path / "mcp.json"
    mcp_config.write_text(
        json.dumps(
            {
                "mcpServers": {
                    "files": {"command": sys.executable, "args": [*proxy, "--", sys.executable, str(UPSTREAM)]}
                }
            }
        )
    )
    marker = agent.project / "ask-me.marker"
    session = str(uuid.uuid4())
    cmd = [str(cli("claude")), "-p", f'CALL: mcp__files__touch {{"path": "{marker}"}}', "--output-format", "json"]
    cmd += ["--mcp-config", str(mcp_config), "--strict-mcp-config", "--allowedTools", "mcp__files__touch"]
    with Resolver(server, "approve") as resolver:
        result = run([*cmd, "--session-id", session], cwd=agent.project, environ=agent.env())
    assert resolver.resolved, f"no approval was requested: {result.output}"
    assert marker.exists(), (result.output, fake.tool_results)
    assert any(f"touched {marker}" in r for r in fake.tool_results), fake.tool_results
    with server.user() as u:
        audit = u.get("/v1/audit", params={"session": session}).json()["data"]
        approvals = u.get("/v1/approvals", params={"session": session}).json()["data"]
        state = u.get(f"/v1/sessions/{session}").json()["policy_state"]
    calls = [e["payload"] for e in audit if e["kind"] == "decision" and e["payload"]["type"] == "tool_call"]
    seen = [(p["event"]["context"].get("harness"), p["result"], p.get("reused"), p.get("approval_id")) for p in calls]
    assert len(approvals) == 1, approvals
    assert {p["event"]["target"] for p in calls} == {"mcp__files__touch"}, seen
    # counted once, although the hook and the proxy (or the proxy's approved retry) both saw the call
    assert [v.get("calls") for ns, v in state.items() if "counter" in ns] == [1], (state, seen)
    if hooks:  # the proxy reuses the hook's decision instead of evaluating again
        assert [(h, reused) for h, _, reused, _ in seen] == [("claude-code", None), ("mcp-proxy", True)], seen
