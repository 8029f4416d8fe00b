"""Cursor hooks and the OpenCode plugin against a real server: DENY, ALLOW, ASK, server down.

The OpenCode plugin is the installed JavaScript file, loaded by ``node`` and called the way
OpenCode calls a ``tool.execute.before`` hook."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from goalrail.integrations.cursor import translate
from tests.integrations.hook_support import ADAPTER_CHAIN, output, payload, run_hook
from tests.integrations.support import (
    AGENT_TOKEN,
    ServerProc,
    env,
    fixture,
    free_port,
    resolve_next,
    running_server,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("cursor-server"), config=ADAPTER_CHAIN) as srv:
        yield srv


def cu(name: str, session: str | None = None) -> dict[str, Any]:
    return payload("cursor", name, session, key="conversation_id")


def hook(data: Any, server: ServerProc, *args: str) -> Any:
    return output(run_hook("cursor", data, "--url", server.url, "--token", AGENT_TOKEN, *args))


# -- Cursor -------------------------------------------------------------------------


def test_cursor_translation() -> None:
    (event,) = translate.to_call(cu("before_shell_execution")).events  # type: ignore[union-attr]
    assert event["data"]["name"] == "Shell" and event["data"]["arguments"] == {"command": "rm -rf build"}
    assert event["context"]["harness"] == "cursor" and event["context"]["cwd"] == "/home/dev/app"
    (event,) = translate.to_call(cu("before_mcp_execution")).events  # type: ignore[union-attr]
    assert event["data"]["name"] == "mcp__cursor__read_file" and event["data"]["arguments"] == {"path": "/etc/shadow"}
    (event,) = translate.to_call(cu("before_read_file")).events  # type: ignore[union-attr]
    assert event["data"] == {
        "name": "Read",
        "arguments": {"file_path": "/home/dev/app/README.md"},
        "tool_use_id": "gen-1",
    }
    after = translate.to_call(cu("after_shell_execution"))
    assert after is not None and not after.gating and after.events[0]["data"]["result"] == "README.md\n"


def test_cursor_verdicts(server: ServerProc) -> None:
    s = "cursor-1"
    assert hook(cu("before_read_file", s), server) == {"permission": "allow"}
    out = hook(cu("before_read_shadow", s), server)
    assert out["permission"] == "deny" and "reading `/etc/shadow` is not allowed" in out["agent_message"]
    out = hook(cu("before_shell_execution", s), server)  # ASK → deny naming the approval (ask is ignored headless)
    assert out["permission"] == "deny" and "needs approval apr_" in out["user_message"]
    out = hook(cu("before_shell_execution", "cursor-native"), server, "--ask", "native")
    assert out["permission"] == "ask"
    out = hook(cu("before_submit_prompt", s), server)
    assert out["continue"] is False and "forbidden" in out["user_message"]
    assert hook(cu("after_shell_execution", s), server) == {}
    with server.user() as c:
        assert c.get(f"/v1/sessions/{s}").json()["harness"] == "cursor"


def test_cursor_fails_closed() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    out = output(run_hook("cursor", cu("before_read_file"), "--url", url))
    assert out["permission"] == "deny" and "fails closed" in out["user_message"]
    proc = run_hook("cursor", "{bad", "--url", url)
    assert proc.returncode == 2 and json.loads(proc.stdout)["permission"] == "deny"


def test_cursor_install(server: ServerProc, tmp_path: Path) -> None:
    path = tmp_path / ".cursor" / "hooks.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"version": 1, "hooks": {"afterFileEdit": [{"command": "./format.sh"}]}}))
    cmd = [sys.executable, "-m", "goalrail", "install", "cursor", "--project-dir", str(tmp_path)]
    extra = {"GOALRAIL_HOME": str(tmp_path / "gr")}
    proc = subprocess.run(
        [*cmd, "--url", server.url, "--token", AGENT_TOKEN], capture_output=True, text=True, env=env(**extra)
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(path.read_text())
    assert data["hooks"]["afterFileEdit"] == [{"command": "./format.sh"}]
    command = data["hooks"]["beforeReadFile"][0]["command"]
    proc = subprocess.run(
        shlex.split(command),
        input=json.dumps(cu("before_read_shadow", "cursor-installed")),
        capture_output=True,
        text=True,
        env=env(GOALRAIL_HOME=str(tmp_path / "empty")),
        timeout=60,
    )
    assert output(proc)["permission"] == "deny"
    proc = subprocess.run([*cmd, "--uninstall"], capture_output=True, text=True, env=env(**extra))
    assert "removed 8" in proc.stdout  # preToolUse and beforeTabFileRead too
    assert json.loads(path.read_text()) == {"version": 1, "hooks": {"afterFileEdit": [{"command": "./format.sh"}]}}


# -- OpenCode -----------------------------------------------------------------------

NODE = shutil.which("node")
DRIVER = """
import { pathToFileURL } from "node:url";
const [plugin, payloadJson] = process.argv.slice(2);
const mod = await import(pathToFileURL(plugin).href);
const factories = Object.values(mod).filter((v) => typeof v === "function");
if (factories.length !== 1) throw new Error(`expected one plugin export, got ${factories.length}`);
const hooks = await factories[0]({ directory: "/home/dev/app", worktree: "/home/dev/app" });
const { input, output } = JSON.parse(payloadJson);
try {
  await hooks["tool.execute.before"](input, output);
  console.log(JSON.stringify({ passed: true, args: output.args }));
} catch (err) {
  console.log(JSON.stringify({ passed: false, error: String(err.message) }));
}
"""


def install_opencode(tmp_path: Path, *args: str) -> Path:
    proc = subprocess.run(
        [sys.executable, "-m", "goalrail", "install", "opencode", "--project-dir", str(tmp_path), *args],
        capture_output=True,
        text=True,
        env=env(GOALRAIL_HOME=str(tmp_path / "gr")),
    )
    assert proc.returncode == 0, proc.stderr
    return tmp_path / ".opencode" / "plugin" / "goalrail.js"


def call_plugin(plugin: Path, name: str, session: str, tmp_path: Path) -> dict[str, Any]:
    data = fixture(f"opencode/{name}.json")
    data["input"]["sessionID"] = session
    driver = tmp_path / "driver.mjs"
    driver.write_text(DRIVER)
    proc = subprocess.run(
        [str(NODE), str(driver), str(plugin), json.dumps(data)],
        capture_output=True,
        text=True,
        env=env(GOALRAIL_HOME=str(tmp_path / "empty")),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_opencode_plugin_against_the_server(server: ServerProc, tmp_path: Path) -> None:
    plugin = install_opencode(tmp_path, "--url", server.url, "--token", AGENT_TOKEN)
    assert AGENT_TOKEN not in plugin.read_text() and server.url in plugin.read_text()
    ok = call_plugin(plugin, "tool_execute_before_read", "oc-1", tmp_path)
    assert ok == {"passed": True, "args": {"filePath": "/home/dev/app/README.md"}}
    denied = call_plugin(plugin, "tool_execute_before_read_shadow", "oc-1", tmp_path)
    assert denied["passed"] is False and "reading `/etc/shadow` is not allowed" in denied["error"]
    asked = call_plugin(plugin, "tool_execute_before_bash", "oc-1", tmp_path)
    assert asked["passed"] is False and "needs approval apr_" in asked["error"]
    with server.user() as c:
        info = c.get("/v1/sessions/oc-1").json()
    assert info["harness"] == "opencode"
    assert [d["target"] for d in info["recent_decisions"]][::-1] == ["sys_os_read", "sys_os_read", "sys_os_shell"]


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize("answer", ["approve", "deny"])
def test_opencode_plugin_ask_wait(server: ServerProc, tmp_path: Path, answer: str) -> None:
    plugin = install_opencode(tmp_path, "--url", server.url, "--token", AGENT_TOKEN, "--ask-wait", "20")
    session = f"oc-wait-{answer}"
    resolver = threading.Thread(target=resolve_next, args=(server, session, answer))
    resolver.start()
    result = call_plugin(plugin, "tool_execute_before_bash", session, tmp_path)
    resolver.join()
    if answer == "approve":
        assert result == {"passed": True, "args": {"command": "rm -rf build", "description": "clean the build"}}
    else:
        assert result["passed"] is False and "refused" in result["error"]


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_opencode_plugin_fails_closed(tmp_path: Path) -> None:
    plugin = install_opencode(tmp_path, "--url", f"http://127.0.0.1:{free_port()}")
    down = call_plugin(plugin, "tool_execute_before_read", "oc-down", tmp_path)
    assert down["passed"] is False and "fails closed" in down["error"]
    assert install_opencode(tmp_path, "--uninstall").exists() is False
