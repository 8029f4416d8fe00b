"""A lower level's DENY does not hide an attempt from a higher level that would end the session
(real `goalrail server`, HTTP, and the chat add path).

The admin's server-wide `pattern_policy` denies `rm -rf` with `violation_mode: SIGKILL`: the
attempt is denied and the session ends, so every later call of that agent is denied.  Before,
a session policy denying the same command (the user's own, or one the agent asked for in chat
and the user gladly approved as a tightening) or an agent spec's denied it first, evaluation
stopped there, and the session went on: the agent's next calls were judged as usual.  Now the
levels above a lower level's DENY still see the attempt, and one that would deny it and end
the session ends it (docs/security.md, "Lower levels only tighten").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.server.test_process import TOKENS, Server

PATTERNS = "goalrail.policies.builtins.patterns.pattern_policy"


def _inline(name: str, mode: str) -> dict[str, Any]:
    rule = {"action_type": "shell_execute", "pattern": "rm -rf", "action": "deny", "violation_mode": mode}
    return {"inline": {"name": name, "patterns": [{**rule, "severity": "critical"}]}}


def _shell(command: str) -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": command}}}


def _h(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[name][0]}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("sigkill")
    agents = tmp / "agents"
    agents.mkdir()
    careful = {"type": "function", "handler": PATTERNS, "factory_params": _inline("careful", "BLOCK")}
    (agents / "careful.yaml").write_text(json.dumps({"name": "careful", "policies": {"no_rm": careful}}) + "\n")
    kill = {"type": "function", "handler": PATTERNS, "factory_params": _inline("kill", "SIGKILL")}
    lines = [f"agents_dir: {agents}", f"policies: {json.dumps({'kill': kill})}", "auth:", "  tokens:"]
    for token, user, role in TOKENS.values():
        lines.append(f"    - {{user: {user}, role: {role}, sha256: {hashlib.sha256(token.encode()).hexdigest()}}}")
    config = tmp / "config.yaml"
    config.write_text("\n".join(lines) + "\n")
    s = Server(tmp, config=config)
    yield s
    s.stop()


def _post(client: httpx.Client, sid: str, event: dict[str, Any]) -> dict[str, Any]:
    r = client.post(f"/v1/sessions/{sid}/events", json=event, headers=_h("agent"))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _attempt_then_next(client: httpx.Client, sid: str, denier: str) -> None:
    tried = _post(client, sid, _shell("rm -rf ~"))
    assert tried["result"] == "DENY" and tried["policy"] == denier, tried
    if denier != "kill":  # the decision names its own denier, and says who ended the session
        assert any(w.startswith("kill: ends the session") for w in tried.get("warnings") or []), tried
    after = _post(client, sid, _shell("ls"))
    # before: ALLOW — the admin's SIGKILL never saw the attempt, so the session went on
    assert after["result"] == "DENY", after
    session = client.get(f"/v1/sessions/{sid}", headers=_h("alice")).json()
    assert session["ended"], session


def test_control_without_a_lower_policy_the_attempt_ends_the_session(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        _attempt_then_next(client, "s-plain", "kill")


def test_a_users_session_policy_denying_first_does_not_keep_the_session_alive(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.post("/v1/sessions", json={"id": "s-user"}, headers=_h("alice")).status_code == 201
        body = {"name": "mine", "handler": PATTERNS, "factory_params": _inline("mine", "BLOCK")}
        assert client.post("/v1/sessions/s-user/policies", json=body, headers=_h("alice")).status_code == 201
        _attempt_then_next(client, "s-user", "mine")


def test_a_policy_the_agent_asked_for_in_chat_does_not_keep_the_session_alive(server: Server) -> None:
    """The agent asks to add "deny rm -rf" (sys_add_policy), alice approves the tightening, the
    agent adds it with that approval — and then tries the command."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        request = {"name": "asked", "handler": PATTERNS, "factory_params": _inline("asked", "BLOCK")}
        event = {"type": "tool_call", "target": "sys_add_policy", "data": {"arguments": request}}
        asked = _post(client, "s-chat", event)
        assert asked["result"] == "ASK" and asked["approval_id"], asked
        r = client.post(f"/v1/approvals/{asked['approval_id']}", json={"decision": "approve"}, headers=_h("alice"))
        assert r.status_code == 200, r.text
        body = {**request, "approval_id": asked["approval_id"]}
        r = client.post("/v1/sessions/s-chat/policies", json=body, headers=_h("agent"))
        assert r.status_code == 201, r.text
        _attempt_then_next(client, "s-chat", "asked")


def test_an_agent_specs_policy_denying_first_does_not_keep_the_session_alive(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        body = {"id": "s-agent", "agent": "careful"}
        assert client.post("/v1/sessions", json=body, headers=_h("alice")).status_code == 201
        _attempt_then_next(client, "s-agent", "no_rm")
