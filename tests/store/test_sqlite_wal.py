"""The SQLite WAL starts again from its beginning under steady writes
(``sqlite_checkpoint.Checkpoints``).  SQLite restarts it only when a writer
begins after a checkpoint that copied every frame; a checkpoint that ran while
another writer kept committing never did, so under steady writes the WAL grew
for as long as they went on (hundreds of megabytes a minute).  The checkpoint
that restarts it holds the writer, so it runs only once the WAL is
``RESTART_FRAMES`` long; and checkpoints run on a thread of their own, so a
wait for another process's lock file never waits for one."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import struct
import threading

import pytest
from sqlalchemy import Connection

from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.sql.runner import sqlite_conn
from goalrail.store.sql.sqlite_checkpoint import Checkpoints
from goalrail.store.sql.sqlite_store import SqliteStore
from goalrail.store.sql.writer_lock import WriterLock


def _salt(wal: str) -> int:
    """The WAL header's first salt: SQLite adds one each time the WAL restarts."""
    with open(wal, "rb") as fh:
        return int(struct.unpack(">I", fh.read(32)[16:20])[0])


def _keep_writing(path: str, stop: threading.Event, commits: list[int]) -> None:
    """Another process's store: takes the lock file around each commit, and commits all the time."""
    lock = WriterLock(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA wal_autocheckpoint = 0")  # (as every store's connections)
    try:
        while not stop.is_set():
            lock.acquire()
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("UPDATE scratch SET data = randomblob(3000) WHERE rowid = ?", (commits[0] * 7 % 4000 + 1,))
                conn.execute("COMMIT")
            finally:
                lock.release()
            commits[0] += 1
    finally:
        conn.close()
        lock.close()


async def test_the_wal_restarts_while_another_writer_keeps_committing(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = sqlite_url.removeprefix("sqlite:///")
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    monkeypatch.setattr(Checkpoints, "EVERY", 1)
    monkeypatch.setattr(Checkpoints, "RESTART_FRAMES", 1)
    stop, commits = threading.Event(), [0]
    writer: threading.Thread | None = None
    try:
        with sqlite3.connect(path, isolation_level=None) as conn:  # a WAL the checkpoint takes a while to copy
            conn.execute("PRAGMA wal_autocheckpoint = 0")
            conn.execute("CREATE TABLE scratch (data BLOB)")
            conn.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000) "
                "INSERT INTO scratch (data) SELECT randomblob(3000) FROM n"
            )
        before = _salt(path + "-wal")
        writer = threading.Thread(target=_keep_writing, args=(path, stop, commits))
        writer.start()
        while commits[0] < 10:
            await asyncio.sleep(0.001)
        store.runner._committed()  # a checkpoint now, the other writer going on
        assert store.runner.checkpoints.task is not None
        await store.runner.checkpoints.task
        assert store.runner.checkpoints.restarts == 1
        start = commits[0]
        while commits[0] < start + 10:  # the other writer's next commits begin after it
            await asyncio.sleep(0.001)
        stop.set()
        writer.join()
        writer = None
        assert _salt(path + "-wal") != before
    finally:
        stop.set()
        if writer is not None:
            writer.join()
        await store.close()


async def test_the_wal_stays_bounded_under_steady_decisions(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """(``bench/sqlite_wal.py``, smaller.)"""
    monkeypatch.setattr(Checkpoints, "EVERY", 64)
    monkeypatch.setattr(Checkpoints, "RESTART_FRAMES", 512)  # (under what 64 commits write: every round restarts it)
    path = sqlite_url.removeprefix("sqlite:///")
    store = await open_store(sqlite_url)
    sizes: list[int] = []
    try:
        rt = Runtime(store, registry=Registry.load())

        async def session(k: int) -> None:  # the group commit keeps committing while the worker thread checkpoints
            for i in range(200):
                event = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": f"echo {i}"}}}
                await rt.evaluate(f"s{k}", event, owner=f"o{k}")
                if k == 0 and i % 20 == 19:
                    sizes.append(os.path.getsize(path + "-wal"))

        await asyncio.gather(*[session(k) for k in range(16)])
    finally:
        await store.close()
    # 3,200 decisions: 15-17 MB of WAL when it never restarts, ~5 MB (64 group commits) when every
    # restart lands. A restart that meets a reader mid-read (on a loaded machine) waits for the next
    # round, so the WAL may hold two rounds (~11 MB), never more.
    assert max(sizes) < 13 * 1024 * 1024, [size // 1024 for size in sizes]


@pytest.mark.parametrize("restart_frames", [1 << 30, 1])
async def test_only_a_long_wal_is_checkpointed_holding_the_writer(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, restart_frames: int
) -> None:
    """Under ``RESTART_FRAMES`` a round copies the WAL while writers go on: it finishes
    while another process holds the lock file.  Over it, the round then takes the
    writer, so it waits for that process and finishes once it lets go."""
    monkeypatch.setattr(Checkpoints, "EVERY", 1)
    monkeypatch.setattr(Checkpoints, "RESTART_FRAMES", restart_frames)
    path = sqlite_url.removeprefix("sqlite:///")
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    other = WriterLock(path)  # another process's store, as far as the lock file goes
    try:
        rt = Runtime(store, registry=Registry.load())
        for i in range(20):
            await rt.evaluate("s0", {"type": "request", "data": {"text": f"hi {i}"}}, owner="o0")
        checkpoints = store.runner.checkpoints
        await checkpoints.wait()
        restarts = checkpoints.restarts
        other.acquire()
        store.runner._committed()  # a round now
        task = checkpoints.task
        assert task is not None
        # (not done within 0.5 s while the lock file is held: true however slow the machine; done: a poll)
        done, _ = await asyncio.wait([task], timeout=0.5 if restart_frames == 1 else 60)
        if restart_frames == 1:
            assert not done  # waiting for the lock file
            other.release()
            await asyncio.wait_for(task, 60)
            assert checkpoints.restarts == restarts + 1
        else:
            assert done and checkpoints.restarts == restarts == 0
    finally:
        other.release()
        other.close()
        await store.close()


async def test_a_wait_for_the_lock_file_does_not_wait_for_a_checkpoint(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkpoint that takes long (an fsync on a slow disk, here held back on purpose)
    must not hold up a writer that waits for another process's lock file: that wait is on
    the store's worker thread, the checkpoint on a thread of its own."""
    path = sqlite_url.removeprefix("sqlite:///")
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    slow, started = threading.Event(), threading.Event()
    run = Checkpoints.run

    def held_back(self: Checkpoints, mode: str) -> tuple[int, int]:
        started.set()
        slow.wait(180)  # (the test lets it go; the write below must not wait for it)
        return run(self, mode)

    monkeypatch.setattr(Checkpoints, "run", held_back)
    monkeypatch.setattr(Checkpoints, "EVERY", 1)
    other = WriterLock(path)  # another process's store, as far as the lock file goes
    try:
        store.runner._committed()  # a checkpoint round begins, and its checkpoint takes long
        while not started.is_set():
            await asyncio.sleep(0.001)
        other.acquire()
        threading.Timer(0.2, other.release).start()

        def bump(conn: Connection) -> int:
            cursor = sqlite_conn(conn).execute("UPDATE meta SET value = value WHERE key = 'write_gen'")
            return int(cursor.rowcount)

        assert await asyncio.wait_for(store.runner.write(bump), 90) in (0, 1)  # (< the 180 s held back)
        task = store.runner.checkpoints.task
        assert task is not None and not task.done() and not slow.is_set()  # (still under way)
    finally:
        slow.set()
        await store.close()
        other.close()
