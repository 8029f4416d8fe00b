"""On SQLite, sessions created under their owners' caps (every non-admin's first event
over HTTP) share transactions like the uncapped ones (store/sql/new_sessions.py), each
cap counted in the batch's order, and the creating transaction runs on the event loop:
it holds the store's writer (which every decision batch waits for) for its statements
only, not for a worker thread's turns at the GIL while the loop is busy."""

from __future__ import annotations

import asyncio
import sqlite3
import time

from goalrail.errors import Conflict
from goalrail.runtime.quota import SessionCap
from goalrail.store import open_store
from goalrail.store.sql.sqlite_store import SqliteStore


def _write_gen(sqlite_url: str) -> int:
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        found = conn.execute("SELECT value FROM meta WHERE key = 'write_gen'").fetchall()
    return int(found[0][0]) if found else 0


async def _open(sqlite_url: str) -> SqliteStore:
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    return store


async def test_capped_sessions_starting_together_share_transactions(sqlite_url: str) -> None:
    store = await _open(sqlite_url)
    try:
        gen = _write_gen(sqlite_url)
        cap = SessionCap("alice", 1000, time.time() - 60)
        infos = await asyncio.gather(*[store.ensure_session(f"s{i}", owner="alice", cap=cap) for i in range(32)])
        assert [(i.id, i.owner) for i in infos] == [(f"s{i}", "alice") for i in range(32)]
        assert _write_gen(sqlite_url) - gen <= 2  # (one write transaction each on main: 32)
        assert await store.count_sessions("alice", cap.active_since) == 32
    finally:
        await store.close()


async def test_caps_counted_in_the_batch_order(sqlite_url: str) -> None:
    """Exactly the limit per owner, the batch's own new rows counted (an admin's uncapped one
    included), an existing session never refused, and a refusal reaching its caller only."""
    store = await _open(sqlite_url)
    try:
        since = time.time() - 60
        await store.ensure_session("old", owner="alice", cap=SessionCap("alice", 4, since))
        alice, bob = SessionCap("alice", 4, since), SessionCap("bob", 2, since)
        calls = [store.ensure_session("old", owner="alice", cap=alice)]  # existing: never refused
        calls.append(store.ensure_session("by-admin", owner="alice"))  # uncapped, yet counted for alice
        calls += [store.ensure_session(f"a{i}", owner="alice", cap=alice) for i in range(6)]
        calls += [store.ensure_session(f"b{i}", owner="bob", cap=bob) for i in range(5)]
        gen = _write_gen(sqlite_url)
        done = await asyncio.gather(*calls, return_exceptions=True)
        assert _write_gen(sqlite_url) - gen <= 2  # (on main: one transaction per capped creation)
        made = [d.id for d in done if not isinstance(d, BaseException)]
        refused = [d for d in done if isinstance(d, BaseException)]
        assert all(isinstance(d, Conflict) for d in refused), refused
        assert made == ["old", "by-admin", "a0", "a1", "b0", "b1"]  # (in the order asked for)
        assert len(refused) == 4 + 3
        assert await store.count_sessions("alice", since) == 4 and await store.count_sessions("bob", since) == 2
        for sid in ("a2", "a5", "b2", "b4"):
            assert await store.get_session(sid) is None
    finally:
        await store.close()


class _TimedLock(asyncio.Lock):
    """The store's writer, timing how long each holder keeps it."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[float] = []
        self._since = 0.0

    async def acquire(self) -> bool:
        await super().acquire()
        self._since = time.perf_counter()
        return True

    def release(self) -> None:
        self.held.append(time.perf_counter() - self._since)
        super().release()


async def test_a_creation_holds_the_writer_for_its_statements_only(sqlite_url: str) -> None:
    """While the loop is busy (30 tasks running Python for 2 ms each per iteration, as
    decisions under load keep it), a creation holds the writer, which every decision
    batch waits for, no longer than its own statements take."""
    store = await _open(sqlite_url)
    writer = store.runner._writer = _TimedLock()
    store.runner.checkpoints._writer = writer
    busy = True

    async def evaluating() -> None:
        while busy:
            end = time.perf_counter() + 0.002
            while time.perf_counter() < end:
                pass
            await asyncio.sleep(0)

    hogs = [asyncio.ensure_future(evaluating()) for _ in range(30)]
    try:
        await asyncio.sleep(0.01)
        for i in range(3):
            await store.ensure_session(f"s{i}", owner="alice", cap=SessionCap("alice", 1000, time.time() - 60))
            await store.ensure_session(f"u{i}", owner="alice")
        assert len(writer.held) == 6
        # On main each creation's transaction ran on the worker thread, which waited for the
        # loop's iteration (~60 ms here) at each step, the writer held throughout.
        assert sorted(writer.held)[3] < 0.03, writer.held
    finally:
        busy = False
        await asyncio.gather(*hogs)
        await store.close()
