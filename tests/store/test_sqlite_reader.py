"""SQLite reads on the event loop share one connection, kept open between them
(``SqliteRunner._read_inline``): it must never hold a snapshot or a lock
between reads, and a read that fails must not leave it broken."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlalchemy import Connection

from goalrail.store import open_store
from goalrail.store.sql import crud
from goalrail.store.sql.sqlite_store import SqliteStore
from goalrail.store.sql.statements import query


def _path(sqlite_url: str) -> str:
    return sqlite_url.removeprefix("sqlite:///")


async def _version(store: SqliteStore, session_id: str) -> Any:
    return (await store.runner.read(query, "session_version", {"id": session_id}))[0][0]


async def test_reads_share_a_connection_and_see_every_commit(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    try:
        await store.ensure_session("s1")
        assert await _version(store, "s1") == 0
        await store.runner.read(crud.list_approvals, {"status": None, "session_id": "s1"})  # SQLAlchemy Core
        reader = store.runner._reader
        assert reader is not None
        with sqlite3.connect(_path(sqlite_url), isolation_level=None) as other:
            other.execute("PRAGMA busy_timeout = 0")
            other.execute("BEGIN IMMEDIATE")  # the kept connection holds no lock ...
            other.execute("UPDATE sessions SET policies_version = 7 WHERE id = 's1'")
            other.execute("COMMIT")
            # ... nor a snapshot: a truncating checkpoint waits for no reader
            assert other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
        assert await _version(store, "s1") == 7
        assert store.runner._reader is reader
    finally:
        await store.close()


def _fails(conn: Connection) -> None:
    conn.exec_driver_sql("SELECT * FROM no_such_table")


async def test_a_failed_read_leaves_the_next_one_working(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    try:
        await store.ensure_session("s1")
        with pytest.raises(Exception, match="no_such_table"):
            await store.runner.read(_fails)
        assert store.runner._reader is None  # dropped: the next read opens another
        assert await _version(store, "s1") == 0
        await store.ensure_session("s2")  # and writes go on
        assert await _version(store, "s2") == 0
    finally:
        await store.close()
