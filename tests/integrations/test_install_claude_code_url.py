"""``goalrail install claude-code --project --url … --token …`` keeps both (issue 11, finding 2):
the installed command hook decides against a server on a non-default port with nothing in the
environment, and the token is in a private file, not in the project's settings."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

from tests.integrations.support import AGENT_TOKEN, ServerProc, env, fixture


def test_installed_command_hook_reaches_the_given_server(server: ServerProc, tmp_path: Path) -> None:
    project, home = tmp_path / "proj", tmp_path / "gr"
    cmd = [sys.executable, "-m", "goalrail", "install", "claude-code", "--project", "--project-dir", str(project)]
    proc = subprocess.run(
        [*cmd, "--url", server.url, "--token", AGENT_TOKEN, "--ask-wait", "5"],
        capture_output=True,
        text=True,
        env=env(GOALRAIL_HOME=str(home)),
    )
    assert proc.returncode == 0, proc.stderr
    settings = (project / ".claude" / "settings.json").read_text()
    assert AGENT_TOKEN not in settings
    command = json.loads(settings)["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
    argv = shlex.split(command)
    assert argv[argv.index("--url") + 1] == server.url and "--ask-wait" in argv
    token_file = Path(argv[argv.index("--token-file") + 1])
    assert token_file.is_relative_to(home) and (os.stat(token_file).st_mode & 0o777) == 0o600
    assert (os.stat(token_file.parent).st_mode & 0o777) == 0o700

    payload = fixture("claude_code/pre_tool_use_read_shadow.json")
    payload["session_id"] = "cc-installed-url"
    proc = subprocess.run(
        argv,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        env=env(GOALRAIL_HOME=str(tmp_path / "empty")),  # no GOALRAIL_URL/TOKEN, no ~/.goalrail/token
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)["hookSpecificOutput"]
    assert out["permissionDecision"] == "deny" and "deny_read" in out["permissionDecisionReason"]
