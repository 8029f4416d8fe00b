"""ASK without a prompt: the Claude Code hook in ``-p`` (approve in Goalrail, retry the
identical call), ``--ask-wait``, answers given in Claude Code's own prompt, the MCP
proxy and ``goalrail mcp`` when the client answers an elicitation with ``cancel``,
and one evaluation per MCP call when the hook and the proxy share a session.

Real processes: ``goalrail server``, ``goalrail hook claude-code``,
``goalrail mcp-proxy`` driven by the ``mcp`` SDK's client session."""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

from tests.integrations.support import (
    AGENT_TOKEN,
    AUTH,
    CHAIN,
    HERE,
    P,
    ServerProc,
    env,
    pending,
    resolve_next,
    running_server,
)
from tests.integrations.test_claude_code import cc, decision, run_hook

pytestmark = pytest.mark.slow

UPSTREAM = [sys.executable, str(HERE / "upstream_mcp.py")]


def bash(session: str, command: str, use_id: str, hook: str = "PreToolUse", **extra: Any) -> dict[str, Any]:
    payload = cc("pre_tool_use_bash", session)
    payload.update(hook_event_name=hook, tool_use_id=use_id, **extra)
    payload["tool_input"] = {"command": command, "description": f"run {command} ({use_id})"}
    return payload


def hook(server: ServerProc, payload: dict[str, Any], *args: str) -> Any:
    out = decision(run_hook(payload, "--url", server.url, "--token", AGENT_TOKEN, *args))
    return out["hookSpecificOutput"] if out else None


def approve(server: ServerProc, approval_id: str, scope: str = "once") -> None:
    with server.user() as c:
        c.post(f"/v1/approvals/{approval_id}", json={"decision": "approve", "scope": scope}).raise_for_status()


def approval(server: ServerProc, approval_id: str) -> dict[str, Any]:
    with server.user() as c:
        return c.get(f"/v1/approvals/{approval_id}").json()  # type: ignore[no-any-return]


def approval_id_in(text: str) -> str:
    found = re.search(r"apr_[0-9a-f]+", text)
    assert found is not None, text
    return found.group()


def test_headless_ask_then_approve_in_goalrail_then_retry(server: ServerProc) -> None:
    s = "cc-headless-retry"
    first = hook(server, bash(s, "make deploy", "toolu_01"))
    # `claude -p` turns this `ask` into a refusal; the reason names the approval.
    assert first["permissionDecision"] == "ask"
    aid = approval_id_in(first["permissionDecisionReason"])
    approve(server, aid)
    # The model retries: new tool-use id, reworded description, same command → an explicit allow.
    retry = hook(server, bash(s, "make deploy", "toolu_02"))
    assert retry["permissionDecision"] == "allow", retry
    assert approval(server, aid)["status"] == "applied"
    # The approval was for one call: the next identical call asks again; a different one too.
    assert hook(server, bash(s, "make deploy", "toolu_03"))["permissionDecision"] == "ask"
    assert hook(server, bash(s, "make deploy --force", "toolu_04"))["permissionDecision"] == "ask"


def test_ask_wait_denies_with_the_link_then_the_retry_goes_through(server: ServerProc) -> None:
    s = "cc-headless-wait"
    started = time.monotonic()
    out = hook(server, bash(s, "npm publish", "toolu_11"), "--ask-wait", "1")
    assert time.monotonic() - started < 45  # (Python's start-up included: seconds on a loaded machine)
    reason = out["permissionDecisionReason"]
    assert out["permissionDecision"] == "deny" and "not approved within 1s" in reason
    aid = approval_id_in(reason)
    assert f"{server.url}/approvals#{aid}" in reason and "retry" in reason
    assert approval(server, aid)["status"] == "pending"  # still open: approve it later
    approve(server, aid)
    again = hook(server, bash(s, "npm publish", "toolu_12"), "--ask-wait", "1")
    assert again["permissionDecision"] == "allow"


