"""A lower level's hung policies never decide for a higher level's (real `goalrail server`, HTTP).

An off-loop policy past its deadline leaves its thread running (Python cannot stop it), and a
session holding ``PER_SESSION`` such threads has its off-loop policies refused without running,
each answered by its own ``on_error``.  Before, the count was one per session whatever level
the hung policies were at, so a user's session policies (a registered handler that is slow on
the user's input, with the user's own ``timeout_ms``), or an agent spec's, could make the admin's
server-wide policy "not run" — and an admin who had chosen ``on_error: allow`` (or ``ask``) for
that policy's own failures got an ALLOW (or a question to the user) instead of its DENY.  Now a
policy is refused only for threads held by policies of its own level or a higher one
(docs/security.md, "Lower levels only tighten").
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from goalrail.engine.offload import PER_POLICY, PER_SESSION
from tests.server.test_process import TOKENS, Server

HANG_S = 8.0  # how long each hung thread keeps running: far longer than the test's events take


def _shell(command: str) -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": command}}}


def _h(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[name][0]}"}


def _server(tmp: Path, on_error: str) -> Server:
    agents = tmp / "agents"
    agents.mkdir()
    # The agent spec's own slow policies (operator code on disk), failing open at their level.
    naps = "\n".join(
        f"  nap{i}: {{type: function, handler: gr_slowpolicies.hang, factory_params: {{seconds: {HANG_S}}},"
        " timeout_ms: 50, on_error: allow}"
        for i in range(PER_SESSION // PER_POLICY)
    )
    (agents / "coder.yaml").write_text(f"name: coder\npolicies:\n{naps}\n")
    lines = [
        "policy_modules: [gr_slowpolicies, gr_testpolicies]",
        f"agents_dir: {agents}",
        "policies:",
        # The admin's off-loop guard, failing open (or to a question) for its OWN failures only.
        "  guard: {type: function, handler: gr_testpolicies.deny_target, factory_params: {contains: rm -rf},"
        f" timeout_ms: 30000, on_error: {on_error}}}",  # (never reached: it judges at once)
        "auth:",
        "  tokens:",
    ]
    for token, user, role in TOKENS.values():
        lines.append(f"    - {{user: {user}, role: {role}, sha256: {hashlib.sha256(token.encode()).hexdigest()}}}")
    config = tmp / "config.yaml"
    config.write_text("\n".join(lines) + "\n")
    return Server(tmp, config=config)


@pytest.fixture(scope="module", params=["allow", "ask"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = _server(tmp_path_factory.mktemp(f"hung-{request.param}"), request.param)
    yield s
    s.stop()


def _post(client: httpx.Client, sid: str, command: str, who: str = "agent") -> dict[str, Any]:
    r = client.post(f"/v1/sessions/{sid}/events", json=_shell(command), headers=_h(who))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _guarded(body: dict[str, Any]) -> None:
    """The admin's guard judged the call itself: its DENY, not its failure's answer."""
    assert body["result"] == "DENY" and body["policy"] == "guard", body
    assert "not run" not in body["reason"] and "failed" not in body["reason"], body


def _hang_session_policies(client: httpx.Client, sid: str, *, on_error: str = "allow") -> list[str]:
    """Session policies (a registered handler, slow on every event) with the user's 50 ms deadline."""
    ids = []
    for i in range(PER_SESSION // PER_POLICY):
        body = {
            "name": f"slow{i}",
            "handler": "gr_slowpolicies.hang",
            "factory_params": {"seconds": HANG_S},
            "timeout_ms": 50,
            "on_error": on_error,
        }
        r = client.post(f"/v1/sessions/{sid}/policies", json=body, headers=_h("alice"))
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


def test_session_policies_left_running_do_not_switch_off_the_server_guard(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        assert client.post("/v1/sessions", json={"id": "s-open"}, headers=_h("alice")).status_code == 201
        _hang_session_policies(client, "s-open")
        for _ in range(PER_POLICY):  # each event leaves every slow policy's thread running
            # (the session policies fail open at their level: the guard judges `ls` and lets it through)
            assert _post(client, "s-open", "ls")["result"] == "ALLOW"
        _guarded(_post(client, "s-open", "rm -rf ~"))  # before: ALLOW (or ASK), "policy `guard` failed: not run"


def test_session_policies_removed_after_hanging_do_not_switch_it_off_either(server: Server) -> None:
    """The user's policies are deleted once their threads hang: the session runs no policy of its
    own any more, and still the guard judges."""
    with httpx.Client(base_url=server.url, timeout=60) as client:
        assert client.post("/v1/sessions", json={"id": "s-gone"}, headers=_h("alice")).status_code == 201
        ids = _hang_session_policies(client, "s-gone")
        for _ in range(PER_POLICY):
            _post(client, "s-gone", "ls")
        for policy_id in ids:
            r = client.delete(f"/v1/sessions/s-gone/policies/{policy_id}", headers=_h("alice"))
            assert r.status_code == 200, r.text
        _guarded(_post(client, "s-gone", "rm -rf ~"))  # before: ALLOW (or ASK)


def test_an_agent_specs_hung_policies_do_not_switch_off_the_server_guard(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        body = {"id": "s-agent", "agent": "coder"}
        assert client.post("/v1/sessions", json=body, headers=_h("alice")).status_code == 201
        first = _post(client, "s-agent", "ls")  # the spec's naps overrun: their own on_error
        assert first["result"] == "ALLOW" and "deadline" in first["reason"], first
        for _ in range(PER_POLICY - 1):  # then they are refused: a DENY (fails closed), never ALLOW
            assert _post(client, "s-agent", "ls")["result"] == "DENY"
        body = _post(client, "s-agent", "rm -rf ~")
        guard = next(d for d in body["decisions"] if d["policy"] == "guard")
        assert body["result"] == "DENY", body  # before: ALLOW (or ASK)
        # The guard is never refused for the spec's threads: it denies, or is skipped after the
        # spec's refusal already denied.
        assert guard["verdict"] in ("DENY", "SKIPPED") and "not run" not in (guard["reason"] or ""), guard


def test_a_session_policy_is_still_refused_once_its_own_threads_hang(server: Server) -> None:
    """The per-session cap still holds for the level that hung: the user's own policies are refused
    without running (their `on_error`), as before."""
    with httpx.Client(base_url=server.url, timeout=60) as client:
        assert client.post("/v1/sessions", json={"id": "s-own"}, headers=_h("alice")).status_code == 201
        _hang_session_policies(client, "s-own", on_error="deny")
        for _ in range(PER_POLICY):
            _post(client, "s-own", "ls")
        refused = _post(client, "s-own", "ls")
        assert refused["result"] == "DENY" and refused["policy"].startswith("slow"), refused
        assert "not run" in refused["reason"], refused
