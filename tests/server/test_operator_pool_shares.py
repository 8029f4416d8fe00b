"""One user's input that makes the operator's policies hang never takes the operator's threads
from another user (real `goalrail server`, HTTP).

The operator's off-loop policies (server and agent level) run on ``OPERATOR_WORKERS`` threads
of their own.  Before, every user's jobs took them first come, first served: the admin has four
custom server-wide policies that are slow on one crafted command, and Alice's agent sent it
twice, in two sessions — each policy past its deadline answered by its own ``on_error: allow``,
and each left its thread running, eight in all.  From then on, while they ran, every other
user's operator policies waited for a thread, and after ``QUEUE_WAIT_S`` "did not run": the
admin's guard, answered by its ``on_error: allow``, let Bob's ``rm -rf ~`` through.  Now one
user's jobs hold at most ``OPERATOR_PER_USER`` of those threads (queued, running or abandoned;
per level, like the abandoned threads): Alice's further calls wait for her own, and Bob's are
judged (docs/server.md, "Isolation between sessions").
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from goalrail.engine.offload import OPERATOR_WORKERS, PER_POLICY
from tests.server.test_process import TOKENS, Server

#: how long each hung thread keeps running: longer than the queue wait the test would otherwise see
HANG_S = 45.0
SLOW = OPERATOR_WORKERS // PER_POLICY  # policies that, each hung twice, hold every operator thread
USERS = {**TOKENS, "bob-agent": ("pool-bob-agent", "bob", "agent")}


def _h(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {USERS[name][0]}"}


def _shell(command: str) -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": command}}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("operator-pool")
    lines = ["policy_modules: [gr_slowpolicies]", "policies:"]
    for i in range(SLOW):
        lines.append(
            f"  slow{i}: {{type: function, handler: gr_slowpolicies.hang_or_deny,"
            f" factory_params: {{hang_on: slowpoke, deny_on: never-seen, seconds: {HANG_S}}},"
            " timeout_ms: 300, on_error: allow}"
        )
    lines += [
        "  guard: {type: function, handler: gr_slowpolicies.hang_or_deny,"
        " factory_params: {hang_on: never-seen, deny_on: rm -rf}, timeout_ms: 10000, on_error: allow}",
        "auth:",
        "  tokens:",
    ]
    for token, user, role in USERS.values():
        lines.append(f"    - {{user: {user}, role: {role}, sha256: {hashlib.sha256(token.encode()).hexdigest()}}}")
    config = tmp / "config.yaml"
    config.write_text("\n".join(lines) + "\n")
    s = Server(tmp, config=config)
    yield s
    s.stop()


def _post(client: httpx.Client, sid: str, command: str, who: str) -> dict[str, Any]:
    r = client.post(f"/v1/sessions/{sid}/events", json=_shell(command), headers=_h(who))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_control_the_guard_judges_bob_before_anyone_hangs_anything(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=120) as client:
        body = _post(client, "s-bob-first", "rm -rf ~", "bob-agent")
        assert body["result"] == "DENY" and body["policy"] == "guard", body


def test_one_users_hung_calls_leave_the_operators_threads_to_the_others(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=120) as client:
        for i in range(PER_POLICY):
            # Alice's own sessions (a session holds at most 4 abandoned threads, so two of them):
            # each slow policy fails open at its deadline, as the admin chose, or, past Alice's
            # share of the threads, is refused without running: a DENY whatever its on_error
            for d in _post(client, f"s-alice-{i}", "echo slowpoke", "agent")["decisions"]:
                if d["policy"].startswith("slow"):
                    refused = d["verdict"] == "DENY" and "fails closed" in d["reason"]
                    overran = d["verdict"] == "ALLOW" and "deadline" in d["reason"]
                    assert refused or overran or d["verdict"] == "SKIPPED", d  # (after a DENY)
        body = _post(client, "s-bob", "rm -rf ~", "bob-agent")
        # before: ALLOW after 30 s, "policy `guard` failed: not run: no policy thread came free"
        assert body["result"] == "DENY" and body["policy"] == "guard", body
        assert "not run" not in body["reason"] and "failed" not in body["reason"], body
        slowest = max(d.get("duration_us") or 0 for d in body["decisions"])
        assert slowest < 15_000_000, body  # judged at once, not after a queue wait (30 s)
