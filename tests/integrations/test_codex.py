"""Codex: payload translation, ``goalrail hook codex`` against a real server (DENY, ALLOW,
ASK, ``--ask-wait``, server down) and ``goalrail install codex`` with hook trust."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from goalrail.integrations.codex import install, translate
from tests.integrations.hook_support import ADAPTER_CHAIN, output, payload, run_hook
from tests.integrations.support import AGENT_TOKEN, ServerProc, env, free_port, resolve_next, running_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("codex-server"), config=ADAPTER_CHAIN) as srv:
        yield srv


def cx(name: str, session: str | None = None) -> dict[str, Any]:
    return payload("codex", name, session)


def hook(data: Any, server: ServerProc | None, *args: str) -> Any:
    url = server.url if server else f"http://127.0.0.1:{free_port()}"
    proc = run_hook("codex", data, "--url", url, "--token", AGENT_TOKEN, *args)
    out = output(proc)
    if out is not None:  # Codex fails OPEN on `ask` and on a bare `allow`: never send either
        decision = (out.get("hookSpecificOutput") or {}).get("permissionDecision")
        assert decision in (None, "deny") or (decision == "allow" and "updatedInput" in out["hookSpecificOutput"])
    return out


def reason(out: dict[str, Any]) -> str:
    spec = out["hookSpecificOutput"]
    assert spec["hookEventName"] == "PreToolUse" and spec["permissionDecision"] == "deny"
    return str(spec["permissionDecisionReason"])


# -- translation ------------------------------------------------------------------


def test_translation_of_documented_payloads() -> None:
    call = translate.to_call(cx("pre_tool_use_bash"))
    assert call is not None and call.hook == "PreToolUse" and call.gating
    (event,) = call.events
    assert event["type"] == "tool_call" and event["data"]["name"] == "Bash"
    assert event["data"]["arguments"] == {"command": "rm -rf build"}
    assert event["context"] == {"harness": "codex", "cwd": "/home/dev/app", "model": "gpt-5.3-codex"}

    (event,) = translate.to_call(cx("pre_tool_use_shell_argv")).events  # type: ignore[union-attr]
    assert event["data"]["arguments"]["command"] == "bash -lc 'cat notes.txt'"
    assert event["context"]["cwd"] == "/home/dev/app/docs"  # relative paths resolve against workdir

    events = translate.to_call(cx("pre_tool_use_apply_patch")).events  # type: ignore[union-attr]
    assert [e["data"]["arguments"]["file_path"] for e in events] == ["/home/dev/app/src/app.py", "/etc/cron.d/job"]
    assert all(
        e["data"]["name"] == "apply_patch" and "*** Begin Patch" in e["data"]["arguments"]["command"] for e in events
    )

    post = translate.to_call(cx("post_tool_use_bash"))
    assert post is not None and not post.gating and post.events[0]["data"]["result"] == "README.md\nsrc\n"
    assert translate.to_call(cx("user_prompt_submit")).events[0]["data"]["user_content"] == "list the files"  # type: ignore[union-attr]
    assert translate.to_call({**cx("session_start"), "hook_event_name": "Stop"}) is None
    with pytest.raises(ValueError):
        translate.to_call({"hook_event_name": "PreToolUse", "tool_name": "Bash"})


def test_patch_paths() -> None:
    patch = "*** Begin Patch\n*** Update File: a.py\n*** Move to: b.py\n*** Delete File: /tmp/x\n*** End Patch"
    from goalrail.engine.targets import patch_paths  # (the hook imports it only for a patch)

    assert patch_paths(patch, "/w") == ["/w/a.py", "/w/b.py", "/tmp/x"]
    assert patch_paths("not a patch", "/w") == []
    assert translate.join_argv(["echo", "it's", "a b", "plain"]) == "echo 'it'\"'\"'s' 'a b' plain"


# -- against a real server ----------------------------------------------------------


def test_deny_allow_and_labels(server: ServerProc) -> None:
    s = "codex-1"
    assert hook(cx("session_start", s), server) is None
    assert hook(cx("user_prompt_submit", s), server) is None
    assert "reading `/etc/shadow` is not allowed" in reason(hook(cx("pre_tool_use_mcp", s), server))
    readme = cx("pre_tool_use_mcp", s)
    readme["tool_input"] = {"path": "/home/dev/app/README.md"}
    assert hook(readme, server) is None  # ALLOW: no output, Codex runs the tool
    assert hook(cx("post_tool_use_bash", s), server) is None
    with server.user() as c:
        info = c.get(f"/v1/sessions/{s}").json()
    assert info["harness"] == "codex"
    assert [d["target"] for d in info["recent_decisions"]][::-1][:4] == [None, None, "sys_os_read", "sys_os_read"]


def test_apply_patch_is_checked_per_file(server: ServerProc) -> None:
    out = hook(cx("pre_tool_use_apply_patch", "codex-patch"), server)
    assert "writing `/etc/cron.d/job` is not allowed" in reason(out)  # the second file decides


def test_patch_asking_for_several_files_names_every_approval(server: ServerProc) -> None:
    data = cx("pre_tool_use_apply_patch", "codex-patch-asks")
    data["tool_input"]["command"] = "*** Begin Patch\n*** Update File: a.py\n*** Add File: b.py\n+x\n*** End Patch\n"
    text = reason(hook(data, server))
    assert text.count("apr_") >= 4 and "&& goalrail approvals approve" in text  # two approvals, each linked


def test_ask_is_a_deny_with_the_approval(server: ServerProc) -> None:
    text = reason(hook(cx("pre_tool_use_bash", "codex-ask"), server))
    assert "needs approval apr_" in text and f"{server.url}/approvals" in text
    assert "goalrail approvals approve apr_" in text


def test_approve_then_retry_runs(server: ServerProc) -> None:
    """Headless: the deny names the approval; once the user approves it, the identical call passes."""
    session = "codex-retry"
    assert "needs approval apr_" in reason(hook(cx("pre_tool_use_bash", session), server))
    (pending,) = [a for a in _pending(server) if a["session_id"] == session]
    with server.user() as c:
        c.post(f"/v1/approvals/{pending['id']}", json={"decision": "approve"}).raise_for_status()
    retry = cx("pre_tool_use_bash", session)
    retry["tool_use_id"] = "call_bash_retry"  # a new call id: approvals bind to the action, not to the call
    assert hook(retry, server) is None


def _pending(server: ServerProc) -> list[dict[str, Any]]:
    from tests.integrations.support import pending

    return pending(server)


@pytest.mark.parametrize("answer", ["approve", "deny"])
def test_ask_wait(server: ServerProc, answer: str) -> None:
    session = f"codex-wait-{answer}"
    resolver = threading.Thread(target=resolve_next, args=(server, session, answer))
    resolver.start()
    out = hook(cx("pre_tool_use_bash", session), server, "--ask-wait", "20")
    resolver.join()
    if answer == "approve":
        assert out is None  # approved in Goalrail: the command runs
    else:
        assert "Goalrail" in reason(out)


def test_server_down_and_bad_input_block() -> None:
    text = reason(hook(cx("pre_tool_use_bash"), None))
    assert "unreachable" in text and "fails closed" in text
    assert hook(cx("user_prompt_submit"), None)["decision"] == "block"
    proc = run_hook("codex", "{truncated", "--url", "http://127.0.0.1:9")
    assert proc.returncode == 2 and "cannot read" in proc.stderr and proc.stdout == ""
    proc = run_hook("codex", cx("pre_tool_use_bash"), "--bogus")
    assert proc.returncode == 2


# -- installer ------------------------------------------------------------------------


def test_trust_hash_matches_codex_normalization() -> None:
    # The identity Codex hashes: event label, matcher, one handler with its timeout and async flag,
    # keys sorted, compact JSON (verified against Codex 0.171's own [hooks.state] acceptance).
    handler = {"type": "command", "command": "echo hello", "timeout": 30}
    want = json.dumps(
        {"event_name": "pre_tool_use", "hooks": [{**handler, "async": False}], "matcher": "*"},
        sort_keys=True,
        separators=(",", ":"),
    )
    import hashlib

    assert install.trust_hash("PreToolUse", "*", handler) == "sha256:" + hashlib.sha256(want.encode()).hexdigest()
    assert "matcher" not in json.dumps(install.EVENTS["UserPromptSubmit"][0] or {})


def install_cli(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "goalrail", "install", "codex", *args], capture_output=True, text=True, env=env(**extra)
    )


def test_install_user_scope_with_url_token_and_trust(server: ServerProc, tmp_path: Path) -> None:
    codex_home, home = tmp_path / "codex", tmp_path / "goalrail"
    (codex_home).mkdir()
    (codex_home / "config.toml").write_text(
        'model = "gpt-5"\n\n[hooks.state."/elsewhere/hooks.json:stop:0:0"]\nenabled = false\n'
    )
    extra = {"CODEX_HOME": str(codex_home), "GOALRAIL_HOME": str(home)}
    proc = install_cli("--url", server.url, "--token", AGENT_TOKEN, **extra)
    assert proc.returncode == 0, proc.stderr
    hooks = json.loads((codex_home / "hooks.json").read_text())["hooks"]
    assert set(hooks) == {"PreToolUse", "PostToolUse", "UserPromptSubmit", "SessionStart"}
    command = hooks["PreToolUse"][0]["hooks"][0]["command"]
    assert f"--url {server.url}" in command and AGENT_TOKEN not in command and "--token-file" in command
    token_file = Path(shlex.split(command)[shlex.split(command).index("--token-file") + 1])
    assert token_file.read_text().strip() == AGENT_TOKEN and (os.stat(token_file).st_mode & 0o777) == 0o600
    config = (codex_home / "config.toml").read_text()
    import tomllib

    state = tomllib.loads(config)["hooks"]["state"]
    key = f"{(codex_home / 'hooks.json').resolve()}:pre_tool_use:0:0"
    assert state[key]["trusted_hash"] == install.trust_hash("PreToolUse", "*", hooks["PreToolUse"][0]["hooks"][0])
    assert state["/elsewhere/hooks.json:stop:0:0"] == {"enabled": False}  # other state kept
    assert install_cli("--url", server.url, **extra).returncode == 0  # idempotent: entries replaced, TOML valid
    assert len(json.loads((codex_home / "hooks.json").read_text())["hooks"]["PreToolUse"]) == 1
    assert len(tomllib.loads((codex_home / "config.toml").read_text())["hooks"]["state"]) == 5

    # The installed command itself decides against the server on its non-default port, with no
    # GOALRAIL_URL / GOALRAIL_TOKEN in the environment and no default token file.
    installed = shlex.split(command)
    proc = subprocess.run(
        installed,
        input=json.dumps(cx("pre_tool_use_mcp", "codex-installed")),
        capture_output=True,
        text=True,
        env=env(GOALRAIL_HOME=str(tmp_path / "empty")),
        timeout=60,
    )
    assert "reading `/etc/shadow` is not allowed" in reason(output(proc))

    proc = install_cli("--uninstall", **extra)
    assert proc.returncode == 0 and "removed 4" in proc.stdout
    state = tomllib.loads((codex_home / "config.toml").read_text())["hooks"]["state"]
    assert state == {"/elsewhere/hooks.json:stop:0:0": {"enabled": False}}  # our trust entries went too


def test_install_project_scope_reports_project_trust(tmp_path: Path) -> None:
    codex_home = tmp_path / "codex"
    extra = {"CODEX_HOME": str(codex_home), "GOALRAIL_HOME": str(tmp_path / "gr")}
    proc = install_cli("--project", "--project-dir", str(tmp_path / "proj"), **extra)
    assert proc.returncode == 0, proc.stderr
    assert "Codex ignores project hooks until" in proc.stdout
    assert (tmp_path / "proj" / ".codex" / "hooks.json").exists()
    proc = install_cli("--project", "--project-dir", str(tmp_path / "proj"), "--trust-project", **extra)
    assert proc.returncode == 0 and "trusted project" in proc.stdout
    assert install.project_trusted(codex_home / "config.toml", (tmp_path / "proj").resolve())


def test_install_refuses_broken_config(tmp_path: Path) -> None:
    codex_home = tmp_path / "codex"
    codex_home.mkdir()
    (codex_home / "config.toml").write_text("model = \n")
    proc = install_cli(CODEX_HOME=str(codex_home), GOALRAIL_HOME=str(tmp_path / "gr"))
    assert proc.returncode == 2 and "not valid TOML" in proc.stderr
    assert (codex_home / "config.toml").read_text() == "model = \n"
