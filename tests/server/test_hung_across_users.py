"""One user's input that makes the admin's policy hang never switches it off for another user
(real `goalrail server`, HTTP).

An off-loop policy past its deadline leaves its thread running, and a compiled policy holding
``PER_POLICY`` such threads is refused without running, answered by its own ``on_error``.
Before, that count was one per compiled policy, shared by every session of every user: Alice's
agent sent two commands on which the admin's server-wide guard is slow (its own input, within
what the admin's ``on_error: allow`` means for Alice), and from then on, while those threads
ran, the guard "did not run" in Bob's sessions too — Bob's ``rm -rf ~`` was ALLOWed (``allow``)
or put to Bob as a question (``ask``) where the guard denies it.  Now the count is kept per
user (whose event it was), with a bound for all users together (``PER_POLICY_ALL``, which keeps
the operator's pool): one user's hung calls refuse the policy in that user's sessions only
(docs/security.md, "Lower levels only tighten").
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
USERS = {
    **TOKENS,
    "bob-agent": ("hung-bob-agent", "bob", "agent"),
    "carol-agent": ("hung-carol-agent", "carol", "agent"),
}


def _shell(command: str) -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": command}}}


def _h(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {USERS[name][0]}"}


def _server(tmp: Path, on_error: str) -> Server:
    lines = [
        "policy_modules: [gr_slowpolicies]",
        "policies:",
        # The admin's guard: slow on one crafted command, failing open (or to a question) for its
        # OWN failures only, denying `rm -rf`.
        "  guard: {type: function, handler: gr_slowpolicies.hang_or_deny,"
        f" factory_params: {{hang_on: slowpoke, deny_on: rm -rf, seconds: {HANG_S}}},"
        f" timeout_ms: {GUARD_MS}, on_error: {on_error}}}",
        "auth:",
        "  tokens:",
    ]
    for token, user, role in USERS.values():
        lines.append(f"    - {{user: {user}, role: {role}, sha256: {hashlib.sha256(token.encode()).hexdigest()}}}")
    config = tmp / "config.yaml"
    config.write_text("\n".join(lines) + "\n")
    return Server(tmp, config=config)


@pytest.fixture(params=["allow", "ask"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    s = _server(tmp_path, request.param)
    yield s
    s.stop()


def _post(client: httpx.Client, sid: str, command: str, who: str) -> dict[str, Any]:
    r = client.post(f"/v1/sessions/{sid}/events", json=_shell(command), headers=_h(who))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _hang(client: httpx.Client, sid: str, who: str, *, check: bool = True) -> None:
    """``PER_POLICY`` calls on which the guard overruns its deadline: its threads keep running."""
    for _ in range(PER_POLICY):
        body = _post(client, sid, "echo slowpoke", who)
        assert not check or "deadline" in body["reason"], body


def _guarded(body: dict[str, Any]) -> None:
    """The guard judged the call itself: its DENY, not its failure's answer."""
    assert body["result"] == "DENY" and body["policy"] == "guard", body
    assert "not run" not in body["reason"] and "failed" not in body["reason"], body


def _refused(body: dict[str, Any]) -> None:
    assert "not run" in body["reason"], body


def test_one_users_hung_calls_do_not_switch_the_guard_off_for_another(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        _hang(client, "s-alice", "agent")
        _guarded(_post(client, "s-bob", "rm -rf ~", "bob-agent"))  # before: ALLOW (or ASK), "not run"


def test_nor_for_several_sessions_of_other_users(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        _hang(client, "s-alice", "agent")
        for who, sid in (("bob-agent", "s-bob-1"), ("bob-agent", "s-bob-2"), ("carol-agent", "s-carol")):
            _guarded(_post(client, sid, "rm -rf /srv", who))


def test_control_the_user_who_hung_it_is_refused_in_every_own_session(server: Server) -> None:
    """The cap stands for the user whose input hung the guard, fresh session ids included."""
    with httpx.Client(base_url=server.url, timeout=60) as client:
        _hang(client, "s-alice", "agent")
        _refused(_post(client, "s-alice", "rm -rf ~", "agent"))
        _refused(_post(client, "s-alice-fresh", "rm -rf ~", "agent"))


def test_control_users_together_reach_the_policys_bound(server: Server) -> None:
    """Past ``PER_POLICY_ALL`` hung calls of several users, the policy is refused for everyone
    (the bound that keeps the operator's pool)."""
    with httpx.Client(base_url=server.url, timeout=60) as client:
        _hang(client, "s-alice", "agent")
        _hang(client, "s-bob", "bob-agent", check=False)  # (before: already refused for bob too)
        _refused(_post(client, "s-carol", "rm -rf ~", "carol-agent"))


def _closed(body: dict[str, Any]) -> None:
    """Refused without running, and failing closed: a DENY whatever the guard's ``on_error``."""
    assert body["result"] == "DENY" and body["policy"] == "guard", body
    assert "not run" in body["reason"], body


def test_the_user_who_hung_it_gets_a_deny_not_its_on_error(server: Server) -> None:
    """Alice's own hung calls never switch the guard off for Alice (before: her `rm -rf ~` was
    ALLOWed, or put to her as a question, by the guard's ``on_error``)."""
    with httpx.Client(base_url=server.url, timeout=60) as client:
        _hang(client, "s-alice", "agent")
        _closed(_post(client, "s-alice-fresh", "rm -rf ~", "agent"))


def test_users_together_past_the_bound_get_a_deny_not_its_on_error(server: Server) -> None:
    """Past ``PER_POLICY_ALL`` (Alice's and Bob's hung calls), Carol's guard is refused — by a
    DENY (before: its ``on_error``, ALLOW or ASK of Carol's `rm -rf ~`)."""
    with httpx.Client(base_url=server.url, timeout=60) as client:
        _hang(client, "s-alice", "agent")
        _hang(client, "s-bob", "bob-agent", check=False)
        _closed(_post(client, "s-carol", "rm -rf ~", "carol-agent"))
