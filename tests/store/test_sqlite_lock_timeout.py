"""A writer lock file held for good by another process (stopped, hung, in a debugger)
fails each write after the busy timeout, as SQLite's own lock does, instead of
leaving it waiting for ever: a decision that cannot be stored is refused, not hung.
Once the holder lets go, writes go on."""

from __future__ import annotations

import asyncio
import time

import pytest

from goalrail.errors import StoreError
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.sql import engine, runner
from goalrail.store.sql.sqlite_checkpoint import Checkpoints
from goalrail.store.sql.sqlite_store import SqliteStore
from goalrail.store.sql.writer_lock import WriterLock

EVENT = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}


@pytest.fixture
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> float:
    monkeypatch.setattr(runner, "BUSY_TIMEOUT_MS", 400)
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 400)
    return 0.4


@pytest.mark.parametrize("checkpointing", [False, True])
async def test_a_lock_file_held_for_good_fails_writes_after_the_busy_timeout(
    sqlite_url: str, short_timeout: float, monkeypatch: pytest.MonkeyPatch, checkpointing: bool
) -> None:
    """``checkpointing``: a checkpoint round that restarts the WAL, and so takes the
    writer, begins while the lock file is held: it gives up too, and writers go on."""
    if checkpointing:
        monkeypatch.setattr(Checkpoints, "EVERY", 1)
        monkeypatch.setattr(Checkpoints, "RESTART_FRAMES", 1)
    path = sqlite_url.removeprefix("sqlite:///")
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    rt = Runtime(store, registry=Registry.load())
    other = WriterLock(path)
    try:
        await rt.evaluate("s1", EVENT, owner="o1")  # the session exists; its next decision is a group commit
        await store.runner.checkpoints.wait()
        other.acquire()
        if checkpointing:
            store.runner._committed()  # a round: its PASSIVE checkpoint, then the wait for the writer
            await asyncio.sleep(0.1)
        for attempt in (
            lambda: rt.evaluate("s1", EVENT, owner="o1"),  # the group commit (begin_immediate)
            lambda: store.ensure_session("s2", owner="o2"),  # a write of its own (runner.write)
            lambda: rt.evaluate("s1", EVENT, owner="o1"),  # again, with the worker thread still waiting
        ):
            start = time.monotonic()
            with pytest.raises(StoreError, match="busy"):
                await asyncio.wait_for(attempt(), 90)
            assert time.monotonic() - start < short_timeout + 30  # the busy timeout, not never
        other.release()
        # the waits given up may still be queued on the worker thread ahead of the next
        # write; on a loaded machine they can outlast the short timeout, not the usual one
        monkeypatch.setattr(runner, "BUSY_TIMEOUT_MS", 60_000)
        decision = await asyncio.wait_for(rt.evaluate("s1", EVENT, owner="o1"), 90)
        assert decision.result == "ALLOW"
        info = await asyncio.wait_for(store.ensure_session("s2", owner="o2"), 90)
        assert info.owner == "o2"
    finally:
        other.close()
        await store.close()
