"""kill -9 while evaluating: every decision that was answered is in the audit
log after reopening, and the chain verifies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from goalrail.runtime import audit
from goalrail.store import open_store

HERE = Path(__file__).resolve().parent
SRC = HERE.parent.parent / "src"


def _run_and_kill(url: str, answers: int = 40, sessions: int = 1) -> int:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(HERE)])}
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "crash_worker.py"), url, str(sessions)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    answered = 0
    err = ""
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("answered "):
                answered = int(line.split()[1])
                if answered >= answers:
                    break
        proc.send_signal(signal.SIGKILL)
        rest, err = proc.communicate(timeout=120)
        # lines printed between our last read and the kill were answered too
        for line in rest.splitlines():
            if line.startswith("answered "):
                answered = int(line.split()[1])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert answered >= answers, err
    return answered


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_answered_decisions_survive_kill_9(backend: str, request: pytest.FixtureRequest) -> None:
    import asyncio

    url = str(request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url"))
    answered = await asyncio.to_thread(_run_and_kill, url)
    store = await open_store(url)
    try:
        entries = await store.audit_entries(session_id="crash")
        assert len(entries) >= answered
        assert audit.verify(await store.audit_entries())["ok"] is True
    finally:
        await store.close()


async def test_answered_group_commits_survive_kill_9(sqlite_url: str) -> None:
    """16 sessions at once: decisions share transactions; each answered one was committed."""
    import asyncio

    answered = await asyncio.to_thread(_run_and_kill, sqlite_url, 400, 16)
    store = await open_store(sqlite_url)
    try:
        entries = await store.audit_entries()
        assert len(entries) >= answered
        assert len({e["session_id"] for e in entries}) == 16
        assert audit.verify(entries)["ok"] is True
    finally:
        await store.close()
