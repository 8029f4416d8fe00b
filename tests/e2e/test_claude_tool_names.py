"""Claude Code's ``Monitor`` runs a shell command: the real CLI's call is judged by the shell policies.

The real Claude Code (pinned), installed with ``goalrail install claude-code``, against a real
server whose pattern policy denies a shell command naming ``shell-only-5120`` (a rule on
``shell_execute`` actions only, so the call is refused only when Goalrail knows it runs a shell).
The scripted model starts a ``Monitor`` whose ``command`` ``touch``es a marker: before
``Monitor`` was mapped onto ``sys_os_shell`` the command ran.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.agents import ClaudeCode
from tests.e2e.fake_models import FakeModel
from tests.integrations.support import AUTH, ServerProc, running_server

pytestmark = pytest.mark.e2e

SHELL_RULE = (
    """
policies:
  shell:
    type: function
    handler: goalrail.policies.builtins.patterns.pattern_policy
    factory_params:
      inline:
        name: shell
        default_action: allow
        patterns:
          - {pattern: ".*shell-only-5120.*", action: deny, action_type: shell_execute, description: e2e-shell-rule}
"""
    + AUTH
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("names-e2e"), config=SHELL_RULE) as srv:
        yield srv


class Claude(ClaudeCode):
    def command(self, prompt: str) -> list[str]:
        words = super().command(prompt)
        at = words.index("--allowedTools")
        words[at + 1] = "Bash,Monitor"
        return words


def monitor(agent: Claude, marker: Path) -> str:
    args = {"description": "watch", "timeout_ms": 30000, "command": f"touch {marker}; sleep 1"}
    return f"CALL: Monitor {json.dumps(args)}"


def test_a_monitor_command_is_judged_as_a_shell_command(tmp_path: Path, fake: FakeModel, server: ServerProc) -> None:
    agent = Claude(tmp_path, fake)
    agent.setup()
    agent.install(server.url)
    marker = agent.project / "shell-only-5120.marker"
    result = agent.run(monitor(agent, marker))
    offered = {name for _, body in fake.requests for name in (t.get("name") for t in body.get("tools") or [])}
    assert "Monitor" in offered, sorted(n for n in offered if n)
    assert not marker.exists(), result.output
    assert any("Goalrail (shell)" in r for r in fake.tool_results), (fake.tool_results, result.output)


def test_a_monitor_command_the_rules_allow_runs(tmp_path: Path, fake: FakeModel, server: ServerProc) -> None:
    agent = Claude(tmp_path, fake)
    agent.setup()
    agent.install(server.url)
    marker = agent.project / "watched.marker"
    result = agent.run(monitor(agent, marker))
    assert marker.exists(), (result.output, fake.tool_results)
