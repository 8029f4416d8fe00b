"""Claude Code's own LLM traffic through Goalrail: ``ANTHROPIC_BASE_URL`` pointed at the server.

The server's Anthropic Messages endpoint (``/v1/messages``) forwards to the
scripted fake model as its upstream.  A session-level cost budget the user
adds over REST stops Claude Code before its first model call.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.agents import ClaudeCode
from tests.e2e.fake_models import FakeModel
from tests.e2e.harness import CONFIG, cli, run
from tests.integrations.support import AGENT_TOKEN, ServerProc, running_server

pytestmark = pytest.mark.e2e
MODEL = "claude-sonnet-4-6"  # priced in the shipped price table


@pytest.fixture(scope="module")
def proxy_server(tmp_path_factory: pytest.TempPathFactory, model_api: FakeModel) -> Iterator[ServerProc]:
    config = CONFIG + f"llm_proxy: {{anthropic_upstream: {model_api.url}, anthropic_api_key_env: FAKE_ANT_KEY}}\n"
    with running_server(tmp_path_factory.mktemp("llm"), config=config, FAKE_ANT_KEY="sk-ant-upstream") as srv:
        yield srv


def claude_via_goalrail(tmp_path: Path, fake: FakeModel, server: ServerProc, session: str, prompt: str) -> str:
    agent = ClaudeCode(tmp_path, fake)
    agent.setup()
    environ = agent.env() | {"ANTHROPIC_BASE_URL": server.url, "ANTHROPIC_API_KEY": AGENT_TOKEN}
    cmd = [str(cli("claude")), "-p", prompt, "--output-format", "json", "--allowedTools", "Bash"]
    result = run([*cmd, "--model", MODEL, "--session-id", session], cwd=agent.project, environ=environ)
    return result.output


def test_claude_code_model_calls_are_governed_and_priced(
    tmp_path: Path, proxy_server: ServerProc, fake: FakeModel
) -> None:
    session = str(uuid.uuid4())
    marker = tmp_path / "project" / "allowed.marker"
    output = claude_via_goalrail(tmp_path, fake, proxy_server, session, f"RUN: touch {marker}")
    assert marker.exists(), output
    assert fake.tool_results, "the upstream never saw the tool result"
    with proxy_server.user() as u:
        info = u.get(f"/v1/sessions/{session}").json()
    assert info["usage"]["total_cost_usd"] > 0, info["usage"]


def test_a_cost_budget_denies_claude_codes_model_call(
    tmp_path: Path, proxy_server: ServerProc, fake: FakeModel
) -> None:
    session = str(uuid.uuid4())
    with proxy_server.user() as u:
        u.post("/v1/sessions", json={"id": session}).raise_for_status()
        budget = {
            "name": "tiny_budget",
            "handler": "goalrail.policies.builtins.cost.cost_budget",
            "factory_params": {"max_cost_usd": 0.000001},
        }
        u.post(f"/v1/sessions/{session}/policies", json=budget).raise_for_status()
    marker = tmp_path / "project" / "allowed.marker"
    output = claude_via_goalrail(tmp_path, fake, proxy_server, session, f"RUN: touch {marker}")
    assert not marker.exists(), output
    assert "tiny_budget" in output, output
    assert not fake.requests, "a denied model call reached the upstream"
