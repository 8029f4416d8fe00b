"""Gemini CLI: payload translation, ``goalrail hook gemini`` against a real server (DENY, ALLOW,
ASK deny/native/wait, server down → exit 2) and ``goalrail install gemini``."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from goalrail.integrations.gemini import translate
from tests.integrations.hook_support import ADAPTER_CHAIN, output, payload, run_hook
from tests.integrations.support import AGENT_TOKEN, ServerProc, env, free_port, resolve_next, running_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("gemini-server"), config=ADAPTER_CHAIN) as srv:
        yield srv


def gm(name: str, session: str | None = None) -> dict[str, Any]:
    return payload("gemini", name, session)


def hook(data: Any, server: ServerProc, *args: str) -> Any:
    return output(run_hook("gemini", data, "--url", server.url, "--token", AGENT_TOKEN, *args))


def test_translation_of_documented_payloads() -> None:
    call = translate.to_call(gm("before_tool_shell"))
    assert call is not None and call.hook == "BeforeTool" and call.gating
    (event,) = call.events
    assert event["type"] == "tool_call" and event["data"]["name"] == "run_shell_command"
    assert event["data"]["arguments"]["command"] == "rm -rf build"
    assert event["context"] == {"harness": "gemini", "cwd": "/home/dev/app"}
    (event,) = translate.to_call(gm("before_tool_mcp")).events  # type: ignore[union-attr]
    assert event["data"]["name"] == "mcp__files__read_file"  # from mcp_context, not the flattened name
    after = translate.to_call(gm("after_tool_shell"))
    assert after is not None and not after.gating and after.events[0]["type"] == "tool_result"
    assert after.events[0]["data"]["result"]["llmContent"] == "README.md\nsrc\n"
    (event,) = translate.to_call(gm("before_agent")).events  # type: ignore[union-attr]
    assert event == {"type": "request", "data": {"user_content": "list the files"}, "context": event["context"]}
    assert translate.to_call({**gm("before_agent"), "hook_event_name": "AfterModel"}) is None


def test_verdicts_against_the_server(server: ServerProc) -> None:
    s = "gemini-1"
    assert hook(gm("before_agent", s), server) == {}
    assert hook(gm("before_tool_read_file", s), server) == {}  # ALLOW: no objection
    out = hook(gm("before_tool_read_shadow", s), server)
    assert out["decision"] == "deny" and "reading `/etc/shadow` is not allowed" in out["reason"]
    out = hook(gm("before_tool_mcp", s), server)
    assert out["decision"] == "deny" and "deny_read" in out["reason"]
    assert hook(gm("after_tool_shell", s), server) == {}
    out = hook(gm("before_agent_forbidden", s), server)
    assert out["decision"] == "deny" and "forbidden" in out["reason"]
    with server.user() as c:
        info = c.get(f"/v1/sessions/{s}").json()
    assert info["harness"] == "gemini"
    targets = [d["target"] for d in info["recent_decisions"]][::-1]
    assert targets[:4] == [None, "sys_os_read", "sys_os_read", "sys_os_read"]  # Gemini names mapped server-side


def test_replace_maps_to_an_edit_and_asks(server: ServerProc) -> None:
    out = hook(gm("before_tool_replace", "gemini-edit"), server)
    assert out["decision"] == "deny" and "sys_os_edit" in out["reason"] and "needs approval apr_" in out["reason"]


def test_ask_native_hands_over_to_gemini(server: ServerProc) -> None:
    out = hook(gm("before_tool_shell", "gemini-native"), server, "--ask", "native")
    assert out["decision"] == "ask" and "sys_os_shell" in out["systemMessage"]


@pytest.mark.parametrize("answer, want", [("approve", {}), ("deny", "deny")])
def test_ask_wait(server: ServerProc, answer: str, want: Any) -> None:
    session = f"gemini-wait-{answer}"
    resolver = threading.Thread(target=resolve_next, args=(server, session, answer))
    resolver.start()
    out = hook(gm("before_tool_shell", session), server, "--ask-wait", "20")
    resolver.join()
    assert out == want if want == {} else out["decision"] == want


def test_failures_exit_2() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    proc = run_hook("gemini", gm("before_tool_read_file"), "--url", url)
    assert proc.returncode == 2 and "unreachable" in proc.stderr and "fails closed" in proc.stderr
    proc = run_hook("gemini", gm("before_agent"), "--url", url)
    assert proc.returncode == 2
    proc = run_hook("gemini", "[1, 2", "--url", url)
    assert proc.returncode == 2 and "cannot read" in proc.stderr
    proc = run_hook("gemini", gm("before_tool_read_file"), "--url", url, "--fail-open")
    assert proc.returncode == 0 and "--fail-open" in proc.stderr


def test_install_and_run_the_installed_hook(server: ServerProc, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    settings = project / ".gemini" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"model": {"name": "gemini-2.5-pro"}, "hooks": {"AfterAgent": [{"hooks": []}]}}))
    cmd = [sys.executable, "-m", "goalrail", "install", "gemini", "--project-dir", str(project)]
    extra = {"GOALRAIL_HOME": str(tmp_path / "gr")}
    proc = subprocess.run(
        [*cmd, "--url", server.url, "--token", AGENT_TOKEN], capture_output=True, text=True, env=env(**extra)
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(settings.read_text())
    assert data["model"] == {"name": "gemini-2.5-pro"} and data["hooks"]["AfterAgent"] == [{"hooks": []}]
    (group,) = data["hooks"]["BeforeTool"]
    assert group["matcher"] == "*" and group["hooks"][0]["timeout"] == 30_000
    command = group["hooks"][0]["command"]
    assert AGENT_TOKEN not in settings.read_text() and f"--url {server.url}" in command
    # Gemini runs hooks with a sanitized environment: the command line alone must reach the server.
    proc = subprocess.run(
        shlex.split(command),
        input=json.dumps(gm("before_tool_read_shadow", "gemini-installed")),
        capture_output=True,
        text=True,
        env=env(GOALRAIL_HOME=str(tmp_path / "empty")),
        timeout=60,
    )
    out = output(proc)
    assert out["decision"] == "deny" and "deny_read" in out["reason"]
    proc = subprocess.run([*cmd, "--uninstall"], capture_output=True, text=True, env=env(**extra))
    assert proc.returncode == 0 and "removed 3" in proc.stdout
    assert json.loads(settings.read_text()) == {
        "model": {"name": "gemini-2.5-pro"},
        "hooks": {"AfterAgent": [{"hooks": []}]},
    }
