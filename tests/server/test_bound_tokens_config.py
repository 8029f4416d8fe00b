"""Bound tokens from the config (``auth.tokens[].agent``), the integrations that create
sessions without naming an agent spec (Claude Code's http hook, the SDK client the MCP and
LLM proxies use), and the config's checks."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import httpx
import pytest
from server_support import SHELL, client_for, make_app

from goalrail.config.server import server_config_from_text
from goalrail.errors import ConfigError, GoalrailError
from goalrail.integrations.client import AsyncGoalrailClient

FIXTURE = Path(__file__).parents[1] / "integrations" / "fixtures" / "claude_code" / "pre_tool_use_bash.json"
TOKEN = "gr_bound-to-helper"
ALICE_USER = "gr_alice-user"
HELPER = (
    "name: helper\npolicies:\n  nope: {type: function, handler: gr_testpolicies.deny_target, "
    "factory_params: {contains: rm}}\n"
)


def _config(agents: Path, agent: str = "helper") -> str:
    (agents / "helper.yaml").write_text(HELPER)
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    user = hashlib.sha256(ALICE_USER.encode()).hexdigest()
    return f"""
policy_modules: [gr_testpolicies]
agents_dir: {agents}
auth:
  mode: tokens
  tokens:
    - {{user: alice, role: agent, sha256: {digest}, agent: {agent}}}
    - {{user: alice, role: user, sha256: {user}}}
"""


async def test_a_configured_token_bound_to_an_agent_spec(tmp_path: Path) -> None:
    app = make_app(_config(tmp_path))
    bound = {"Authorization": f"Bearer {TOKEN}"}
    alice = {"Authorization": f"Bearer {ALICE_USER}"}
    async with app.router.lifespan_context(app), client_for(app) as c:
        assert (await c.get("/v1/auth/me", headers=bound)).json()["agent"] == "helper"
        rm = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "rm -rf x"}}}
        r = await c.post("/v1/sessions/s1/events", json=rm, headers=bound)
        assert r.json()["result"] == "DENY" and r.json()["policy"] == "nope"
        assert (await c.get("/v1/sessions/s1", headers=alice)).json()["agent"] == "helper"
        assert (await c.post("/v1/sessions", json={"id": "plain"}, headers=alice)).status_code == 201
        r = await c.post("/v1/sessions/plain/events", json=SHELL, headers=bound)
        assert r.status_code == 403 and "no agent spec" in r.json()["message"]


async def test_a_configured_token_bound_to_an_unknown_agent_spec_stops_the_start(tmp_path: Path) -> None:
    app = make_app(_config(tmp_path, agent="ghost"))
    with pytest.raises(GoalrailError, match=r"bound to agent spec `ghost`, which this server does not know"):
        async with app.router.lifespan_context(app):
            pass


def test_the_config_checks_a_binding() -> None:
    digest = "0" * 64
    with pytest.raises(ConfigError, match=r"only agent tokens can be bound"):
        server_config_from_text(f"auth: {{tokens: [{{user: a, role: user, sha256: '{digest}', agent: x}}]}}\n")
    with pytest.raises(ConfigError, match=r"`auth.tokens\[0\].agent` must be an agent spec's name"):
        server_config_from_text(f"auth: {{tokens: [{{user: a, role: agent, sha256: '{digest}', agent: 3}}]}}\n")
    with pytest.raises(ConfigError, match=r"`auth.require_agent` must be true or false"):
        server_config_from_text("auth: {require_agent: yes please}\n")
    cfg = server_config_from_text(f"auth: {{tokens: [{{user: a, role: agent, sha256: '{digest}', agent: x}}]}}\n")
    assert cfg.auth["tokens"][0]["agent"] == "x"


async def test_integrations_that_name_no_agent_spec_just_work_with_a_bound_token(tmp_path: Path) -> None:
    """Claude Code's http hook and the SDK client (what the MCP and LLM proxies post with) send
    no agent name: their sessions run the token's agent spec."""
    app = make_app(_config(tmp_path))
    bound = {"Authorization": f"Bearer {TOKEN}"}
    alice = {"Authorization": f"Bearer {ALICE_USER}"}
    payload = json.loads(FIXTURE.read_text())
    async with app.router.lifespan_context(app), client_for(app) as c:
        r = await c.post("/hooks/claude-code", json=payload, headers=bound)
        out = r.json()["hookSpecificOutput"]
        assert out["permissionDecision"] == "deny" and "nope" in out["permissionDecisionReason"], out
        session = (await c.get("/v1/sessions", headers=alice)).json()["data"]
        assert [(s["id"], s["agent"]) for s in session] == [(payload["session_id"], "helper")]
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        sdk = AsyncGoalrailClient("http://127.0.0.1:6767", TOKEN, transport=transport)
        try:
            assert (await sdk.evaluate("sdk-1", SHELL))["result"] == "ALLOW"
            await sdk.record_usage("sdk-2", "gpt-4o", 10, 5)
        finally:
            await sdk.aclose()
        for sid in ("sdk-1", "sdk-2"):
            assert (await c.get(f"/v1/sessions/{sid}", headers=alice)).json()["agent"] == "helper"
