"""Opening stores: URLs, defaults, migrations, persistence and error translation."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from goalrail.errors import ConfigError, StoreError
from goalrail.runtime.ports import Commit
from goalrail.store import open_store
from goalrail.store.memory import MemoryStore
from goalrail.store.sql import SqlStore, migrate
from goalrail.store.sql.engine import normalize_url
from goalrail.store.sql.runner import SqliteRunner
from goalrail.store.sql.tables import metadata


def test_urls_are_normalized() -> None:
    assert normalize_url("postgresql://u@h:5432/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("sqlite+aiosqlite:////tmp/x.db").database == "/tmp/x.db"
    assert normalize_url("sqlite:///~/x.db").database == str(Path("~/x.db").expanduser())
    for bad in ("mysql://u@h/db", "sqlite://", "sqlite:///:memory:", "not a url"):
        with pytest.raises(ConfigError):
            normalize_url(bad)


def test_pool_options_come_from_the_url() -> None:
    from goalrail.store.sql.engine import _pool_options

    url, size, overflow = _pool_options(normalize_url("postgresql://h/db?pool_size=3&max_overflow=1&sslmode=x"))
    assert (size, overflow, dict(url.query)) == (3, 1, {"sslmode": "x"})
    with pytest.raises(ConfigError):
        _pool_options(normalize_url("postgresql://h/db?pool_size=many"))


async def test_memory_url_gives_a_memory_store() -> None:
    store = await open_store("memory://")
    assert isinstance(store, MemoryStore)
    await store.close()


async def test_default_is_a_sqlite_file_in_goalrail_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOALRAIL_HOME", str(tmp_path / "home"))
    store = await open_store(None)
    try:
        assert isinstance(store, SqlStore)
        await store.ensure_session("s1")
    finally:
        await store.close()
    assert (tmp_path / "home" / "goalrail.db").is_file()


def _schema_diff(conn: Connection) -> list[Any]:
    return list(compare_metadata(MigrationContext.configure(conn), metadata))


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_migrations_build_exactly_the_declared_schema(backend: str, request: pytest.FixtureRequest) -> None:
    url = str(request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url"))
    store = await open_store(url)
    assert isinstance(store, SqlStore)
    try:
        assert await migrate.current_revision(store.runner) == migrate.head_revision() is not None
        assert await store.runner.read(_schema_diff) == []
        await store.ensure_session("kept", labels={"a": "1"})
        async with store.transaction("kept") as tx:
            await tx.commit(Commit(session_updates=[{"key": "n", "action": "set", "value": 5}]))
    finally:
        await store.close()
    again = await open_store(url)  # opening again is a no-op migration and keeps the data
    try:
        async with again.transaction("kept") as tx:
            assert (await tx.snapshot(user_day="2026-01-01")).state == {"n": 5}
    finally:
        await again.close()


@pytest.mark.postgres
async def test_replicas_starting_together_migrate_once(pg_url: str) -> None:
    stores = await asyncio.gather(*(open_store(pg_url) for _ in range(4)))
    try:
        await stores[0].ensure_session("x")
        found = await asyncio.gather(*(s.get_session("x") for s in stores))
        assert [f.id if f else None for f in found] == ["x"] * 4
        assert await migrate.current_revision(stores[3].runner) == migrate.head_revision()
    finally:
        await asyncio.gather(*(s.close() for s in stores))


async def test_unreachable_postgres_is_a_store_error() -> None:
    with pytest.raises(StoreError) as info:
        await open_store("postgresql://nobody:secret@127.0.0.1:1/none?connect_timeout=2")
    assert "secret" not in str(info.value) and info.value.code == "store_error"


async def test_unwritable_sqlite_path_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises((StoreError, OSError)):
        await open_store(f"sqlite:///{blocker}/sub/goalrail.db")


async def test_driver_failures_during_use_are_store_errors(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)
    try:
        await store.ensure_session("s1")
        path = sqlite_url.split(":///", 1)[1]
        import sqlite3

        with sqlite3.connect(path) as conn:
            conn.execute("DROP TABLE session_state")
        with pytest.raises(StoreError) as info:
            async with store.transaction("s1") as tx:
                await tx.snapshot(user_day="2026-01-01")
        assert "session_state" not in info.value.message
    finally:
        await store.close()


async def test_sqlite_waits_for_another_writer_off_the_event_loop(sqlite_url: str) -> None:
    import sqlite3

    store = await open_store(sqlite_url)
    try:
        await store.ensure_session("s1")
        other = sqlite3.connect(sqlite_url.split(":///", 1)[1], isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        async def release() -> None:
            await asyncio.sleep(0.4)  # (the write below is waiting by now, or will be: the lock is held)
            start = ticks
            while ticks < start + 10:  # the loop runs while the write waits: a blocked loop never lets go
                await asyncio.sleep(0.01)
            other.execute("COMMIT")

        tick, rel = asyncio.create_task(ticker()), asyncio.create_task(release())
        assert (await store.get_session("s1")) is not None  # readers never wait in WAL mode
        async with store.transaction("s1") as tx:
            await tx.commit(Commit(session_updates=[{"key": "n", "action": "increment"}]))
        # it waited for the other writer to let go, which it did only after ten more turns of the
        # loop (was: >= 0.3 s of wall clock from a moment a loaded machine could reach late)
        assert rel.done()
        tick.cancel()
        await rel
        other.close()
        async with store.transaction("s1") as tx:
            assert (await tx.snapshot(user_day="2026-01-01")).state == {"n": 1}
    finally:
        await store.close()


async def test_sqlite_cancelled_wait_for_the_writer_does_not_keep_the_lock(sqlite_url: str) -> None:
    import sqlite3

    store = await open_store(sqlite_url)
    try:
        await store.ensure_session("s1")
        other = sqlite3.connect(sqlite_url.split(":///", 1)[1], isolation_level=None)
        other.execute("BEGIN IMMEDIATE")

        async def write() -> None:
            async with store.transaction("s1") as tx:
                await tx.commit(Commit(session_updates=[{"key": "n", "action": "increment"}]))

        waiting = asyncio.create_task(write())
        await asyncio.sleep(0.2)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        other.execute("COMMIT")
        await asyncio.sleep(0.1)  # the worker gets the lock now and must let go of it
        other.execute("BEGIN IMMEDIATE")  # would fail with "database is locked" otherwise
        other.execute("COMMIT")
        other.close()
        await asyncio.wait_for(write(), timeout=15)
        async with store.transaction("s1") as tx:
            assert (await tx.snapshot(user_day="2026-01-01")).state == {"n": 1}
    finally:
        await store.close()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_usage_token_columns_hold_64_bit_counts_after_upgrading_from_0001(
    backend: str, request: pytest.FixtureRequest
) -> None:
    """0002 widens the PostgreSQL token columns (32-bit in 0001) and keeps the rows."""
    from alembic import command
    from sqlalchemy import text

    url = str(request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url"))
    store = await open_store(url)
    assert isinstance(store, SqlStore)

    def back_to_0001(conn: Connection) -> None:
        command.downgrade(migrate.alembic_config(conn), "0001")
        conn.execute(
            text(
                "INSERT INTO usage (session_id, owner, model, input_tokens, output_tokens, cache_read_tokens, "
                "cache_write_tokens, at, day) VALUES ('old', '', 'm', 7, 0, 0, 0, 1.0, '2026-01-01')"
            )
        )

    try:
        if isinstance(store.runner, SqliteRunner):
            store.runner.counting = False  # as while migrating: the change log goes away
        await store.runner.write(back_to_0001)
        assert await migrate.current_revision(store.runner) == "0001"
    finally:
        await store.close()
    store = await open_store(url)
    assert isinstance(store, SqlStore)
    try:
        assert await migrate.current_revision(store.runner) == migrate.head_revision()
        big = 3 * 2**31
        await store.runner.write(
            lambda conn: conn.execute(
                text(
                    "INSERT INTO usage (session_id, owner, model, input_tokens, output_tokens, cache_read_tokens, "
                    "cache_write_tokens, at, day) VALUES ('new', '', 'm', :n, :n, :n, :n, 2.0, '2026-01-01')"
                ),
                {"n": big},
            )
        )
        rows = await store.runner.read(
            lambda conn: conn.execute(text("SELECT session_id, input_tokens FROM usage ORDER BY at")).all()
        )
        assert [tuple(r) for r in rows] == [("old", 7), ("new", big)]
    finally:
        await store.close()
