"""One user's sessions cannot take the policy threads from other users (real `goalrail server`,
real HTTP concurrency).

Off-loop policies run on a pool of threads shared by the process.  Before, one user's sessions
(any number, up to ``limits.max_sessions_per_user``) each running a slow session-level policy
filled all 32 threads; another user's event then queued behind them, and since a job's deadline
counted from when it was queued, the operator's own off-loop policy was DENIED on it for work it
never did.  Now the operator's policies (server, agent level) have threads of their own, one
user's session-level jobs hold at most ``PER_USER`` of the pool, the user's excess waits for the
user's own jobs under its own deadline, and a deadline counts from when a thread takes the job
(docs/server.md, "Isolation between sessions").
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from goalrail.engine.offload import PER_USER, WORKERS
from tests.server.test_process import Server

USERS = ["alice", "bob", "carol", "dave", "erin", "frank"]
EVENT = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls -la"}}}
#: how long alice's slow policies hold a thread: the deadlines below (the operator policy's 3 s,
#: bob's own policy's HANG_S + 3 s) have seconds of room on a loaded machine, and are still
#: shorter than a wait for alice's threads (HANG_S - 1 s, and HANG_S + that) would make them
HANG_S = 6.0


def _token(user: str) -> str:
    return f"pool-{user}-token"


def _h(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {_token(user)}"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    lines = [
        "policy_modules: [gr_slowpolicies, gr_testpolicies]",
        "policies:",
        # the operator's own off-loop policy (not a shipped builtin): every event runs it on a thread
        "  operator: {type: function, handler: gr_testpolicies.deny_target, factory_params: {contains: nowhere},"
        " timeout_ms: 3000}",
        "auth:",
        "  tokens:",
    ]
    for user in USERS:
        digest = hashlib.sha256(_token(user).encode()).hexdigest()
        lines.append(f"    - {{user: {user}, role: user, sha256: {digest}}}")
    cfg = tmp_path / "config.yaml"
    cfg.write_text("\n".join(lines) + "\n")
    s = Server(tmp_path, config=cfg)
    try:
        yield s
    finally:
        s.stop()


def _slow_sessions(client: httpx.Client, user: str, n: int, timeout_ms: float, seconds: float = HANG_S) -> list[str]:
    """``n`` sessions of ``user``, each with a session-level policy sleeping ``seconds`` per event."""
    sids = [f"{user}-{i}" for i in range(n)]
    for sid in sids:
        assert client.post(f"/v1/sessions/{sid}/events", json=EVENT, headers=_h(user)).status_code == 200
        body = {
            "name": "slow",
            "handler": "gr_slowpolicies.hang",
            "factory_params": {"seconds": seconds},
            "timeout_ms": timeout_ms,
        }
        r = client.post(f"/v1/sessions/{sid}/policies", json=body, headers=_h(user))
        assert r.status_code == 201, r.text
    return sids


def _fire(server: Server, user: str, sids: list[str], answers: list[Any]) -> list[threading.Thread]:
    def one(sid: str) -> None:
        r = httpx.post(f"{server.url}/v1/sessions/{sid}/events", json=EVENT, headers=_h(user), timeout=120)
        answers.append(r)

    threads = [threading.Thread(target=one, args=(sid,)) for sid in sids]
    for t in threads:
        t.start()
    return threads


def _decide(client: httpx.Client, sid: str, user: str) -> tuple[float, dict[str, Any]]:
    t0 = time.perf_counter()
    r = client.post(f"/v1/sessions/{sid}/events", json=EVENT, headers=_h(user))
    assert r.status_code == 200, r.text
    return time.perf_counter() - t0, r.json()


def test_one_user_filling_the_pool_does_not_deny_another_users_decisions(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=120) as client:
        sids = _slow_sessions(client, "alice", WORKERS + 8, timeout_ms=10_000)
        assert client.post("/v1/sessions/plain/events", json=EVENT, headers=_h("bob")).status_code == 200
        (own,) = _slow_sessions(client, "bob", 1, timeout_ms=HANG_S * 1000 + 3000)
        answers: list[Any] = []
        threads = _fire(server, "alice", sids, answers)
        time.sleep(1.0)  # alice's events have reached the server and taken what threads they may
        mine: list[Any] = []
        (bobs,) = _fire(server, "bob", [own], mine)  # his own slow session-level policy
        plain = []
        while bobs.is_alive():  # meanwhile his session with only the operator's off-loop policy
            plain.append(_decide(client, "plain", "bob"))
            time.sleep(0.2)
        bobs.join()
        for t in threads:
            t.join()
    # (before: DENY at the operator policy's 3 s deadline, counted while queued behind alice;
    # an ALLOW is an answer within that deadline as the server counts it — the wall clock here,
    # HTTP included, is not asserted: a loaded machine adds to it)
    assert len(plain) >= 5 and all(b["result"] == "ALLOW" for _, b in plain), plain
    (r,) = mine
    assert r.json()["result"] == "ALLOW", r.text  # (before: DENY "exceeded its deadline" while queued)
    # alice's excess waited for her own jobs, each under its own deadline: bounded, not the pool
    results = [r.json() for r in answers]
    assert all(r["result"] in ("ALLOW", "DENY") for r in results), results
    allowed = sum(r["result"] == "ALLOW" for r in results)
    assert PER_USER <= allowed < len(sids), results
    held = f"this user's sessions held {PER_USER} policy threads until its deadline"
    assert all(held in r["reason"] for r in results if r["result"] == "DENY"), results


def test_a_queued_job_is_not_charged_for_other_users_work(server: Server) -> None:
    """With the session pool full of other users' jobs (each within its share), a job waits for a
    thread; its deadline counts from when a thread takes it, so it is judged, not denied."""
    others = USERS[:5]
    per = PER_USER - 1  # each within a user's share, together more than the pool
    assert per * len(others) > WORKERS
    with httpx.Client(base_url=server.url, timeout=120) as client:
        answers: list[Any] = []
        threads: list[threading.Thread] = []
        # (the fillers hold every thread for 15 s, and the test waits 4 s for their events to reach
        # the server: room for a loaded machine, where 1.5 s of 8 s could leave a thread free for
        # frank; frank's policy sleeps 1 s under a deadline of 5 s, not 2 s)
        fillers = {user: _slow_sessions(client, user, per, 30_000, seconds=15.0) for user in others}
        (late,) = _slow_sessions(client, "frank", 1, 5000, seconds=1.0)
        for user, sids in fillers.items():
            threads += _fire(server, user, sids, answers)
        time.sleep(4.0)  # their events have reached the server and hold every thread for 15 s
        took, body = _decide(client, late, "frank")
        for t in threads:
            t.join()
    assert body["result"] == "ALLOW", body  # (before: DENY at its deadline, counted while queued)
    assert took > 5.0, took  # it did wait for a thread, longer than its deadline
    assert all(r.json()["result"] == "ALLOW" for r in answers), [r.json() for r in answers]
