"""Real server processes under concurrency: two replicas on one PostgreSQL
database keep a limit exact; kill -9 during load loses no answered decision."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.test_process import Server

AGENT = "replica-agent-token"
ADMIN = "replica-admin-token"


def _config(tmp: Path, database_url: str, limit: int) -> Path:
    digest = hashlib.sha256(AGENT.encode()).hexdigest()
    admin = hashlib.sha256(ADMIN.encode()).hexdigest()
    path = tmp / "config.yaml"
    path.write_text(
        f"database_url: '{database_url}'\n"
        "policy_modules: [gr_testpolicies]\n"
        "policies:\n"
        f"  cap: {{type: function, handler: gr_testpolicies.max_calls, factory_params: {{limit: {limit}}}}}\n"
        "auth:\n  tokens:\n"
        f"    - {{user: ops, role: agent, sha256: {digest}}}\n"
        f"    - {{user: root, role: admin, sha256: {admin}}}\n"
    )
    return path


def _event(i: int) -> dict[str, Any]:
    return {"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": f"/f/{i}"}}}


@pytest.mark.postgres
def test_two_replicas_on_postgres_keep_the_limit_exact(tmp_path: Path, pg_url: str) -> None:
    cfg = _config(tmp_path, pg_url, 50)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = Server(tmp_path / "a", config=cfg)
    try:
        b = Server(tmp_path / "b", config=cfg)
    except BaseException:
        a.stop()
        raise
    headers = {"Authorization": f"Bearer {AGENT}"}
    try:
        r = httpx.post(f"{a.url}/v1/sessions", json={"id": "shared"}, headers=headers)
        assert r.status_code == 201, r.text

        async def fire() -> list[str]:
            limits = httpx.Limits(max_connections=100)
            async with httpx.AsyncClient(limits=limits, timeout=60) as client:

                async def one(i: int) -> str:
                    url = (a if i % 2 else b).url
                    resp = await client.post(f"{url}/v1/sessions/shared/events", json=_event(i), headers=headers)
                    assert resp.status_code == 200, resp.text
                    return str(resp.json()["result"])

                return list(await asyncio.gather(*[one(i) for i in range(200)]))

        results = asyncio.run(fire())
        assert results.count("ALLOW") == 50 and results.count("DENY") == 150
        verify = httpx.get(f"{b.url}/v1/audit/verify", headers={"Authorization": f"Bearer {ADMIN}"}).json()
        assert verify["ok"] is True and verify["count"] == 200
    finally:
        a.stop()
        b.stop()


def test_kill_9_during_load_loses_no_answered_decision(tmp_path: Path) -> None:
    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 'goalrail.db'}", 1_000_000)
    server = Server(tmp_path, config=cfg)
    headers = {"Authorization": f"Bearer {AGENT}"}
    answered: list[str] = []
    stop = threading.Event()

    def load(worker: int) -> None:
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
            i = 0
            while not stop.is_set():
                path = f"w{worker}-{i}"
                try:
                    r = client.post(f"/v1/sessions/k{worker}/events", json=_event_path(path))
                except httpx.HTTPError:
                    return
                if r.status_code == 200:
                    answered.append(path)
                i += 1

    threads = [threading.Thread(target=load, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 120  # (a poll: ends at 60 answers)
    while len(answered) < 60 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(server.proc.pid, signal.SIGKILL)
    server.proc.wait(10)
    stop.set()
    for t in threads:
        t.join(15)
    server.log.close()
    assert len(answered) >= 60, "the load never got going"

    restarted = Server(tmp_path, config=cfg)
    try:
        admin = {"Authorization": f"Bearer {ADMIN}"}
        recorded: set[str] = set()
        for w in range(4):
            entries = httpx.get(
                f"{restarted.url}/v1/audit", params={"session": f"k{w}", "limit": 10_000}, headers=admin
            ).json()["data"]
            recorded |= {e["payload"]["action"]["target"] for e in entries if e["kind"] == "decision"}
        missing = [p for p in answered if f"/f/{p}" not in recorded]
        assert not missing, f"{len(missing)} answered decisions are not in the audit log, e.g. {missing[:3]}"
        verify = httpx.get(f"{restarted.url}/v1/audit/verify", headers=admin).json()
        assert verify["ok"] is True and verify["count"] >= len(answered)
    finally:
        restarted.stop()


def _event_path(path: str) -> dict[str, Any]:
    return {"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": f"/f/{path}"}}}
