"""Claude Code's ``EnterWorktree`` meets the rule on ``git worktree add``.

The real Claude Code (pinned), installed with ``goalrail install claude-code``, in a git project,
against a real server running ``block_working_dir_changes`` with ``cd`` allowed inside the project
and ``git worktree add``/``remove`` refused.  The scripted model calls ``EnterWorktree``: before the
tool was mapped it reached Goalrail as an unknown tool, so the worktree was created (``Created
worktree at …``) and the session moved into it, though the same change as a shell command is
refused.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.agents import ClaudeCode
from tests.e2e.fake_models import FakeModel
from tests.integrations.support import AUTH, ServerProc, running_server

pytestmark = pytest.mark.e2e

WORKTREE_RULE = (
    """
policies:
  workdir:
    type: function
    handler: goalrail.policies.builtins.working_dir.block_working_dir_changes
    factory_params: {allowed_dirs: ["."]}
"""
    + AUTH
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("worktree-e2e"), config=WORKTREE_RULE) as srv:
        yield srv


class Claude(ClaudeCode):
    def command(self, prompt: str) -> list[str]:
        words = super().command(prompt)
        words[words.index("--allowedTools") + 1] = "Bash,EnterWorktree,ExitWorktree"
        return words


def _agent(tmp_path: Path, fake: FakeModel, server: ServerProc) -> Claude:
    agent = Claude(tmp_path, fake)
    agent.setup()
    agent.install(server.url)
    git = "git init -q && git -c user.email=e2e@example.com -c user.name=e2e commit -q --allow-empty -m init"
    subprocess.run(git, shell=True, cwd=agent.project, check=True)
    return agent


def test_entering_a_new_worktree_is_refused_as_git_worktree_add(
    tmp_path: Path, fake: FakeModel, server: ServerProc
) -> None:
    agent = _agent(tmp_path, fake, server)
    result = agent.run(f"CALL: EnterWorktree {json.dumps({'name': 'wt1'})}")
    offered = {name for _, body in fake.requests for name in (t.get("name") for t in body.get("tools") or [])}
    assert "EnterWorktree" in offered, sorted(n for n in offered if n)
    assert any("Goalrail (workdir)" in r and "worktree" in r for r in fake.tool_results), (
        fake.tool_results,
        result.output,
    )
    assert not (agent.project / ".claude" / "worktrees" / "wt1").exists()
    assert not any(r.startswith("Created worktree") for r in fake.tool_results), fake.tool_results