def test_http_hook_wait_denies_with_the_link_then_the_retry_goes_through(server: ServerProc) -> None:
    s = "cc-http-wait"
    with server.agent() as c:
        out = c.post("/hooks/claude-code?wait=1", json=bash(s, "make release", "toolu_h1")).json()
        reason = out["hookSpecificOutput"]["permissionDecisionReason"]
        assert out["hookSpecificOutput"]["permissionDecision"] == "deny" and "not approved within 1s" in reason
        approve(server, approval_id_in(reason))
        again = c.post("/hooks/claude-code?wait=1", json=bash(s, "make release", "toolu_h2")).json()
    assert again["hookSpecificOutput"]["permissionDecision"] == "allow"


def test_ask_wait_outlasts_the_servers_own_wait_cap(tmp_path: Path) -> None:
    """The server holds ``?wait`` at most `limits.max_wait_s` (1 s here): the hook keeps waiting."""
    with running_server(tmp_path, CHAIN + AUTH + "limits: {max_wait_s: 1}\n") as srv:
        s = "cc-wait-loop"
        approver = threading.Timer(3.0, lambda: resolve_next(srv, s, "approve"))
        approver.start()
        started = time.monotonic()
        out = hook(srv, bash(s, "make test", "toolu_21"), "--ask-wait", "45")
        approver.join()
        assert out["permissionDecision"] == "allow", out  # (approved within its own wait)
        assert time.monotonic() - started > 2.5  # past the server's 1 s cap: the hook asked again
        with srv.user() as c:
            listed = c.get("/v1/approvals", params={"session": s}).json()["data"]
        assert [a["status"] for a in listed] == ["applied"]  # used by exactly this call


def test_answer_in_claude_codes_own_prompt_is_recorded(server: ServerProc) -> None:
    s = "cc-native-answer"
    asked = hook(server, bash(s, "git push", "toolu_31"))
    assert asked["permissionDecision"] == "ask"
    aid = approval_id_in(asked["permissionDecisionReason"])
    # The user approved in Claude Code's prompt: the tool ran and PostToolUse reports it.
    post = bash(s, "git push", "toolu_31", hook="PostToolUse", tool_response={"stdout": "ok"})
    assert decision(run_hook(post, "--url", server.url, "--token", AGENT_TOKEN)) is None
    record = approval(server, aid)
    assert record["status"] == "answered_in_client" and record["resolved_by"] == "claude-code prompt"
    assert not pending(server, s)
    # Not an approval: the identical call still asks.
    assert hook(server, bash(s, "git push", "toolu_32"))["permissionDecision"] == "ask"


# -- MCP ------------------------------------------------------------------------


def text(result: types.CallToolResult) -> str:
    return " ".join(getattr(b, "text", "") for b in result.content)


def _proxy(server: ServerProc, *extra: str, **env_extra: str) -> StdioServerParameters:
    args = ["-m", "goalrail", "mcp-proxy", "--url", server.url, "--token", AGENT_TOKEN, "--name", "files", *extra]
    return StdioServerParameters(command=sys.executable, args=[*args, "--", *UPSTREAM], env=env(**env_extra))


