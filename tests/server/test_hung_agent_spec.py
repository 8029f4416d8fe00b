"""A session's input that makes an agent spec's policy hang never switches it off (real
`goalrail server`, HTTP).

The agent spec's guard is slow on one crafted command and denies ``rm -rf``; its developer chose
``on_error: allow`` (or ``ask``) for the guard's own failures.  Once the session's calls hold
``PER_POLICY`` of its threads, the guard is refused without running — on every input, not only
the slow one.  Before, that refusal was answered by the guard's ``on_error``, so the agent sent
two slow commands and then had ``rm -rf ~`` ALLOWed (or put as a question) although the spec
denies it: the session, a lower level, had switched the spec's policy off.  Now a refused
agent-spec policy is a DENY, as a server-wide one is (docs/security.md, "Lower levels only
tighten"); a session's own policies are still answered by their ``on_error``
(tests/server/test_hung_lower_levels.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from goalrail.engine.offload import PER_POLICY
from tests.server.test_process import TOKENS, Server

#: how long each hung thread keeps running: far longer than the test's events take on a loaded
#: machine (they must still hold their threads at its last check; the server is stopped after it)
HANG_S = 60.0
#: the guard's deadline: overrun on `slowpoke`, and never reached judging `rm -rf` (a trivial check
#: on a thread: 300 ms before, which a stalled loaded machine can exceed)
GUARD_MS = 1000


def _h(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[name][0]}"}


def _server(tmp: Path, on_error: str) -> Server:
    agents = tmp / "agents"
    agents.mkdir()
    (agents / "coder.yaml").write_text(
        "name: coder\npolicies:\n"
        "  guard: {type: function, handler: gr_slowpolicies.hang_or_deny,"
        f" factory_params: {{hang_on: slowpoke, deny_on: rm -rf, seconds: {HANG_S}}},"
        f" timeout_ms: {GUARD_MS}, on_error: {on_error}}}\n"
    )
    lines = ["policy_modules: [gr_slowpolicies]", f"agents_dir: {agents}", "auth:", "  tokens:"]
    for token, user, role in TOKENS.values():
        lines.append(f"    - {{user: {user}, role: {role}, sha256: {hashlib.sha256(token.encode()).hexdigest()}}}")
    config = tmp / "config.yaml"
    config.write_text("\n".join(lines) + "\n")
    return Server(tmp, config=config)


@pytest.fixture(params=["allow", "ask"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    s = _server(tmp_path, request.param)
    yield s
    s.stop()


def _post(client: httpx.Client, sid: str, command: str) -> dict[str, Any]:
    body = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": command}}}
    r = client.post(f"/v1/sessions/{sid}/events", json=body, headers=_h("agent"))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _session(client: httpx.Client, sid: str) -> None:
    r = client.post("/v1/sessions", json={"id": sid, "agent": "coder"}, headers=_h("alice"))
    assert r.status_code == 201, r.text


def test_a_refused_agent_spec_policy_is_a_deny_not_its_on_error(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        _session(client, "s-coder")
        for _ in range(PER_POLICY):  # the guard overruns its deadline: its own failure, its on_error
            body = _post(client, "s-coder", "echo slowpoke")
            assert "deadline" in body["reason"] and body["result"] != "DENY", body
        refused = _post(client, "s-coder", "rm -rf ~")  # before: ALLOW (or ASK) by on_error
        assert refused["result"] == "DENY" and refused["policy"] == "guard", refused
        assert "not run" in refused["reason"] and "fails closed" in refused["reason"], refused


def test_control_the_guard_judges_the_call_before_its_threads_hang(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        _session(client, "s-fresh")
        body = _post(client, "s-fresh", "rm -rf ~")
        assert body["result"] == "DENY" and body["policy"] == "guard", body
        assert "not run" not in body["reason"], body
        assert _post(client, "s-fresh", "ls")["result"] == "ALLOW"
