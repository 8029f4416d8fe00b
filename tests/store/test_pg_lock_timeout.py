"""A PostgreSQL replica stopped or hung inside a transaction keeps its locks (a
session's row, the audit chain's advisory lock).  The other replicas' waits for
them fail after the busy timeout (``lock_timeout`` on every connection) with a
``store_error``, on which clients fail closed, instead of lasting for ever; once
the holder lets go, decisions go on.  Waiting for a replica that is migrating the
schema is the exception: that takes as long as it takes."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import psycopg
import pytest

from goalrail.errors import StoreError
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.sql import engine
from goalrail.store.sql.migrate import MIGRATE_LOCK
from goalrail.store.sql.tx import AUDIT_LOCK

EVENT = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}


@pytest.fixture
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> float:
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 400)
    return 0.4


def _row_lock(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    conn.execute("SELECT id FROM sessions WHERE id = 's1' FOR UPDATE")


def _audit_lock(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (AUDIT_LOCK,))


@pytest.mark.parametrize("hold", [_row_lock, _audit_lock], ids=["session row", "audit chain"])
async def test_a_lock_held_for_good_fails_decisions_after_the_busy_timeout(
    pg_url: str, short_timeout: float, hold: Callable[[psycopg.Connection[tuple[object, ...]]], None]
) -> None:
    store = await open_store(pg_url)
    rt = Runtime(store, registry=Registry.load())
    try:
        assert (await rt.evaluate("s1", EVENT, owner="o1")).result == "ALLOW"
        with psycopg.connect(pg_url) as other:  # (a transaction, as a replica's batch)
            hold(other)
            for _ in range(2):
                start = time.monotonic()
                with pytest.raises(StoreError, match="busy"):
                    await asyncio.wait_for(rt.evaluate("s1", EVENT, owner="o1"), 90)
                # after the busy timeout, not the statement timeout (120 s) nor never (the wait_for)
                assert time.monotonic() - start < short_timeout + 30
            other.rollback()
        decision = await asyncio.wait_for(rt.evaluate("s1", EVENT, owner="o1"), 90)
        assert decision.result == "ALLOW"
    finally:
        await store.close()


async def test_a_replica_waits_for_a_migrating_one_beyond_the_busy_timeout(pg_url: str, short_timeout: float) -> None:
    taken, done = threading.Event(), threading.Event()

    def migrating() -> None:
        with psycopg.connect(pg_url) as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_LOCK,))
            taken.set()
            time.sleep(short_timeout * 3)
            conn.rollback()
        done.set()

    thread = threading.Thread(target=migrating)
    thread.start()
    try:
        assert taken.wait(60)
        store = await asyncio.wait_for(open_store(pg_url), 90)
        assert done.is_set()  # it waited for the lock, past the busy timeout
        await store.close()
    finally:
        thread.join()
