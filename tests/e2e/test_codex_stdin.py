"""Codex's ``write_stdin`` runs no hook: a process left reading commands from its terminal must not start.

The real Codex CLI (pinned), installed with ``goalrail install codex``, against a real server
that allows everything not marked ``deny-me``: the scripted model starts an interactive
``bash`` with ``exec_command`` (``tty: true``) and types ``touch <marker>`` into it with
``write_stdin``.  Without Goalrail's refusal the ``touch`` runs, unjudged (checked: Codex
0.171 sends no ``PreToolUse`` for ``write_stdin``, and ``exec_command``'s carries only
``command: "bash"``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.agents import Codex
from tests.e2e.fake_models import FakeModel
from tests.integrations.support import ServerProc

pytestmark = pytest.mark.e2e


def test_an_interactive_shell_is_refused_so_its_stdin_cannot_run_unjudged(
    tmp_path: Path, fake: FakeModel, server: ServerProc
) -> None:
    agent = Codex(tmp_path, fake)
    agent.setup()
    agent.install(server.url)
    marker = agent.project / "typed-into-bash.marker"
    start = json.dumps({"cmd": "bash", "tty": True, "yield_time_ms": 800})
    typed = json.dumps({"session_id": "$SESSION", "chars": f"touch {marker}\n", "yield_time_ms": 800})
    result = agent.run(f"CALL: exec_command {start}\nCALL: write_stdin {typed}")
    assert not marker.exists(), result.output
    assert any("write_stdin" in r and "runs no hook" in r for r in fake.tool_results), fake.tool_results


def test_a_shell_given_its_script_still_runs(tmp_path: Path, fake: FakeModel, server: ServerProc) -> None:
    agent = Codex(tmp_path, fake)
    agent.setup()
    agent.install(server.url)
    marker = agent.project / "scripted.marker"
    scripted = json.dumps({"cmd": "bash -c 'touch " + str(marker) + "'"})
    result = agent.run(f"CALL: exec_command {scripted}")
    assert marker.exists(), result.output


def test_a_shell_fed_the_terminal_through_a_pipe_is_refused(
    tmp_path: Path, fake: FakeModel, server: ServerProc
) -> None:
    """``cat | bash``: bash reads a pipe, but ``cat`` copies the terminal into it, so what
    ``write_stdin`` types runs as a command just the same (it did, unjudged, before the refusal)."""
    agent = Codex(tmp_path, fake)
    agent.setup()
    agent.install(server.url)
    marker = agent.project / "typed-into-cat-bash.marker"
    start = json.dumps({"cmd": "cat | bash", "tty": True, "yield_time_ms": 800})
    typed = json.dumps({"session_id": "$SESSION", "chars": f"touch {marker}\n", "yield_time_ms": 1500})
    result = agent.run(f"CALL: exec_command {start}\nCALL: write_stdin {typed}")
    assert not marker.exists(), result.output
    assert any("`bash` would read its commands" in r for r in fake.tool_results), fake.tool_results
