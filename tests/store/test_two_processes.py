"""Two replicas (separate processes, each with its own Runtime and SQL store) on
one database, 100 concurrent events each on one session, limit 50 → exactly 50
ALLOW in total."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from goalrail.runtime import audit
from goalrail.store import open_store

HERE = Path(__file__).resolve().parent
SRC = HERE.parent.parent / "src"


def _run_replicas(url: str, tmp_path: Path, events: int = 100) -> list[dict[str, object]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(HERE)])}
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                str(HERE / "two_process_worker.py"),
                url,
                "shared",
                str(events),
                str(go),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    try:
        for p in procs:  # both have migrated, built their runtime and created the session
            assert p.stdout is not None
            line = p.stdout.readline().strip()
            assert line == "ready", (line, p.stderr.read() if p.stderr else "")
        go.touch()
        results = []
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for p in procs:  # a failed start must not leave pipes open for the next test
            if p.poll() is None:
                p.kill()
            p.communicate()


async def _check(url: str, results: list[dict[str, object]]) -> None:
    print("replicas:", results)
    allow = sum(int(r["counts"].get("ALLOW", 0)) for r in results)  # type: ignore[union-attr]
    deny = sum(int(r["counts"].get("DENY", 0)) for r in results)  # type: ignore[union-attr]
    assert (allow, deny) == (50, 150), results
    store = await open_store(url)
    try:
        entries = await store.audit_entries(session_id="shared")
        assert len(entries) == 200
        assert audit.verify(await store.audit_entries())["ok"] is True
        async with store.transaction("shared") as tx:
            snap = await tx.snapshot(user_day="2026-01-01")
        assert snap.policy_states == {"server:cap": {"calls": 50}}
    finally:
        await store.close()


@pytest.mark.postgres
async def test_two_processes_on_postgres_allow_exactly_50(pg_url: str, tmp_path: Path) -> None:
    # Small pools: the PostgreSQL server (max_connections=100) is shared with other test runs.
    url = pg_url + "&pool_size=5&max_overflow=5"
    results = await asyncio.to_thread(_run_replicas, url, tmp_path)
    await _check(url, results)


async def test_two_processes_on_sqlite_allow_exactly_50(sqlite_url: str, tmp_path: Path) -> None:
    results = await asyncio.to_thread(_run_replicas, sqlite_url, tmp_path)
    await _check(sqlite_url, results)
