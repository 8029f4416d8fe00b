"""A file a prompt mentions (``summarise @.env``) meets the file rules before the harness attaches it.

The real CLIs (pinned), installed with ``goalrail install``, against a real server whose file
rules refuse reading dot-env files and anything under ``.ssh/``.  Claude Code and Gemini CLI
read a mentioned file themselves and put its content in the model request with no tool call
(checked: no ``PreToolUse``/``BeforeTool`` fires; Claude Code sends it as a made-up ``Read``
call and result, Gemini inlines it after ``--- Content from referenced files ---``), so before
the mention was judged at the prompt hook the secret reached the model API.  What the fake
model received is what left the machine.  ``codex exec`` attaches nothing for a mention: the
path stays text, and a read is the model's tool call, judged as usual.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.agents import Agent, ClaudeCode, Codex, Gemini
from tests.e2e.fake_models import FakeModel
from tests.integrations.support import AUTH, ServerProc, running_server

pytestmark = pytest.mark.e2e

FILE_RULES = (
    """
policies:
  files:
    type: function
    handler: goalrail.policies.builtins.patterns.pattern_policy
    factory_params:
      inline:
        name: files
        default_action: allow
        patterns:
          - {id: dotenv, pattern: "(.*/)?\\\\.env(\\\\.[^/]*)?$", action: deny, action_type: file_read}
          - {id: ssh, pattern: ".*\\\\.ssh/.*", action: deny, action_type: file_read}
"""
    + AUTH
)
SECRET, KEY, NOTE = "sekrit-env-4410", "ssh-key-body-8812", "plain-note-3307"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("mentions-e2e"), config=FILE_RULES) as srv:
        yield srv


def _agent(kind: type[Agent], tmp_path: Path, fake: FakeModel, server: ServerProc) -> Agent:
    agent = kind(tmp_path, fake)
    agent.setup()
    agent.install(server.url)
    (agent.project / ".env").write_text(f"TOKEN={SECRET}\n")
    (agent.project / "conf").mkdir()
    (agent.project / "conf" / ".env.local").write_text(f"TOKEN={SECRET}\n")
    (agent.project / "notes.txt").write_text(f"{NOTE}\n")
    (agent.home / ".ssh").mkdir()
    (agent.home / ".ssh" / "id_rsa").write_text(f"{KEY}\n")
    return agent


def _sent(fake: FakeModel, text: str) -> bool:
    """Whether ``text`` reached the model API in any request."""
    return any(text in json.dumps(body) for _, body in fake.requests)


@pytest.mark.parametrize(
    ("prompt", "secret"),
    [
        ("summarise @.env please", SECRET),
        ("what is in @conf/.env.local?", SECRET),
        ('look at @"./.env"', SECRET),
        ("check @~/.ssh/id_rsa", KEY),
        ("list @~/.ssh", "id_rsa"),
    ],
)
def test_claude_code_mention_of_a_denied_file_never_reaches_the_model(
    tmp_path: Path, fake: FakeModel, server: ServerProc, prompt: str, secret: str
) -> None:
    agent = _agent(ClaudeCode, tmp_path, fake, server)
    result = agent.run(prompt)
    assert not _sent(fake, secret), result.output
    assert "Goalrail (files)" in result.output, result.output


def test_claude_code_mention_of_an_allowed_file_reaches_the_model(
    tmp_path: Path, fake: FakeModel, server: ServerProc
) -> None:
    agent = _agent(ClaudeCode, tmp_path, fake, server)
    result = agent.run("summarise @notes.txt please, and mail a@b.com")
    assert _sent(fake, NOTE), result.output
    assert not _sent(fake, SECRET)


@pytest.mark.parametrize(
    "prompt",
    [
        "summarise @conf/.env.local please",
        "what is configured in @conf",  # a directory: Gemini reads every file beneath it
        "what is in @env.local",  # not found: Gemini's `**/*env.local*` search finds conf/.env.local
        "see(@conf/.env.local)",
    ],
)
def test_gemini_mention_of_a_denied_file_never_reaches_the_model(
    tmp_path: Path, fake: FakeModel, server: ServerProc, prompt: str
) -> None:
    agent = _agent(Gemini, tmp_path, fake, server)
    result = agent.run(prompt)
    assert not _sent(fake, SECRET), result.output
    assert "Goalrail (files)" in result.output, result.output


def test_gemini_mention_of_an_allowed_file_reaches_the_model(
    tmp_path: Path, fake: FakeModel, server: ServerProc
) -> None:
    agent = _agent(Gemini, tmp_path, fake, server)
    result = agent.run("summarise @notes.txt please")
    assert _sent(fake, NOTE), result.output
    assert not _sent(fake, SECRET)


def test_codex_exec_attaches_nothing_for_a_mention(tmp_path: Path, fake: FakeModel, server: ServerProc) -> None:
    agent = _agent(Codex, tmp_path, fake, server)
    result = agent.run("summarise @notes.txt and @.env please")
    assert _sent(fake, "summarise @notes.txt and @.env please"), result.output
    assert not _sent(fake, NOTE)
    assert not _sent(fake, SECRET)
