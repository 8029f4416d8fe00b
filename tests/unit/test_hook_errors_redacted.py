"""The command hook's own error lines (stderr, which Claude Code shows the model on a block)
have their secrets redacted, and the redactor is loaded on that error path only: a hook that
answers imports none of its patterns."""

from __future__ import annotations

import subprocess
import sys

from goalrail.integrations.claude_code import hook_main

TOKEN = "ghp_" + "a1B2c3D4e5" * 4


def test_an_exception_quoting_a_secret_is_shown_redacted() -> None:
    shown = hook_main._shown(ValueError(f"cannot use header Authorization: Bearer {TOKEN}"))
    assert TOKEN not in shown and TOKEN[:12] not in shown
    assert "[redacted" in shown and shown.startswith("cannot use header")


def test_a_plain_exception_is_shown_as_is() -> None:
    assert hook_main._shown(KeyError("tool_name")) == "'tool_name'"


def test_the_hook_does_not_load_the_redactor_until_an_error() -> None:
    code = (
        "import sys, goalrail.integrations.claude_code.hook_main as h; print('goalrail.policies.redact' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr
