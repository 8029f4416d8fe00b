"""An answer is bound to the question that was asked: a session grant (`session_tool`,
`session_identical`) or an unused `once` approval given to a server-wide policy stops answering
once that policy's handler or parameters change — a PATCH, or a delete and a new policy of the
same name — so the user's old "stop asking me" never answers the admin's new gate.  Against a
real `goalrail server` process over HTTP."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.test_process import TOKENS, Server

ASK_ON_OS = "goalrail.policies.builtins.safety.ask_on_os_tools"
TOOL_GATE = "goalrail.policies.builtins.tools.tool_gate"


def _call(command: str) -> dict[str, Any]:
    return {"type": "tool_call", "target": "sys_os_shell", "data": {"arguments": {"command": command}}}


def _h(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[name][0]}"}


def _server(tmp: Path, policies: list[str]) -> Server:
    lines = ["policy_modules: [gr_testpolicies]", *policies, "auth:", "  tokens:"]
    for token, user, role in TOKENS.values():
        lines.append(f"    - {{user: {user}, role: {role}, sha256: {hashlib.sha256(token.encode()).hexdigest()}}}")
    config = tmp / "config.yaml"
    config.write_text("\n".join(lines) + "\n")
    return Server(tmp, config=config)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = _server(tmp_path_factory.mktemp("grants"), [])  # no server-wide policy in the config: `gate` is over REST
    yield s
    s.stop()


@pytest.fixture
def gate(server: Server) -> Iterator[str]:
    """A server-wide `gate` (admin, over REST: `tool_gate` asking about every shell command); removed after."""
    r = httpx.post(
        f"{server.url}/v1/policies",
        json={"name": "gate", "type": "python", "handler": TOOL_GATE, "factory_params": {"ask": ["sys_os_shell"]}},
        headers=_h("admin"),
    )
    assert r.status_code == 201, r.text
    policy_id = r.json()["id"]
    yield policy_id
    for p in httpx.get(f"{server.url}/v1/policies", headers=_h("admin")).json()["data"]:
        if p["name"] == "gate" and p.get("source") == "api":
            httpx.delete(f"{server.url}/v1/policies/{p['id']}", headers=_h("admin"))


def _post(server: Server, session: str, command: str) -> dict[str, Any]:
    r = httpx.post(f"{server.url}/v1/sessions/{session}/events", json=_call(command), headers=_h("agent"))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _granted(server: Server, session: str, scope: str) -> None:
    """The agent's shell call asks (`gate`); alice answers with ``scope``; the grant works."""
    asked = _post(server, session, "ls")
    assert asked["result"] == "ASK" and asked["policy"] == "gate", asked
    r = httpx.post(
        f"{server.url}/v1/approvals/{asked['approval_id']}",
        json={"decision": "approve", "scope": scope},
        headers=_h("alice"),
    )
    assert r.status_code == 200, r.text
    assert _post(server, session, "ls")["result"] == "ALLOW"


CHANGES = {
    "handler": {"handler": ASK_ON_OS, "factory_params": {}},
    "parameters": {"factory_params": {"ask": ["sys_os_*"], "deny": ["sys_os_delete"]}},
}


@pytest.mark.parametrize("scope", ["session_tool", "session_identical"])
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_patched_policy_asks_again(server: Server, gate: str, scope: str, change: str) -> None:
    session = f"patched-{scope}-{change}"
    _granted(server, session, scope)
    r = httpx.patch(f"{server.url}/v1/policies/{gate}", json=CHANGES[change], headers=_h("admin"))
    assert r.status_code == 200, r.text
    again = _post(server, session, "ls")
    assert again["result"] == "ASK" and again["policy"] == "gate", again


def test_a_policy_recreated_under_the_same_name_asks_again(server: Server, gate: str) -> None:
    session = "recreated"
    _granted(server, session, "session_tool")
    assert httpx.delete(f"{server.url}/v1/policies/{gate}", headers=_h("admin")).status_code == 200
    body = {"name": "gate", "type": "python", "handler": ASK_ON_OS}
    assert httpx.post(f"{server.url}/v1/policies", json=body, headers=_h("admin")).status_code == 201
    again = _post(server, session, "rm -rf build")
    assert again["result"] == "ASK" and again["policy"] == "gate", again


def test_an_unchanged_policy_keeps_its_grant(server: Server, gate: str) -> None:
    """Renaming nothing and changing only `enabled` back and forth is the same question; so is
    `mode` shadow and back to enforce (a policy is bound by value: it is again what was answered)."""
    session = "unchanged"
    _granted(server, session, "session_tool")
    for change in ({"enabled": False}, {"enabled": True}, {"mode": "shadow"}, {"mode": "enforce"}):
        r = httpx.patch(f"{server.url}/v1/policies/{gate}", json=change, headers=_h("admin"))
        assert r.status_code == 200, r.text
    assert _post(server, session, "make test")["result"] == "ALLOW"


def test_a_once_approval_does_not_outlive_a_change(server: Server, gate: str) -> None:
    session = "once-changed"
    asked = _post(server, session, "make deploy")
    r = httpx.post(
        f"{server.url}/v1/approvals/{asked['approval_id']}", json={"decision": "approve"}, headers=_h("alice")
    )
    assert r.status_code == 200, r.text
    r = httpx.patch(f"{server.url}/v1/policies/{gate}", json=CHANGES["handler"], headers=_h("admin"))
    assert r.status_code == 200, r.text
    retry = _post(server, session, "make deploy")  # the identical call, now asked by another policy
    assert retry["result"] == "ASK" and retry.get("approval_id") != asked["approval_id"], retry


def test_a_grant_does_not_answer_the_same_policy_failing(tmp_path: Path) -> None:
    """`on_error: ask` means a person decides when the guard cannot judge: a grant given to the
    guard's own questions about the tool is not that decision."""
    gate = "  gate: {type: function, handler: gr_testpolicies.ask_or_fail, on_error: ask}"
    s = _server(tmp_path, ["policies:", gate])
    try:
        _granted(s, "failing", "session_tool")
        failing = _post(s, "failing", "fail-open please")
        assert failing["result"] == "ASK" and "failed" in failing["reason"], failing
        r = httpx.post(
            f"{s.url}/v1/approvals/{failing['approval_id']}",
            json={"decision": "approve", "scope": "session_tool"},
            headers=_h("alice"),
        )
        assert r.status_code == 200, r.text
        assert _post(s, "failing", "fail-open please")["result"] == "ALLOW"  # the person's own answer holds
        assert _post(s, "failing", "ls -la")["result"] == "ALLOW"  # and so does the earlier grant
    finally:
        s.stop()


def _upload(server: Server, yaml_text: str) -> None:
    headers = {**_h("admin"), "Content-Type": "application/yaml"}
    r = httpx.post(f"{server.url}/v1/agents", content=yaml_text, headers=headers)
    assert r.status_code == 201, r.text


def test_a_changed_agent_spec_policy_asks_again(server: Server) -> None:
    """The agent-spec level: the admin uploads the spec again with the policy's parameters changed."""
    spec = "name: coder\npolicies:\n  gate: {type: function, handler: %s, factory_params: {ask: [%s]}}\n"
    _upload(server, spec % (TOOL_GATE, "sys_os_shell"))
    r = httpx.post(f"{server.url}/v1/sessions", json={"id": "spec-changed", "agent": "coder"}, headers=_h("alice"))
    assert r.status_code == 201, r.text
    _granted(server, "spec-changed", "session_tool")
    _upload(server, spec % (TOOL_GATE, "'sys_os_*'"))
    again = _post(server, "spec-changed", "ls")
    assert again["result"] == "ASK" and again["policy"] == "gate", again


def _create(server: Server, on_error: str, timeout_ms: float | None = None) -> str:
    body: dict[str, Any] = {"name": "gate", "type": "python", "handler": TOOL_GATE, "on_error": on_error}
    body["factory_params"] = {"ask": ["sys_os_shell"]}
    if timeout_ms is not None:
        body["timeout_ms"] = timeout_ms
    r = httpx.post(f"{server.url}/v1/policies", json=body, headers=_h("admin"))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


@pytest.mark.parametrize(
    ("before", "after"),
    # (another deadline: a long one, that the gate's answer never reaches — 50 ms was reached on a
    # loaded machine, and the gate's DENY by on_error came instead of its ASK)
    [
        ({"on_error": "allow"}, {"on_error": "deny"}),
        ({"on_error": "deny"}, {"on_error": "deny", "timeout_ms": 60000.0}),
    ],
)
def test_a_policy_recreated_with_another_failure_mode_asks_again(
    server: Server, before: dict[str, Any], after: dict[str, Any]
) -> None:
    """The same handler and parameters under another `on_error` (a fail-open guard made fail-closed)
    or deadline is another policy: the grant given to the old one does not carry over."""
    session = f"recreated-{after.get('timeout_ms', 'on-error')}"
    policy_id = _create(server, **before)
    try:
        _granted(server, session, "session_tool")
        assert httpx.delete(f"{server.url}/v1/policies/{policy_id}", headers=_h("admin")).status_code == 200
        policy_id = _create(server, **after)
        again = _post(server, session, "ls")
        assert again["result"] == "ASK" and again["policy"] == "gate", again
    finally:
        httpx.delete(f"{server.url}/v1/policies/{policy_id}", headers=_h("admin"))


@pytest.mark.parametrize("change", ["parameters", "removed"])
def test_an_approval_given_after_its_policy_changed_answers_nothing(server: Server, gate: str, change: str) -> None:
    """The question was the old policy's: approving it after the admin changed (or removed) that
    policy is refused (409) and the approval is closed as denied, so a call waiting on it (a hook's
    `--ask-wait`, `?wait`) is not released by it; the retry asks the policy as it is now."""
    session = f"changed-while-pending-{change}"
    asked = _post(server, session, "make deploy")
    assert asked["result"] == "ASK", asked
    if change == "removed":
        assert httpx.delete(f"{server.url}/v1/policies/{gate}", headers=_h("admin")).status_code == 200
    else:
        r = httpx.patch(f"{server.url}/v1/policies/{gate}", json=CHANGES[change], headers=_h("admin"))
        assert r.status_code == 200, r.text
    url = f"{server.url}/v1/approvals/{asked['approval_id']}"
    r = httpx.post(url, json={"decision": "approve", "scope": "session_tool"}, headers=_h("alice"))
    assert r.status_code == 409 and "changed" in r.json()["message"], r.text
    assert httpx.get(url, headers=_h("alice")).json()["status"] == "denied"
    retry = _post(server, session, "make deploy")
    assert retry["result"] == ("ASK" if change == "parameters" else "ALLOW"), retry
    assert retry.get("approval_id") != asked["approval_id"]


def _answer(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    call = {"id": "call_1", "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}
    return {"type": "llm_response", "target": "gpt-4o", "data": {"model": "gpt-4o", "tool_calls": [call]}}


def test_a_grant_on_an_answers_call_covers_that_tool_not_every_answer(server: Server) -> None:
    """An answer (the LLM proxy's `llm_response`) asks because one of its calls does: "this tool for
    the session" is then that call's tool — the grant a hook's `Bash` would get — not the answer's
    model, which covered every later answer's calls, a `Write` to /etc/passwd included."""
    body = {"name": "osask", "type": "python", "handler": ASK_ON_OS}
    r = httpx.post(f"{server.url}/v1/policies", json=body, headers=_h("admin"))
    assert r.status_code == 201, r.text
    try:
        session, agent = "answer-grant", _h("agent")
        events = f"{server.url}/v1/sessions/{session}/events"
        asked = httpx.post(events, json=_answer("Bash", {"command": "ls"}), headers=agent).json()
        assert asked["result"] == "ASK", asked
        url = f"{server.url}/v1/approvals/{asked['approval_id']}"
        r = httpx.post(url, json={"decision": "approve", "scope": "session_tool"}, headers=_h("alice"))
        assert r.status_code == 200, r.text
        write = httpx.post(events, json=_answer("Write", {"file_path": "/etc/passwd", "content": "x"}), headers=agent)
        assert write.json()["result"] == "ASK", write.text
        shell = httpx.post(events, json=_answer("Bash", {"command": "make"}), headers=agent)
        assert shell.json()["result"] == "ALLOW", shell.text  # the tool the user approved for the session
        hooked = httpx.post(events, json=_call("make test"), headers=agent)  # the same tool through a hook
        assert hooked.json()["result"] == "ALLOW", hooked.text
    finally:
        for p in httpx.get(f"{server.url}/v1/policies", headers=_h("admin")).json()["data"]:
            if p["name"] == "osask":
                httpx.delete(f"{server.url}/v1/policies/{p['id']}", headers=_h("admin"))
