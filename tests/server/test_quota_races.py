"""Creations in flight at once cannot pass a user's limits: real `goalrail server`
processes (two replicas on one SQLite file or one PostgreSQL database, or one on the
memory store), hit over HTTP by many threads at the same moment, each request
creating one more session or token than the limit allows.  The store counts and
creates in one step (``runtime.quota``), so exactly the limit is created, the rest
answer 409, whichever replica each request reached."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
ADMIN, ALICE, AGENT = ("race-admin", "root", "admin"), ("race-alice", "alice", "user"), ("race-agent", "alice", "agent")
SESSIONS, TOKENS = 4, 3
READ = {"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": "/tmp/x"}}}
USAGE = {"model": "gpt-4o", "input_tokens": 1, "output_tokens": 1}


def _config(tmp: Path, url: str) -> Path:
    lines = [
        f"database_url: {url}",
        f"limits: {{max_sessions_per_user: {SESSIONS}, max_tokens_per_user: {TOKENS}}}",
        "auth:",
        "  tokens:",
    ]
    for token, user, role in (ADMIN, ALICE, AGENT):
        lines.append(f"    - {{user: {user}, role: {role}, sha256: {hashlib.sha256(token.encode()).hexdigest()}}}")
    path = tmp / "config.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(tmp: Path, config: Path) -> tuple[subprocess.Popen[bytes], str, IO[str]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOALRAIL_")}
    env.update(PYTHONPATH=str(REPO / "src"), GOALRAIL_HOME=str(tmp / f"home{port}"))
    log = (tmp / f"server-{port}.log").open("w")
    cmd = [sys.executable, "-m", "goalrail", "server", "-c", str(config), "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # (a poll: ends when up; a loaded machine starts slowly)
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url, log
        except httpx.HTTPError:
            time.sleep(0.1)
        assert proc.poll() is None, (tmp / f"server-{port}.log").read_text()
    proc.kill()
    raise AssertionError("server did not start")


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def replicas(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[str]]:
    kind = request.param
    if kind == "memory":
        url = "memory://"
    elif kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'shared.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    config = _config(tmp_path, url)
    started = [_start(tmp_path, config)]
    if kind != "memory":  # the second replica starts once the first has migrated the database
        started.append(_start(tmp_path, config))
    try:
        yield [u for _, u, _ in started]
    finally:
        for proc, _, log in started:
            proc.terminate()
            proc.wait(10)
            log.close()


def _h(who: tuple[str, str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {who[0]}"}


def _at_once(calls: list[Callable[[], httpx.Response]]) -> list[int]:
    """Each call in a thread of its own, all released together: their status codes."""
    gate, codes = threading.Barrier(len(calls)), [0] * len(calls)

    def run(i: int) -> None:
        gate.wait()
        codes[i] = calls[i]().status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return codes


def test_concurrent_new_sessions_stop_at_the_limit(replicas: list[str]) -> None:
    """Twenty-four creations at once, by every way a session is created, across the replicas."""
    calls: list[Callable[[], httpx.Response]] = []
    for i in range(24):
        base = replicas[i % len(replicas)]
        sid = f"race{i}"
        if i % 3 == 0:
            calls.append(lambda b=base, s=sid: httpx.post(f"{b}/v1/sessions", json={"id": s}, headers=_h(ALICE)))
        elif i % 3 == 1:
            calls.append(lambda b=base, s=sid: httpx.post(f"{b}/v1/sessions/{s}/events", json=READ, headers=_h(AGENT)))
        else:
            calls.append(lambda b=base, s=sid: httpx.post(f"{b}/v1/sessions/{s}/usage", json=USAGE, headers=_h(ALICE)))
    codes = _at_once(calls)
    assert sorted(set(codes)) == [200, 201, 409] or set(codes) <= {200, 201, 409}, codes
    assert sum(c in (200, 201) for c in codes) == SESSIONS, codes
    listed = httpx.get(f"{replicas[0]}/v1/sessions", params={"owner": "alice"}, headers=_h(ADMIN)).json()["data"]
    assert len(listed) == SESSIONS, [s["id"] for s in listed]
    # the sessions created work as before; an admin is not held to alice's count
    made = listed[0]["id"]
    r = httpx.post(f"{replicas[-1]}/v1/sessions/{made}/events", json=READ, headers=_h(AGENT))
    assert r.json()["result"] == "ALLOW", r.text
    r = httpx.post(f"{replicas[-1]}/v1/sessions", json={"id": "by-admin", "owner": "alice"}, headers=_h(ADMIN))
    assert r.status_code == 201, r.text


def test_concurrent_new_tokens_stop_at_the_limit(replicas: list[str]) -> None:
    """Sixteen token creations at once across the replicas: exactly the limit are created."""
    bases = [replicas[i % len(replicas)] for i in range(16)]
    calls: list[Callable[[], httpx.Response]] = [
        lambda b=b: httpx.post(f"{b}/v1/tokens", json={"role": "agent"}, headers=_h(ALICE)) for b in bases
    ]
    codes = _at_once(calls)
    assert sum(c == 201 for c in codes) == TOKENS and set(codes) == {201, 409}, codes
    held = httpx.get(f"{replicas[0]}/v1/tokens", headers=_h(ADMIN)).json()["data"]
    assert sum(t["user"] == "alice" and not t["revoked"] for t in held) == TOKENS, held
