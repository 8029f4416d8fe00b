"""Real agent CLIs (pinned in scripts/e2e-clis) governed by Goalrail's hooks, end to end.

Each CLI is installed as a user would (``goalrail install …``), talks to the
scripted fake model API (fake_models.py) and to a real Goalrail server.  Each
scenario has the model ``touch`` a marker file; whether the file exists
afterwards is what the agent really did.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.agents import AGENTS, Agent
from tests.e2e.fake_models import FakeModel
from tests.e2e.harness import Gate
from tests.integrations.support import ServerProc, free_port, pending

pytestmark = pytest.mark.e2e


@pytest.fixture(params=list(AGENTS))
def agent(request: pytest.FixtureRequest, tmp_path: Path, fake: FakeModel) -> Iterator[Agent]:
    agent = AGENTS[request.param](tmp_path, fake)
    agent.setup()
    yield agent


class Resolver(threading.Thread):
    """As the user, over REST: resolve the first approval that was not pending when it started."""

    def __init__(self, server: ServerProc, decision: str) -> None:
        super().__init__(daemon=True)
        self.server, self.decision = server, decision
        self.before = {a["id"] for a in pending(server)}
        self.resolved: list[str] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            fresh = [a for a in pending(self.server) if a["id"] not in self.before]
            if fresh:
                with self.server.user() as c:
                    c.post(f"/v1/approvals/{fresh[0]['id']}", json={"decision": self.decision}).raise_for_status()
                self.resolved.append(fresh[0]["id"])
                return
            self.done.wait(0.05)

    def stop(self) -> list[str]:
        self.done.set()
        self.join()
        return self.resolved

    def __enter__(self) -> Resolver:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        # stopped however the block ends (a skip or failure inside it included), so
        # it never polls a server that a later fixture teardown has stopped
        self.stop()


def test_deny_is_not_executed_and_the_model_sees_the_reason(agent: Agent, server: ServerProc, fake: FakeModel) -> None:
    agent.install(server.url)
    marker = agent.project / "deny-me.marker"
    result = agent.run(f"RUN: touch {marker}")
    assert not marker.exists(), result.output
    assert any("e2e-reason-7431" in r for r in fake.tool_results), (fake.tool_results, result.output)


def test_allow_is_executed(agent: Agent, server: ServerProc) -> None:
    agent.install(server.url)
    marker = agent.project / "allowed.marker"
    result = agent.run(f"RUN: touch {marker}")
    assert marker.exists(), result.output


@pytest.mark.parametrize(("decision", "executed"), [("approve", True), ("deny", False)])
def test_ask_resolved_over_rest_while_the_hook_waits(
    agent: Agent, server: ServerProc, decision: str, executed: bool
) -> None:
    agent.install(server.url, "--ask-wait", "60")
    marker = agent.project / "ask-me.marker"
    with Resolver(server, decision) as resolver:
        result = agent.run(f"RUN: touch {marker}")
    assert resolver.resolved, f"no approval was requested: {result.output}"
    assert marker.exists() is executed, result.output


def test_server_down_from_the_start_is_not_executed(agent: Agent) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    agent.install(down)
    marker = agent.project / "allowed.marker"
    result = agent.run(f"RUN: touch {marker}")
    assert not marker.exists(), result.output
    # the prompt hook already fails closed: either the model never saw the prompt
    # (Claude Code, Codex: `codex exec --json` does not print the hook's reason) or the tool call was refused
    saw_prompt = [r for r in agent.fake.requests if "allowed.marker" in str(r)]
    assert not saw_prompt or any("Goalrail" in r for r in agent.fake.tool_results), result.output


def test_server_down_mid_session_is_not_executed(agent: Agent, server: ServerProc, fake: FakeModel) -> None:
    gate = Gate(server.url)
    agent.install(gate.url)
    marker = agent.project / "allowed.marker"
    fake.on_request = gate.close  # the prompt got through; the tool call will not reach Goalrail
    result = agent.run(f"RUN: touch {marker}")
    assert not marker.exists(), result.output
    assert any("Goalrail" in r for r in fake.tool_results), (fake.tool_results, result.output)
