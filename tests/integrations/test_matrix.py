"""The MATRIX: the same logical actions through every integration give the same verdict
(and name the same deciding policy).  Real processes where the integration is a process."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

import goalrail
from tests.integrations.support import AGENT_TOKEN, CHAIN, HERE, ServerProc, env, free_port, running_server, wait_up

pytestmark = pytest.mark.slow

# logical action → (Claude Code hook payload part, MCP call, SDK tool call, expected verdict, deciding policy)
ACTIONS: dict[str, dict[str, Any]] = {
    "read a secret file": {
        "cc": ("PreToolUse", "Read", {"file_path": "/etc/shadow"}),
        "mcp": ("read_file", {"path": "/etc/shadow"}),
        "sdk": ("Read", {"file_path": "/etc/shadow"}),
        "want": ("DENY", "deny_read"),
    },
    "read a normal file": {
        "cc": ("PreToolUse", "Read", {"file_path": "/srv/app/README.md"}),
        "mcp": ("read_file", {"path": "/srv/app/README.md"}),
        "sdk": ("Read", {"file_path": "/srv/app/README.md"}),
        "want": ("ALLOW", None),
    },
    "run a shell command": {
        "cc": ("PreToolUse", "Bash", {"command": "ls -la"}),
        "mcp": ("run_command", {"command": "ls -la"}),
        "sdk": ("run_command", {"command": "ls -la"}),
        "want": ("ASK", "ask_os"),
    },
    "send a forbidden prompt": {
        "cc": ("UserPromptSubmit", None, "the forbidden words"),
        "llm": "the forbidden words",
        "sdk_request": "the forbidden words",
        "want": ("DENY", "prompt_word"),
    },
    "send a normal prompt": {
        "cc": ("UserPromptSubmit", None, "hello there"),
        "llm": "hello there",
        "sdk_request": "hello there",
        "want": ("ALLOW", None),
    },
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    port = free_port()
    upstream = subprocess.Popen([sys.executable, str(HERE / "fake_openai.py"), str(port)], env=env())
    try:
        wait_up(f"http://127.0.0.1:{port}/_requests")
        with running_server(
            tmp_path_factory.mktemp("matrix"), GOALRAIL_LLM_UPSTREAM=f"http://127.0.0.1:{port}/v1"
        ) as srv:
            yield srv
    finally:
        upstream.terminate()
        upstream.wait(timeout=10)


def cc_payload(session: str, spec: tuple[str, str | None, Any]) -> dict[str, Any]:
    hook, tool, value = spec
    base = {"session_id": session, "transcript_path": "/tmp/t.jsonl", "cwd": "/srv/app", "hook_event_name": hook}
    if hook == "PreToolUse":
        return {**base, "permission_mode": "default", "tool_name": tool, "tool_input": value, "tool_use_id": "toolu_x"}
    return {**base, "permission_mode": "default", "prompt": value}


def from_cc(out: dict[str, Any] | None) -> tuple[str, str | None]:
    if not out:
        return "ALLOW", None
    reason = out.get("hookSpecificOutput", {}).get("permissionDecisionReason") or out.get("reason", "")
    policy = reason.split("(", 1)[1].split(")", 1)[0] if reason.startswith("Goalrail (") else None
    decision = out.get("hookSpecificOutput", {}).get("permissionDecision")
    if decision:
        return decision.upper(), policy
    return ("DENY" if out.get("decision") == "block" else "ALLOW"), policy


def via_hook_command(srv: ServerProc, action: str) -> tuple[str, str | None]:
    payload = cc_payload("mx-cc-cmd", ACTIONS[action]["cc"])
    proc = subprocess.run(
        [sys.executable, "-m", "goalrail", "hook", "claude-code", "--url", srv.url, "--token", AGENT_TOKEN],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        env=env(),
    )
    assert proc.returncode == 0, proc.stderr
    return from_cc(json.loads(proc.stdout) if proc.stdout.strip() else None)


def via_hook_http(srv: ServerProc, action: str) -> tuple[str, str | None]:
    payload = cc_payload("mx-cc-http", ACTIONS[action]["cc"])
    resp = httpx.post(srv.url + "/hooks/claude-code", json=payload, headers={"Authorization": f"Bearer {AGENT_TOKEN}"})
    return from_cc(resp.json() if resp.status_code == 200 else None)


def via_client(srv: ServerProc, action: str) -> tuple[str, str | None]:
    spec = ACTIONS[action]
    with goalrail.Client(srv.url, AGENT_TOKEN) as client:
        if "sdk" in spec:
            verdict = client.tool_call("mx-client", *spec["sdk"])
        else:
            verdict = client.evaluate("mx-client", {"type": "request", "data": {"user_content": spec["sdk_request"]}})
    return verdict["result"], verdict.get("policy")


GUARD: dict[str, goalrail.Guard] = {}


def via_guard(srv: ServerProc, action: str) -> tuple[str, str | None]:
    guard = GUARD.setdefault("g", goalrail.Guard(config_text=CHAIN))
    spec = ACTIONS[action]
    if "sdk" in spec:
        verdict = guard.tool_call("mx-guard", *spec["sdk"])
    else:
        verdict = guard.evaluate("mx-guard", {"type": "request", "data": {"user_content": spec["sdk_request"]}})
    return verdict["result"], verdict.get("policy")


def via_llm_proxy(srv: ServerProc, action: str) -> tuple[str, str | None]:
    with openai.OpenAI(
        base_url=srv.url + "/v1", api_key=AGENT_TOKEN, max_retries=0, default_headers={"X-Goalrail-Session": "mx-llm"}
    ) as c:
        try:
            c.chat.completions.create(model="fake-gpt", messages=[{"role": "user", "content": ACTIONS[action]["llm"]}])
        except openai.PermissionDeniedError as exc:
            return "DENY", exc.body["code"]
    return "ALLOW", None


async def via_mcp_proxy(srv: ServerProc, actions: list[str]) -> dict[str, tuple[str, str | None]]:
    params = StdioServerParameters(
        command=sys.executable,
        env=env(),
        args=[
            "-m",
            "goalrail",
            "mcp-proxy",
            "--session",
            "mx-mcp",
            "--url",
            srv.url,
            "--token",
            AGENT_TOKEN,
            "--ask-timeout",
            "0.2",
            "--",
            sys.executable,
            str(HERE / "upstream_mcp.py"),
        ],
    )
    out = {}
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        for action in actions:
            tool, args = ACTIONS[action]["mcp"]
            result = await session.call_tool(tool, args)
            text = " ".join(getattr(b, "text", "") for b in result.content)
            policy = text.split("(", 1)[1].split(")", 1)[0] if text.startswith("Goalrail (") else None
            if not result.is_error:
                out[action] = ("ALLOW", None)
            elif "no approval within" in text:  # an ASK nobody answered within --ask-timeout
                out[action] = ("ASK", policy)
            else:
                out[action] = ("DENY", policy)
    return out


async def test_same_verdicts_everywhere(stack: ServerProc) -> None:
    runners = {
        "claude-code hook": via_hook_command,
        "claude-code http hook": via_hook_http,
        "python Client": via_client,
        "python Guard": via_guard,
        "llm proxy": via_llm_proxy,
    }
    matrix: dict[str, dict[str, tuple[str, str | None]]] = {a: {} for a in ACTIONS}
    for action, spec in ACTIONS.items():
        for name, run in runners.items():
            if name == "llm proxy" and "llm" not in spec:
                continue
            result, policy = run(stack, action)
            matrix[action][name] = (result, policy if result != "ALLOW" else None)  # ALLOW names no decider
    mcp = await via_mcp_proxy(stack, [a for a in ACTIONS if "mcp" in ACTIONS[a]])
    for action, verdict in mcp.items():
        matrix[action]["mcp proxy"] = verdict
    for guard in GUARD.values():
        guard.close()
    lines = [f"{action:26s} " + "  ".join(f"{k}={v[0]}" for k, v in row.items()) for action, row in matrix.items()]
    print("\n" + "\n".join(lines))
    for action, row in matrix.items():
        assert set(row.values()) == {ACTIONS[action]["want"]}, (action, row)
    assert sum(len(r) for r in matrix.values()) == 25  # 5 actions × 4 + LLM proxy 2 + MCP proxy 3
