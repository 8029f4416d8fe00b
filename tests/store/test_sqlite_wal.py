"""The SQLite WAL starts again from its beginning under steady writes
(``SqliteRunner._checkpoint_wal``).  SQLite restarts it only when a writer
begins after a checkpoint that copied every frame; a checkpoint that ran while
another writer kept committing never did, so under steady writes the WAL grew
for as long as they went on (hundreds of megabytes a minute)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import struct
import threading

import pytest

from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.sql.runner import SqliteRunner
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
    monkeypatch.setattr(SqliteRunner, "CHECKPOINT_EVERY", 1)
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
        assert store.runner._checkpoint is not None
        await store.runner._checkpoint
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
    monkeypatch.setattr(SqliteRunner, "CHECKPOINT_EVERY", 64)
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
    # 3,200 decisions: 15-17 MB of WAL when it never restarts, ~6 MB (64 group commits) when it does.
    assert max(sizes) < 10 * 1024 * 1024, [size // 1024 for size in sizes]
