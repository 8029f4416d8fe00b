"""Held SQLite transactions begun on the event loop share one connection, kept
open between them (``SqliteRunner._begin_on_loop``): between transactions it
must hold no lock and no snapshot, and one that fails must not be reused."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import Connection

from goalrail.store import open_store
from goalrail.store.sql.sqlite_store import SqliteStore
from goalrail.store.sql.statements import query


def _path(sqlite_url: str) -> str:
    return sqlite_url.removeprefix("sqlite:///")


def _bump(conn: Connection, session_id: str) -> None:
    conn.exec_driver_sql("UPDATE sessions SET policies_version = policies_version + 1 WHERE id = ?", (session_id,))


def _bump_and_fail(conn: Connection, session_id: str) -> None:
    _bump(conn, session_id)
    raise RuntimeError("the transaction fails")


async def _version(store: SqliteStore, session_id: str) -> int:
    return int((await store.runner.read(query, "session_version", {"id": session_id}))[0][0])


async def test_held_transactions_share_a_connection_that_holds_nothing_between_them(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    try:
        await store.ensure_session("s1")
        async with store.runner.hold() as held:
            await held.run(_bump, "s1")
        writer = store.runner._loop_writer
        assert writer is not None and not writer.in_transaction()
        with sqlite3.connect(_path(sqlite_url), isolation_level=None) as other:
            other.execute("PRAGMA busy_timeout = 0")
            other.execute("BEGIN IMMEDIATE")  # the kept connection holds no write lock ...
            other.execute("UPDATE sessions SET policies_version = policies_version + 10 WHERE id = 's1'")
            other.execute("COMMIT")
            # ... nor a snapshot: a truncating checkpoint waits for no reader
            assert other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
        async with store.runner.hold() as held:
            await held.run(_bump, "s1")
        assert store.runner._loop_writer is writer
        assert await _version(store, "s1") == 12
    finally:
        await store.close()


async def test_a_failed_transaction_is_rolled_back_and_its_connection_dropped(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    try:
        await store.ensure_session("s1")
        async with store.runner.hold() as held:
            await held.run(_bump, "s1")
        writer = store.runner._loop_writer
        with pytest.raises(RuntimeError, match="fails"):
            async with store.runner.hold() as held:
                await held.run(_bump_and_fail, "s1")
        assert store.runner._loop_writer is None
        assert writer is not None and writer.closed
        assert await _version(store, "s1") == 1
        async with store.runner.hold() as held:  # a new connection, and writes go on
            await held.run(_bump, "s1")
        assert store.runner._loop_writer not in (None, writer)
        assert await _version(store, "s1") == 2
    finally:
        await store.close()


async def test_a_busy_database_leaves_no_connection_behind(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    try:
        await store.ensure_session("s1")
        with sqlite3.connect(_path(sqlite_url), isolation_level=None) as other:
            other.execute("BEGIN IMMEDIATE")
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                store.runner._begin_on_loop()
            other.execute("ROLLBACK")
        assert store.runner._loop_writer is None
        async with store.runner.hold() as held:
            await held.run(_bump, "s1")
        assert await _version(store, "s1") == 1
    finally:
        await store.close()
