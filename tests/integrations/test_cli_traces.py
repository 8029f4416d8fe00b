"""``goalrail sessions export|import`` and ``goalrail replay --session`` against a real server process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integrations.support import USER_TOKEN, ServerProc, env

pytestmark = pytest.mark.slow


def cli(server: ServerProc, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "goalrail", *args, "--url", server.url, "--token", USER_TOKEN],
        capture_output=True,
        text=True,
        env=env(),
        timeout=120,
    )


def test_export_replay_and_import_through_the_cli(server: ServerProc, tmp_path: Path) -> None:
    sid = "cli-trace-1"
    with server.agent() as c:
        for command in ("ls", "pwd"):
            event = {"type": "tool_call", "target": "mcp__files__echo", "data": {"arguments": {"text": command}}}
            assert c.post(f"/v1/sessions/{sid}/events", json=event).json()["result"] == "ALLOW"
    out = tmp_path / "t.jsonl"
    done = cli(server, "sessions", "export", sid, "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "wrote 2 records" in done.stdout and json.loads(out.read_text().splitlines()[0])["version"] == 1

    done = cli(server, "replay", str(out))
    assert done.returncode == 0 and "0 of 2 decisions change" in done.stdout, done.stdout + done.stderr
    strict = json.dumps(
        {
            "name": "one_call",
            "handler": "goalrail.policies.builtins.safety.max_tool_calls_per_session",
            "factory_params": {"limit": 1},
            "level": "server",
        }
    )
    done = cli(server, "replay", "--session", sid, "--add-policy", strict, "--json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["transitions"] == {"ALLOW→DENY": 1} and report["changes"][0]["after"]["policy"] == "one_call"

    done = cli(server, "sessions", "import", str(out), "--as", "cli-trace-copy")
    assert done.returncode == 0, done.stderr
    assert "imported 2 events as session cli-trace-copy (0 judged differently)" in done.stdout
    done = cli(server, "sessions", "export", "no-such-session")
    assert done.returncode == 2 and "not found" in done.stderr