async def test_proxy_cancel_keeps_waiting_for_goalrail(server: ServerProc) -> None:
    session = "mcp-cancel-approve"
    asked: list[str] = []

    async def cancel(ctx: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append(params.message)
        return types.ElicitResult(action="cancel")  # what `claude -p` answers

    params = _proxy(server, "--session", session, "--ask-timeout", "120")
    async with stdio_client(params) as (read, write), ClientSession(read, write, elicitation_callback=cancel) as c:
        await c.initialize()
        approver = threading.Timer(0.5, lambda: resolve_next(server, session, "approve"))
        approver.start()
        result = await c.call_tool("run_command", {"command": "make lint"})
        approver.join()
    assert len(asked) == 1 and "make lint" in asked[0]
    assert not result.is_error and text(result) == "ran: make lint"
    with server.user() as u:
        listed = u.get("/v1/approvals", params={"session": session}).json()["data"]
    assert [a["status"] for a in listed] == ["applied"]  # the proxy's retry used it; nothing left to reuse


async def test_hook_and_proxy_share_the_session_and_evaluate_once(tmp_path: Path) -> None:
    """Claude Code runs the hook and the proxy; the proxy takes the session from CLAUDE_CODE_SESSION_ID."""
    config = (
        f"""
policy_modules: [{P}]
policies:
  cap: {{type: function, handler: {P}.max_tool_calls_per_session, factory_params: {{limit: 2}}}}
"""
        + AUTH
    )
    with running_server(tmp_path, config) as srv:
        session = "cc-with-proxy"
        params = _proxy(srv, CLAUDE_CODE_SESSION_ID=session)
        async with stdio_client(params) as (read, write), ClientSession(read, write) as c:
            await c.initialize()
            for n in range(2):
                pre = cc("pre_tool_use_mcp", session)
                pre.update(tool_name="mcp__files__echo", tool_input={"text": f"call {n}"}, tool_use_id=f"toolu_m{n}")
                assert hook(srv, pre, "--on-allow", "allow")["permissionDecision"] == "allow"
                result = await c.call_tool("echo", {"text": f"call {n}"})
                assert not result.is_error and text(result) == f"echo: call {n}"
            third = cc("pre_tool_use_mcp", session)
            third.update(tool_name="mcp__files__echo", tool_input={"text": "call 2"})
            assert hook(srv, third)["permissionDecision"] == "deny"  # a limit of 2 allowed exactly 2 calls
        with srv.user() as u:
            audit = u.get("/v1/audit", params={"session": session}).json()["data"]
        calls = [e["payload"] for e in audit if e["kind"] == "decision" and e["payload"]["type"] == "tool_call"]
        assert [(p["event"]["context"]["harness"], p["result"], bool(p.get("reused"))) for p in calls] == [
            ("claude-code", "ALLOW", False),
            ("mcp-proxy", "ALLOW", True),
            ("claude-code", "ALLOW", False),
            ("mcp-proxy", "ALLOW", True),
            ("claude-code", "DENY", False),
        ]


def _chat(server: ServerProc, session: str) -> StdioServerParameters:
    args = ["-m", "goalrail", "mcp", "--session", session, "--url", server.url, "--token", AGENT_TOKEN]
    # (an ask the test answers must not lapse first on a loaded machine; a refusal is at once)
    return StdioServerParameters(command=sys.executable, args=[*args, "--ask-timeout", "120"], env=env())


NEW_POLICY = {"name": "no_secrets", "handler": f"{P}.deny_paths", "factory_params": {"paths": ["/srv/s"]}}


async def test_chat_add_policy_cancel_keeps_waiting(server: ServerProc) -> None:
    session = "chat-cancel"
    asked: list[str] = []

    async def cancel(ctx: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append(params.message)
        return types.ElicitResult(action="cancel")

    params = _chat(server, session)
    async with stdio_client(params) as (read, write), ClientSession(read, write, elicitation_callback=cancel) as c:
        await c.initialize()
        approver = threading.Timer(0.5, lambda: resolve_next(server, session, "approve"))
        approver.start()
        added = await c.call_tool("sys_add_policy", NEW_POLICY)
        approver.join()
    assert len(asked) == 1 and "cancelling keeps the request open" in asked[0]
    assert not added.is_error, added
    assert json.loads(added.content[0].text)["name"] == "no_secrets"  # type: ignore[union-attr]


async def test_chat_add_policy_decline_refuses(server: ServerProc) -> None:
    session = "chat-decline"

    async def decline(ctx: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        return types.ElicitResult(action="decline")

    params = _chat(server, session)
    async with stdio_client(params) as (read, write), ClientSession(read, write, elicitation_callback=decline) as c:
        await c.initialize()
        started = time.monotonic()
        refused = await c.call_tool("sys_add_policy", NEW_POLICY)
    assert refused.is_error and "refused in the client" in text(refused)
    assert time.monotonic() - started < 60  # at once: not after the 120 s ask timeout
    with server.user() as u:
        assert u.get(f"/v1/sessions/{session}/policies").json()["data"] == []
