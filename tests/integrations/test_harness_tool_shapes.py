"""Harness tools and argument spellings that reach the policies as the action they are.

Each case is a payload the harness really sends, run through the installed hook command
(``goalrail hook <harness>``, the OpenCode plugin under ``node``) against a real server
whose pattern policy denies writes under ``/etc/``, reads of ``/etc/shadow`` and
``git push``.  Before these fixes each of them ran: a tool name the mapping did not know
(Claude Code's ``PowerShell``, OpenCode's ``multiedit``, Gemini CLI's
``search_file_content``), a patch Codex applies itself from a shell command (hooked only as
``Bash``), a path spelled with ``..``, ``//`` or relative to another directory.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integrations.support import AGENT_TOKEN, AUTH, ServerProc, env, running_server
from tests.integrations.test_cursor_opencode import DRIVER, NODE, install_opencode

CHAIN = (
    """
policies:
  paths:
    type: function
    handler: goalrail.policies.builtins.patterns.pattern_policy
    factory_params:
      inline:
        name: paths
        default_action: allow
        patterns:
          - {pattern: "/etc/.*", action: deny, action_type: file_write, description: no writes under /etc}
          - {pattern: "/etc/shadow", action: deny, action_type: file_read, description: no shadow}
          - {pattern: ".*git\\\\s+push.*", action: deny, action_type: shell_execute, description: no push}
"""
    + AUTH
)
APP = "/home/dev/app"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("shapes-server"), config=CHAIN) as srv:
        yield srv


def run(harness: str, server: ServerProc, data: dict[str, Any]) -> tuple[int, Any, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "goalrail", "hook", harness, "--url", server.url, "--token", AGENT_TOKEN],
        input=json.dumps(data),
        capture_output=True,
        text=True,
        env=env(),
        timeout=60,
    )
    out = json.loads(proc.stdout) if proc.stdout.strip() else None
    return proc.returncode, out, proc.stderr


def claude_pre(server: ServerProc, tool: str, tool_input: dict[str, Any], cwd: str = APP) -> str | None:
    """Claude Code's ``PreToolUse``: the permission decision the hook gives (None: no objection)."""
    data = {"session_id": "cc-shapes", "cwd": cwd, "hook_event_name": "PreToolUse", "permission_mode": "default"}
    code, out, err = run("claude-code", server, {**data, "tool_name": tool, "tool_input": tool_input})
    assert code == 0, err
    return None if out is None else str(out["hookSpecificOutput"]["permissionDecision"])


def codex_pre(server: ServerProc, tool: str, tool_input: dict[str, Any], cwd: str = APP) -> str | None:
    data = {"session_id": "cx-shapes", "cwd": cwd, "hook_event_name": "PreToolUse", "model": "gpt-5.3-codex"}
    data |= {"turn_id": "t1", "tool_use_id": "call_1", "tool_name": tool, "tool_input": tool_input}
    code, out, err = run("codex", server, data)
    assert code == 0, err
    return None if out is None else str(out["hookSpecificOutput"]["permissionDecision"])


def gemini_before(server: ServerProc, tool: str, tool_input: dict[str, Any], cwd: str = APP) -> str | None:
    data = {"session_id": "gm-shapes", "cwd": cwd, "hook_event_name": "BeforeTool", "tool_name": tool}
    code, out, err = run("gemini", server, {**data, "tool_input": tool_input})
    assert code == 0, err
    return out.get("decision") if out else None


def patch(*lines: str) -> str:
    return "\n".join(["*** Begin Patch", *lines, "*** End Patch"])


ETC_PATCH = patch("*** Add File: /etc/cron.d/job", "+* * * * * root sh /tmp/x")
MOVE_PATCH = patch("*** Update File: src/app.py", "*** Move to: /etc/profile", "@@", "-a", "+b")
APP_PATCH = patch("*** Update File: src/app.py", "@@", "-a", "+b")


def test_claude_code_powershell_is_a_shell(server: ServerProc) -> None:
    # Claude Code's shell tool on Windows is hooked as `PowerShell`: shell policies judge it
    assert claude_pre(server, "PowerShell", {"command": "git push origin main"}) == "deny"
    assert claude_pre(server, "PowerShell", {"command": "Get-ChildItem"}) is None


def test_gemini_search_file_content_is_a_read(server: ServerProc) -> None:
    # grep_search's former name, still accepted by Gemini CLI
    args = {"pattern": "root", "dir_path": "/etc/shadow"}
    assert gemini_before(server, "search_file_content", args) == "deny"
    assert gemini_before(server, "search_file_content", {"pattern": "x", "dir_path": APP}) is None


@pytest.mark.parametrize(
    "command",
    [
        f"apply_patch <<'EOF'\n{ETC_PATCH}\nEOF\n",  # exec_command's `cmd`, as its hook sends it
        f"applypatch <<'EOF'\n{ETC_PATCH}\nEOF",
        "cd /etc && apply_patch <<'EOF'\n" + patch("*** Add File: cron.d/job", "+x") + "\nEOF",
        "cd ../../../etc && apply_patch <<'EOF'\n" + patch("*** Add File: cron.d/job", "+x") + "\nEOF",
        ["apply_patch", ETC_PATCH],  # the older shell tool's argv
        ["bash", "-lc", f"apply_patch <<'EOF'\n{ETC_PATCH}\nEOF"],
        f"apply_patch <<'EOF'\n{MOVE_PATCH}\nEOF",
    ],
    ids=["heredoc", "applypatch", "cd-absolute", "cd-relative", "argv", "bash-lc", "move-to"],
)
def test_codex_patch_through_the_shell_is_judged_per_file(server: ServerProc, command: Any) -> None:
    # Codex intercepts apply_patch in a shell command and applies the patch itself; its hook says `Bash`
    assert codex_pre(server, "Bash", {"command": command}) == "deny"


