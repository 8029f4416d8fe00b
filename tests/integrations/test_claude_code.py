"""Claude Code: hook payload translation, outputs, the installer, the command hook
against a real server (including server down) and the ``http`` hook endpoint."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from goalrail.integrations.claude_code import install, translate
from goalrail.runtime import Runtime
from tests.integrations.support import (
    AGENT_TOKEN,
    CHAIN,
    FIXTURES,
    ServerProc,
    env,
    fixture,
    free_port,
    resolve_next,
)

CC = FIXTURES / "claude_code"


def cc(name: str, session: str | None = None) -> dict[str, Any]:
    payload = fixture(f"claude_code/{name}.json")
    if session:
        payload["session_id"] = session
    return payload


def run_hook(payload: Any, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return subprocess.run(
        [sys.executable, "-m", "goalrail", "hook", "claude-code", *args],
        input=data,
        capture_output=True,
        text=True,
        env=env(**extra_env),
        timeout=60,
    )


def decision(proc: subprocess.CompletedProcess[str]) -> Any:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout) if proc.stdout.strip() else None


# -- translation --------------------------------------------------------------


@pytest.mark.parametrize(
    "name, etype, target",
    [
        ("pre_tool_use_bash", "tool_call", "Bash"),
        ("pre_tool_use_read", "tool_call", "Read"),
        ("pre_tool_use_mcp", "tool_call", "mcp__github__create_issue"),
        ("post_tool_use_bash", "tool_result", "Bash"),
        ("user_prompt_submit", "request", None),
        ("session_start", "session_start", None),
    ],
)
def test_payloads_translate_to_events(name: str, etype: str, target: str | None) -> None:
    payload = cc(name)
    hook, session, event = translate.to_event(payload)  # type: ignore[misc]
    assert hook == payload["hook_event_name"]
    assert session == payload["session_id"]
    assert event["type"] == etype and event.get("target") == target
    assert event["context"]["harness"] == "claude-code" and event["context"]["cwd"] == "/home/dev/app"
    if etype in ("tool_call", "tool_result"):
        assert event["data"]["name"] == target  # the harness's own name: the server maps it
        assert event["data"]["arguments"] == payload["tool_input"]
    if etype == "tool_result":
        assert event["data"]["result"] == payload["tool_response"]
    if etype == "request":
        assert event["data"]["user_content"] == payload["prompt"]


def test_ungoverned_hooks_and_bad_payloads() -> None:
    assert translate.to_event(cc("stop")) is None
    with pytest.raises(translate.BadPayload):
        translate.to_event({"hook_event_name": "PreToolUse", "tool_name": "Bash"})
    with pytest.raises(translate.BadPayload):
        translate.to_event({"hook_event_name": "PreToolUse", "session_id": "s"})
    with pytest.raises(translate.BadPayload):
        translate.to_event([1, 2])


def test_huge_tool_results_are_bounded() -> None:
    payload = cc("post_tool_use_bash")
    payload["tool_response"] = {"stdout": "x" * 100_000}
    _, _, event = translate.to_event(payload)  # type: ignore[misc]
    assert len(event["data"]["result"]) < translate.MAX_RESULT_CHARS + 100


def test_outputs_per_hook() -> None:
    deny = {"result": "DENY", "reason": "cap: limit reached", "policy": "cap"}
    ask = {"result": "ASK", "reason": "needs approval", "policy": "ask_os", "approval_id": "apr_1"}
    allow = {"result": "ALLOW", "reason": None, "policy": None}
    approved = {
        "result": "ALLOW",
        "reason": "approved",
        "policy": "ask_os",
        "approval_id": "apr_1",
        "asked": {"result": "ASK"},
    }
    pre = translate.to_output(translate.PRE, deny)["hookSpecificOutput"]  # type: ignore[index]
    assert pre == {
        "hookEventName": "PreToolUse",
        "permissionDecision": "deny",
        "permissionDecisionReason": "Goalrail (cap): limit reached",
    }
    pre = translate.to_output(translate.PRE, ask)["hookSpecificOutput"]  # type: ignore[index]
    assert pre["permissionDecision"] == "ask" and "apr_1" in pre["permissionDecisionReason"]
    assert translate.to_output(translate.PRE, allow) is None  # Claude Code's own permissions still apply
    explicit = translate.to_output(translate.PRE, allow, on_allow="allow")
    assert explicit["hookSpecificOutput"]["permissionDecision"] == "allow"  # type: ignore[index]
    assert translate.to_output(translate.PRE, approved)["hookSpecificOutput"]["permissionDecision"] == "allow"  # type: ignore[index]
    assert translate.to_output(translate.PROMPT, deny) == {
        "decision": "block",
        "reason": "Goalrail (cap): limit reached",
    }
    assert translate.to_output(translate.PROMPT, ask)["decision"] == "block"  # type: ignore[index]
    assert translate.to_output(translate.PROMPT, allow) is None
    post = translate.to_output(translate.POST, deny)
    assert post["decision"] == "block" and "limit reached" in post["hookSpecificOutput"]["additionalContext"]  # type: ignore[index]
    assert translate.to_output(translate.START, deny) == {
        "continue": False,
        "stopReason": "Goalrail (cap): limit reached",
    }


async def test_fixtures_against_the_runtime(runtime: Runtime) -> None:
    """The translation feeds the real engine: canonical mapping happens server-side."""
    expected = {
        "pre_tool_use_read": None,
        "pre_tool_use_read_shadow": "deny",
        "pre_tool_use_bash": "ask",
        "pre_tool_use_write": "ask",
        "pre_tool_use_mcp": None,
    }
    for name, want in expected.items():
        hook, session, event = translate.to_event(cc(name, session=f"rt-{name}"))  # type: ignore[misc]
        verdict = (await runtime.evaluate(session, event)).to_dict()
        out = translate.to_output(hook, verdict)
        got = out["hookSpecificOutput"]["permissionDecision"] if out else None
        assert got == want, (name, verdict)
    hook, session, event = translate.to_event(cc("user_prompt_submit_forbidden"))  # type: ignore[misc]
    out = translate.to_output(hook, (await runtime.evaluate(session, event)).to_dict())
    assert out == {"decision": "block", "reason": "Goalrail (prompt_word): prompt contains `forbidden`"}


# -- installer ----------------------------------------------------------------


def test_install_merges_and_uninstall_removes_only_ours(tmp_path: Path) -> None:
    path = tmp_path / ".claude" / "settings.json"
    path.parent.mkdir()
    theirs = {
        "permissions": {"allow": ["Bash(npm test)"]},
        "hooks": {
            "PreToolUse": [{"matcher": "Write", "hooks": [{"type": "command", "command": "prettier --check"}]}],
            "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}],
        },
        "model": "opus",
    }
    path.write_text(json.dumps(theirs))
    entry = install.hook_entry(command="goalrail hook claude-code")
    install.install(path, entry)
    install.install(path, entry)  # idempotent
    data = json.loads(path.read_text())
    assert data["permissions"] == theirs["permissions"] and data["model"] == "opus"
    assert data["hooks"]["Stop"] == theirs["hooks"]["Stop"]
    pre = data["hooks"]["PreToolUse"]
    assert pre[0] == theirs["hooks"]["PreToolUse"][0]
    assert pre[1] == {
        "matcher": "*",
        "hooks": [{"type": "command", "command": "goalrail hook claude-code", "timeout": 30}],
    }
    for event in ("PostToolUse", "UserPromptSubmit", "SessionStart", "PreSkillShellCommand"):
        assert sum(install.is_ours(h) for g in data["hooks"][event] for h in g["hooks"]) == 1
    assert install.uninstall(path) == 5
    assert json.loads(path.read_text()) == theirs


def test_install_http_hook_and_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    install.install(path, install.hook_entry(http_url="http://127.0.0.1:6767"))
    data = json.loads(path.read_text())
    hook = data["hooks"]["PreToolUse"][0]["hooks"][0]
    assert hook["type"] == "http" and hook["url"] == "http://127.0.0.1:6767/hooks/claude-code"
    assert hook["headers"] == {"Authorization": "Bearer $GOALRAIL_TOKEN"} and hook["allowedEnvVars"] == [
        "GOALRAIL_TOKEN"
    ]
    install.uninstall(path)
    assert json.loads(path.read_text()) == {}


def test_install_cli_project_scope(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "goalrail", "install", "claude-code", "--project", "--project-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env(),
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / ".claude" / "settings.json").read_text())
    assert "hook claude-code" in data["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
    proc = subprocess.run(
        [sys.executable, "-m", "goalrail", "install", "claude-code", "--project-dir", str(tmp_path), "--uninstall"],
        capture_output=True,
        text=True,
        env=env(),
    )
    assert proc.returncode == 0 and "removed 5" in proc.stdout


def test_install_refuses_broken_settings(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    with pytest.raises(Exception, match="not valid JSON"):
        install.install(path, install.hook_entry(command="x hook claude-code"))
    assert path.read_text() == "{not json"


# -- the command hook against a real server ------------------------------------


def test_hook_against_server(server: ServerProc) -> None:
    args = ("--url", server.url, "--token", AGENT_TOKEN)
    s = "cc-e2e-1"
    assert decision(run_hook(cc("session_start", s), *args)) is None
    assert decision(run_hook(cc("user_prompt_submit", s), *args)) is None
    assert decision(run_hook(cc("pre_tool_use_read", s), *args)) is None
    out = decision(run_hook(cc("pre_tool_use_read_shadow", s), *args))
    assert out["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert "deny_read" in out["hookSpecificOutput"]["permissionDecisionReason"]
    out = decision(run_hook(cc("pre_tool_use_bash", s), *args))
    assert out["hookSpecificOutput"]["permissionDecision"] == "ask"
    assert decision(run_hook(cc("post_tool_use_bash", s), *args)) is None
    out = decision(run_hook(cc("user_prompt_submit_forbidden", s), *args))
    assert out["decision"] == "block" and "forbidden" in out["reason"]
    assert decision(run_hook(cc("stop", s), *args)) is None
    with server.user() as c:  # the user sees what the agent's hook did, canonical names applied by the server
        info = c.get(f"/v1/sessions/{s}").json()
    targets = [d["target"] for d in info["recent_decisions"]][::-1]
    assert targets == [None, None, "sys_os_read", "sys_os_read", "sys_os_shell", "sys_os_shell", None]
    assert [a["target"] for a in info["approvals"]] == ["sys_os_shell"]


def test_hook_env_configuration(server: ServerProc) -> None:
    out = decision(
        run_hook(cc("pre_tool_use_read_shadow", "cc-env"), GOALRAIL_URL=server.url, GOALRAIL_TOKEN=AGENT_TOKEN)
    )
    assert out["hookSpecificOutput"]["permissionDecision"] == "deny"


@pytest.mark.parametrize("answer, want", [("approve", "allow"), ("deny", "deny")])
def test_hook_ask_wait_resolved_in_goalrail(server: ServerProc, answer: str, want: str) -> None:
    session = f"cc-wait-{answer}"
    resolver = threading.Thread(target=resolve_next, args=(server, session, answer))
    resolver.start()
    proc = run_hook(cc("pre_tool_use_bash", session), "--url", server.url, "--token", AGENT_TOKEN, "--ask-wait", "20")
    resolver.join()
    out = decision(proc)
    assert out["hookSpecificOutput"]["permissionDecision"] == want


def test_hook_bad_token_fails_closed(server: ServerProc) -> None:
    out = decision(run_hook(cc("pre_tool_use_read", "cc-badtok"), "--url", server.url, "--token", "nope"))
    assert out["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert "refused" in out["hookSpecificOutput"]["permissionDecisionReason"]


# -- server down / slow ----------------------------------------------------------


def test_server_down_denies() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    out = decision(run_hook(cc("pre_tool_use_read"), "--url", url))
    reason = out["hookSpecificOutput"]["permissionDecisionReason"]
    assert out["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert "unreachable" in reason and "fails closed" in reason
    out = decision(run_hook(cc("user_prompt_submit"), "--url", url))
    assert out["decision"] == "block"
    proc = run_hook(cc("pre_tool_use_read"), "--url", url, "--fail-open")
    assert proc.returncode == 0 and proc.stdout == "" and "--fail-open" in proc.stderr


def test_slow_server_denies_at_the_deadline() -> None:
    with socket.socket() as listener:  # accepts connections, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        started = time.monotonic()
        hook = run_hook(cc("pre_tool_use_read"), "--url", url, "--timeout", "0.5", GOALRAIL_HOOK_TIMEOUT="300")
        out = decision(hook)
        elapsed = time.monotonic() - started
    assert out["hookSpecificOutput"]["permissionDecision"] == "deny"
    # --timeout 0.5, not the 300 s of the environment (nor the default 10 s): the bound leaves a
    # loaded machine tens of seconds to start Python (was: 5 s, start-up included, over the default)
    assert elapsed < 45


def test_unreadable_input_is_a_blocking_error() -> None:
    proc = run_hook("{truncated", "--url", "http://127.0.0.1:9")
    assert proc.returncode == 2 and "cannot read" in proc.stderr
    proc = run_hook(cc("pre_tool_use_read"), "--bogus-option")
    assert proc.returncode == 2


# -- the http hook endpoint --------------------------------------------------------


async def test_http_hook_endpoint() -> None:
    from goalrail.config.server import server_config_from_text
    from goalrail.server import create_app
    from goalrail.store.memory import MemoryStore
    from tests.integrations.support import AUTH

    app = create_app(server_config_from_text(CHAIN + AUTH), MemoryStore())
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:6767") as c:
        headers = {"Authorization": f"Bearer {AGENT_TOKEN}"}
        resp = await c.post("/hooks/claude-code", json=cc("pre_tool_use_read_shadow", "http-1"), headers=headers)
        assert resp.status_code == 200
        assert resp.json()["hookSpecificOutput"]["permissionDecision"] == "deny"
        resp = await c.post("/hooks/claude-code", json=cc("pre_tool_use_read", "http-1"), headers=headers)
        assert resp.status_code == 204
        resp = await c.post("/hooks/claude-code", json=cc("user_prompt_submit_forbidden", "http-1"), headers=headers)
        assert resp.json()["decision"] == "block"
        resp = await c.post("/hooks/claude-code", json=cc("pre_tool_use_read", "http-2"))  # no credential
        assert resp.json()["hookSpecificOutput"]["permissionDecision"] == "deny"
        resp = await c.post("/hooks/claude-code", content=b"{nope", headers=headers)
        assert resp.json()["hookSpecificOutput"]["permissionDecision"] == "deny"


def test_install_with_ask_wait_outlasts_the_wait(tmp_path: Path) -> None:
    settings = tmp_path / "s.json"
    proc = subprocess.run(
        [sys.executable, "-m", "goalrail", "install", "claude-code", "--settings", str(settings), "--ask-wait", "120"],
        capture_output=True,
        text=True,
        env=env(),
    )
    assert proc.returncode == 0, proc.stderr
    hook = json.loads(settings.read_text())["hooks"]["PreToolUse"][0]["hooks"][0]
    assert hook["command"].endswith("hook claude-code --ask-wait 120") and hook["timeout"] == 150
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "goalrail",
            "install",
            "claude-code",
            "--settings",
            str(settings),
            "--ask-wait",
            "120",
            "--timeout",
            "60",
        ],
        capture_output=True,
        text=True,
        env=env(),
    )
    assert proc.returncode == 2 and "must exceed" in proc.stderr
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "goalrail",
            "install",
            "claude-code",
            "--settings",
            str(settings),
            "--http",
            "--url",
            "http://127.0.0.1:6767",
            "--ask-wait",
            "60",
        ],
        capture_output=True,
        text=True,
        env=env(),
    )
    data = json.loads(settings.read_text())
    hooks = [h for g in data["hooks"]["PreToolUse"] for h in g["hooks"]]
    assert hooks == [
        {
            "type": "http",
            "url": "http://127.0.0.1:6767/hooks/claude-code?wait=60",
            "timeout": 90,
            "headers": {"Authorization": "Bearer $GOALRAIL_TOKEN"},
            "allowedEnvVars": ["GOALRAIL_TOKEN"],
        }
    ]
