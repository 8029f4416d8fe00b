"""One MCP tool, one identity: the same call through every harness reaches ``mcp__<server>__<tool>``,
so ``tool_mapping`` (``mcp__files__read_file: sys_os_read``) and the policies written for it apply.

Each harness's own spelling, through its real hook (or the installed OpenCode plugin run by
``node``) against a real server: Claude Code and Codex ``mcp__files__read_file``, Gemini CLI
``mcp_files_read_file`` (with or without ``mcp_context``), OpenCode ``files_read_file`` (the
servers from OpenCode's SDK client, faked here), Cursor the bare ``read_file`` with the
server's command, named in ``mcp.json``."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integrations.hook_support import ADAPTER_CHAIN, output, payload, run_hook
from tests.integrations.support import AGENT_TOKEN, ServerProc, env, running_server, session_info
from tests.integrations.test_cursor_opencode import NODE, install_opencode

READ_SHADOW = {"path": "/etc/shadow"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("mcp-names"), config=ADAPTER_CHAIN) as srv:
        yield srv


def hook(harness: str, data: Any, server: ServerProc, **extra_env: str) -> Any:
    return output(run_hook(harness, data, "--url", server.url, "--token", AGENT_TOKEN, **extra_env))


def judged(server: ServerProc, session: str) -> list[tuple[str, str]]:
    return [(d["target"], d["result"]) for d in session_info(server, session)["recent_decisions"]]


def test_claude_code_and_codex_name_it_so_already(server: ServerProc) -> None:
    cc = payload("claude_code", "pre_tool_use_mcp", "names-cc")
    cc.update(tool_name="mcp__files__read_file", tool_input=READ_SHADOW)
    assert hook("claude-code", cc, server)["hookSpecificOutput"]["permissionDecision"] == "deny"
    codex = payload("codex", "pre_tool_use_mcp", "names-codex")
    assert hook("codex", codex, server)["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert judged(server, "names-cc") == judged(server, "names-codex") == [("sys_os_read", "DENY")]


@pytest.mark.parametrize(
    "context",
    [None, {"server_name": "files", "tool_name": "read_file"}, {"server_name": " files ", "tool_name": "read_file"}],
)
def test_gemini_mcp_tool_with_or_without_its_context(server: ServerProc, context: Any) -> None:
    session = f"names-gemini-{json.dumps(context)}"
    data = payload("gemini", "before_tool_mcp", session)
    data.pop("mcp_context")
    if context is not None:
        data["mcp_context"] = context
    assert hook("gemini", data, server)["decision"] == "deny"
    assert judged(server, session) == [("sys_os_read", "DENY")]


def test_gemini_server_names_are_made_safe_as_the_proxy_makes_them(server: ServerProc) -> None:
    data = payload("gemini", "before_tool_mcp", "names-gemini-spaced")
    data["tool_name"] = "mcp_my_box_run_command"
    data["tool_input"] = {"command": "ls"}
    data["mcp_context"] = {"server_name": "my box", "tool_name": "run_command"}
    assert hook("gemini", data, server)["decision"] == "deny"  # an ASK answered as a deny naming it
    (decision,) = session_info(server, "names-gemini-spaced")["recent_decisions"]
    assert decision["target"] == "sys_os_shell" and decision["action"]["original"] == "mcp__my_box__run_command"


def test_cursor_names_the_server_from_mcp_json(server: ServerProc, tmp_path: Path) -> None:
    home, root = tmp_path / "home", tmp_path / "project"
    (root / ".cursor").mkdir(parents=True)
    (home / ".cursor").mkdir(parents=True)
    (home / ".cursor" / "mcp.json").write_text(
        json.dumps(
            {
                "mcpServers": {
                    "files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/"]},
                    "web": {"url": "https://mcp.example.com/mcp"},
                }
            }
        )
    )
    data = payload("cursor", "before_mcp_execution", "names-cursor", key="conversation_id")
    data["workspace_roots"] = [str(root)]
    out = hook("cursor", data, server, HOME=str(home))
    assert out["permission"] == "deny" and "/etc/shadow" in out["agent_message"]
    assert judged(server, "names-cursor") == [("sys_os_read", "DENY")]
    # a server the configuration does not name stays unnamed
    data["command"] = "some-other-server"
    hook("cursor", data, server, HOME=str(home))
    assert session_info(server, "names-cursor")["recent_decisions"][0]["target"] == "mcp__cursor__read_file"


DRIVER = """
import { pathToFileURL } from "node:url";
const [plugin, payloadJson, clientJson] = process.argv.slice(2);
const mod = await import(pathToFileURL(plugin).href);
const spec = JSON.parse(clientJson);
// OpenCode's SDK client, faked: only the calls the plugin makes
const client = {
  mcp: { status: async () => { if (!spec.status) throw new Error("no"); return { data: spec.status }; } },
  config: { get: async () => ({ data: spec.config || {} }) },
};
const hooks = await Object.values(mod)[0]({ directory: "/home/dev/app", worktree: "/home/dev/app", client });
const { input, output } = JSON.parse(payloadJson);
try {
  await hooks["tool.execute.before"](input, output);
  console.log(JSON.stringify({ passed: true }));
} catch (err) {
  console.log(JSON.stringify({ passed: false, error: String(err.message) }));
}
"""


def opencode_call(plugin: Path, tool: str, args: dict[str, Any], session: str, client: dict[str, Any]) -> Any:
    driver = plugin.parent / "names-driver.mjs"
    driver.write_text(DRIVER)
    data = {"input": {"tool": tool, "sessionID": session, "callID": "call_1"}, "output": {"args": args}}
    proc = subprocess.run(
        [str(NODE), str(driver), str(plugin), json.dumps(data), json.dumps(client)],
        capture_output=True,
        text=True,
        env=env(),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize(
    "client",
    [
        {"status": {"files": {"status": "connected"}, "my box": {"status": "connected"}}},
        {"config": {"mcp": {"files": {"type": "local"}, "my box": {"type": "remote"}}}},
    ],
)
def test_opencode_mcp_tools_reach_their_canonical_name(server: ServerProc, tmp_path: Path, client: Any) -> None:
    plugin = install_opencode(tmp_path, "--url", server.url, "--token", AGENT_TOKEN)
    session = f"names-opencode-{len(json.dumps(client))}"
    denied = opencode_call(plugin, "files_read_file", READ_SHADOW, session, client)
    assert denied["passed"] is False and "/etc/shadow" in denied["error"]
    shell = opencode_call(plugin, "my_box_run_command", {"command": "ls"}, session, client)
    assert shell["passed"] is False and "needs approval" in shell["error"]
    builtin = opencode_call(plugin, "read", {"filePath": "/home/dev/app/README.md"}, session, client)
    assert builtin["passed"] is True
    decisions = session_info(server, session)["recent_decisions"][::-1]
    assert [(d["target"], d["action"]["original"]) for d in decisions] == [
        ("sys_os_read", "mcp__files__read_file"),
        ("sys_os_shell", "mcp__my_box__run_command"),
        ("sys_os_read", "read"),
    ]
