"""A prompt's ``@path`` mention is judged at the prompt hook as the harness's read of that file.

The installed hook command (``goalrail hook claude-code|gemini``) against a real server whose
pattern policy denies reading dot-env files and asks before reading anything under
``private/``.  Claude Code and Gemini CLI attach a mentioned file with no tool call
(``tests/e2e/test_prompt_mentions.py`` shows it with the real CLIs), so before the change the
prompt passed and the file went to the model: the same file as a ``Read`` call was refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integrations.support import AGENT_TOKEN, AUTH, ServerProc, running_server
from tests.integrations.test_harness_tool_shapes import claude_pre, run

RULES = (
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
          - {id: private, pattern: ".*/private/.*", action: deny, action_type: file_read, violation_mode: sigstop}
"""
    + AUTH
)
APP = "/home/dev/app"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("mentions"), config=RULES) as srv:
        yield srv


def claude_prompt(server: ServerProc, prompt: str) -> Any:
    data = {"session_id": "cc-mentions", "cwd": APP, "hook_event_name": "UserPromptSubmit", "prompt": prompt}
    code, out, err = run("claude-code", server, {**data, "permission_mode": "default"})
    assert code == 0, err
    return out


def gemini_prompt(server: ServerProc, prompt: str) -> Any:
    data = {"session_id": "gm-mentions", "cwd": APP, "hook_event_name": "BeforeAgent", "prompt": prompt}
    code, out, err = run("gemini", server, data)
    assert code == 0, err
    return out


@pytest.mark.parametrize(
    "prompt",
    [
        "summarise @.env please",
        "what is in @config/.env.production?",
        'look at @"./.env"',
        "check @~/.ssh/id_rsa",
        "list @/home/dev/.ssh/",
        "see @.env#L1-5",
        "fix this: @src/app.py, and @.env.",
    ],
)
def test_claude_code_prompt_mentioning_a_denied_file_is_blocked(server: ServerProc, prompt: str) -> None:
    assert claude_pre(server, "Read", {"file_path": f"{APP}/.env"}) == "deny"  # the same read as a tool call
    out = claude_prompt(server, prompt)
    assert out is not None and out["decision"] == "block", out
    assert "Goalrail (files)" in out["reason"]


def test_claude_code_prompt_mentioning_an_asked_file_waits_for_an_approval(server: ServerProc) -> None:
    out = claude_prompt(server, "review @private/plan.md")
    assert out is not None and out["decision"] == "block", out
    assert "approve" in out["reason"] and "in Goalrail, then retry" in out["reason"]


@pytest.mark.parametrize(
    "prompt",
    [
        "summarise @notes.txt please",
        "mail bob@.env today",  # an @ inside a word: Claude Code attaches nothing
        "the .env file and ~/.ssh/id_rsa are named, not mentioned",
        "@src/app.py and @docs/",
    ],
)
def test_claude_code_prompt_without_a_denied_mention_passes(server: ServerProc, prompt: str) -> None:
    assert claude_prompt(server, prompt) is None


REFERENCES = "\n--- Content from referenced files ---\nContent from @{path}:\nbody\n--- End of content ---"


@pytest.mark.parametrize(
    "prompt",
    [
        "summarise @config/.env.local please" + REFERENCES.format(path="config/.env.local"),
        "what is in @config/**" + REFERENCES.format(path="config/.env.local"),  # a directory: each file read
        "what is in @config/.env.local",  # the mention alone, as rewritten before the expansion
        "mail a@.env.local" + REFERENCES.format(path=".env.local"),  # Gemini's parser reads this as a mention
    ],
)
def test_gemini_prompt_mentioning_a_denied_file_is_refused(server: ServerProc, prompt: str) -> None:
    out = gemini_prompt(server, prompt)
    assert out is not None and out["decision"] == "deny", out
    assert "Goalrail (files)" in out["reason"]


def test_gemini_prompt_mentioning_an_asked_file_names_the_approval(server: ServerProc) -> None:
    out = gemini_prompt(server, "review @private/plan.md" + REFERENCES.format(path="private/plan.md"))
    assert out is not None and out["decision"] == "deny", out
    assert "needs approval" in out["reason"]


@pytest.mark.parametrize(
    "prompt",
    ["summarise @notes.txt please" + REFERENCES.format(path="notes.txt"), "escaped \\@.env stays text", "no mention"],
)
def test_gemini_prompt_without_a_denied_mention_passes(server: ServerProc, prompt: str) -> None:
    assert gemini_prompt(server, prompt) in (None, {})


@pytest.mark.parametrize(("path", "allowed"), [(f"{APP}/.env", False), (f"{APP}/notes.txt", True)])
def test_cursor_prompt_attachment_is_judged_as_a_read(server: ServerProc, path: str, allowed: bool) -> None:
    data = {"conversation_id": "cu-mentions", "generation_id": "g1", "hook_event_name": "beforeSubmitPrompt"}
    data |= {"workspace_roots": [APP], "prompt": "summarise it", "attachments": [{"type": "file", "filePath": path}]}
    code, out, err = run("cursor", server, data)
    assert code == 0, err
    assert out["continue"] is allowed, out


@pytest.mark.parametrize("prompt", ["summarise @.env", "summarise @~/.ssh/id_rsa"])
def test_claude_code_http_hook_judges_a_mention_too(server: ServerProc, prompt: str) -> None:
    """The ``http`` hook type: the server translates, without looking at the agent's files."""
    data = {"session_id": "cc-mentions-http", "cwd": APP, "hook_event_name": "UserPromptSubmit", "prompt": prompt}
    resp = httpx.post(
        f"{server.url}/hooks/claude-code", json=data, headers={"Authorization": f"Bearer {AGENT_TOKEN}"}, timeout=30
    )
    assert resp.status_code == 200 and resp.json()["decision"] == "block", resp.text


def test_claude_code_http_hook_passes_an_allowed_mention(server: ServerProc) -> None:
    data = {"session_id": "cc-mentions-http", "cwd": APP, "hook_event_name": "UserPromptSubmit"}
    data["prompt"] = "summarise @notes.txt, mail a@.env"
    resp = httpx.post(
        f"{server.url}/hooks/claude-code", json=data, headers={"Authorization": f"Bearer {AGENT_TOKEN}"}, timeout=30
    )
    assert resp.status_code == 204, resp.text
