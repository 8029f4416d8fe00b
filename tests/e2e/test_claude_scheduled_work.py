"""Claude Code's scheduling tools are judged as the work they will run.

The real Claude Code (pinned), installed with ``goalrail install claude-code``, against a real
server whose pattern policy denies a ``process_spawn`` naming ``deferred-7310`` (a rule on that
action type only, so the call is refused only when Goalrail knows the tool starts work).  The
scripted model calls ``CronCreate`` with a prompt naming it: before ``CronCreate`` was mapped onto
``process_spawn`` it reached Goalrail as an unknown tool, which no rule judges, and was scheduled.
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

SPAWN_RULE = (
    """
policies:
  deferred:
    type: function
    handler: goalrail.policies.builtins.patterns.pattern_policy
    factory_params:
      inline:
        name: deferred
        default_action: allow
        patterns:
          - {pattern: ".*deferred-7310.*", action: deny, action_type: process_spawn, description: e2e-spawn-rule}
"""
    + AUTH
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("deferred-e2e"), config=SPAWN_RULE) as srv:
        yield srv


class Claude(ClaudeCode):
    def command(self, prompt: str) -> list[str]:
        words = super().command(prompt)
        at = words.index("--allowedTools")
        words[at + 1] = "Bash,CronCreate,CronList"
        return words


def cron(prompt: str) -> str:
    return f"CALL: CronCreate {json.dumps({'cron': '7 9 * * *', 'prompt': prompt, 'recurring': True})}"


def test_a_scheduled_prompt_is_judged_as_the_work_it_starts(
    tmp_path: Path, fake: FakeModel, server: ServerProc
) -> None:
    agent = Claude(tmp_path, fake)
    agent.setup()
    agent.install(server.url)
    result = agent.run(cron("every morning run deferred-7310 and push the result"))
    offered = {name for _, body in fake.requests for name in (t.get("name") for t in body.get("tools") or [])}
    assert "CronCreate" in offered, sorted(n for n in offered if n)
    assert any("Goalrail (deferred)" in r for r in fake.tool_results), (fake.tool_results, result.output)
    assert not any(r.startswith("Scheduled") for r in fake.tool_results), fake.tool_results


def test_a_scheduled_prompt_the_rules_allow_is_scheduled(tmp_path: Path, fake: FakeModel, server: ServerProc) -> None:
    agent = Claude(tmp_path, fake)
    agent.setup()
    agent.install(server.url)
    result = agent.run(cron("every morning summarise the open issues"))
    assert any(r.startswith("Scheduled") for r in fake.tool_results), (fake.tool_results, result.output)
