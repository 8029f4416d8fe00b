"""Codex's code mode: the tool calls its JavaScript makes are hooked, its ``exec`` cell is not.

The real Codex (pinned) with ``features.code_mode`` on offers a freeform ``exec`` tool whose
JavaScript calls the other tools (``await tools.exec_command({cmd})``; no file system or network
of its own).  Checked here: the nested ``exec_command`` runs Goalrail's ``PreToolUse`` hook and a
shell rule refuses it, while a rule denying every ``process_spawn`` (what ``exec`` maps onto) does
not stop the cell: Codex 0.171 runs no hook for ``exec`` itself, so a hooked session is governed
through the nested calls, and the ``exec`` mapping serves the LLM proxy, which sees only the code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.agents import Codex
from tests.e2e.fake_models import FakeModel
from tests.integrations.support import AUTH, ServerProc, running_server

pytestmark = pytest.mark.e2e

RULES = (
    """
policies:
  code:
    type: function
    handler: goalrail.policies.builtins.patterns.pattern_policy
    factory_params:
      inline:
        name: code
        default_action: allow
        patterns:
          - {pattern: ".*shell-only-5121.*", action: deny, action_type: shell_execute, description: e2e-shell-rule}
          - {pattern: ".*code-7312.*", action: deny, action_type: process_spawn, description: e2e-code-rule}
"""
    + AUTH
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("code-mode-e2e"), config=RULES) as srv:
        yield srv


class CodeMode(Codex):
    def command(self, prompt: str) -> list[str]:
        words = super().command(prompt)
        return [*words[:2], "-c", "features.code_mode=true", *words[2:]]


def cell(marker: Path, note: str = "") -> str:
    code = f"{note}const r = await tools.exec_command({{cmd: 'touch {marker}'}}); text(JSON.stringify(r));"
    return "CALL: exec " + json.dumps({"input": code})


def test_a_nested_shell_call_is_judged(tmp_path: Path, fake: FakeModel, server: ServerProc) -> None:
    agent = CodeMode(tmp_path, fake)
    agent.setup()
    agent.install(server.url)
    marker = agent.project / "shell-only-5121.marker"
    result = agent.run(cell(marker))
    offered = {t.get("name") for _, body in fake.requests for t in body.get("tools") or []}
    assert "exec" in offered, sorted(n for n in offered if n)
    assert not marker.exists(), result.output
    assert any("Goalrail (code)" in r for r in fake.tool_results), (fake.tool_results, result.output)


def test_the_cell_itself_runs_no_hook(tmp_path: Path, fake: FakeModel, server: ServerProc) -> None:
    agent = CodeMode(tmp_path, fake)
    agent.setup()
    agent.install(server.url)
    marker = agent.project / "cell.marker"
    result = agent.run(cell(marker, "// code-7312\n"))
    assert marker.exists(), (fake.tool_results, result.output)