def test_codex_patch_through_the_shell_inside_the_project_runs(server: ServerProc) -> None:
    assert codex_pre(server, "Bash", {"command": f"apply_patch <<'EOF'\n{APP_PATCH}\nEOF"}) is None
    assert codex_pre(server, "Bash", {"command": "echo '*** Begin Patch' > notes.txt"}) is None


@pytest.mark.parametrize(
    ("tool", "tool_input", "cwd"),
    [
        ("Write", {"file_path": f"{APP}/../../../etc/cron.d/job", "content": "x"}, APP),
        ("Write", {"file_path": "//etc/cron.d/job", "content": "x"}, APP),
        ("Edit", {"file_path": "/./etc/hosts", "old_string": "a", "new_string": "b"}, APP),
        ("Write", {"file_path": "cron.d/job", "content": "x"}, "/etc"),
        ("Read", {"file_path": f"{APP}/../../../etc/shadow"}, APP),
    ],
    ids=["dotdot", "double-slash", "dot", "relative-to-cwd", "read-dotdot"],
)
def test_claude_code_paths_spelled_otherwise(
    server: ServerProc, tool: str, tool_input: dict[str, Any], cwd: str
) -> None:
    assert claude_pre(server, tool, tool_input, cwd) == "deny"


def test_paths_spelled_otherwise_in_other_harnesses(server: ServerProc) -> None:
    assert gemini_before(server, "write_file", {"file_path": "cron.d/job", "content": "x"}, cwd="/etc") == "deny"
    assert codex_pre(server, "apply_patch", {"command": patch("*** Add File: ../../../etc/cron.d/job", "+x")}) == "deny"
    # the same spellings inside the project still run
    assert claude_pre(server, "Write", {"file_path": f"{APP}/src/../README.md", "content": "x"}) is None
    assert gemini_before(server, "write_file", {"file_path": "src/a.py", "content": "x"}) is None


def call_opencode(plugin: Path, tool: str, args: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    payload = {"input": {"tool": tool, "sessionID": "oc-shapes", "callID": "call_1"}, "output": {"args": args}}
    driver = tmp_path / "driver.mjs"
    driver.write_text(DRIVER)
    proc = subprocess.run(
        [str(NODE), str(driver), str(plugin), json.dumps(payload)],
        capture_output=True,
        text=True,
        env=env(GOALRAIL_HOME=str(tmp_path / "empty")),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_opencode_multiedit_is_an_edit(server: ServerProc, tmp_path: Path) -> None:
    plugin = install_opencode(tmp_path, "--url", server.url, "--token", AGENT_TOKEN)
    edit = {"oldString": "a", "newString": "b"}
    one_file = call_opencode(plugin, "multiedit", {"filePath": "/etc/hosts", "edits": [edit]}, tmp_path)
    assert one_file["passed"] is False and "file_write denied" in one_file["error"]
    # versions whose edits each name their file
    per_edit = {"edits": [{"filePath": f"{APP}/a.py", **edit}, {"filePath": "/etc/hosts", **edit}]}
    assert call_opencode(plugin, "multiedit", per_edit, tmp_path)["passed"] is False
    inside = call_opencode(plugin, "multiedit", {"filePath": f"{APP}/a.py", "edits": [edit]}, tmp_path)
    assert inside["passed"] is True


SPELLINGS = ["READ_FILE", "Read_File", "\uff52\uff45\uff41\uff44_\uff46\uff49\uff4c\uff45", " read_file"]


def test_mcp_proxy_judges_a_tool_spelled_otherwise_as_the_listed_tool(tmp_path: Path) -> None:
    # `mcp__files__read_file` is mapped onto sys_os_read (deny_read refuses /etc/shadow); a call
    # of the same tool spelled with other case or Unicode forms is judged and sent as the listed one
    upstream = str(Path(__file__).resolve().parent / "upstream_mcp.py")
    with running_server(tmp_path) as srv:
        args = ["-m", "goalrail", "mcp-proxy", "--session", "mcp-case", "--url", srv.url, "--token", AGENT_TOKEN]
        proc = subprocess.Popen(
            [sys.executable, *args, "--", sys.executable, upstream],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env(),
            text=True,
        )
        assert proc.stdin and proc.stdout
        hello = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}
        messages: list[dict[str, Any]] = [
            {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": hello},
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
        ]
        for i, spelling in enumerate(SPELLINGS, start=2):
            call = {"name": spelling, "arguments": {"path": "/etc/shadow"}}
            messages.append({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": call})
        try:
            for message in messages:
                proc.stdin.write(json.dumps(message) + "\n")
                proc.stdin.flush()
            answers = [json.loads(proc.stdout.readline()) for _ in range(1 + len(SPELLINGS))]
        finally:
            proc.stdin.close()
            proc.wait(timeout=20)
            proc.stdout.close()
    for answer in answers[1:]:
        result = answer["result"]
        assert result["isError"] is True and "deny_read" in result["content"][0]["text"], answer
