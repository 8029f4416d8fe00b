"""Sessions that start together are created in shared transactions
(store/sql/new_sessions.py), each exactly once with the owner, agent and labels
its first caller gave, by one store or two on one database; a row the database
refuses fails its own caller only."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import pytest

from goalrail.errors import Conflict, InvalidRequest, StoreError
from goalrail.store import open_store
from goalrail.store.sql import runner as sqlite_runner
from goalrail.store.sql import sqlite_log
from goalrail.store.sql.sqlite_store import SqliteStore
from goalrail.store.sql.store import SqlStore

pytestmark = pytest.mark.sql_only


def _raw(sqlite_url: str) -> sqlite3.Connection:
    return sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)


def _write_gen(sqlite_url: str) -> int:
    with _raw(sqlite_url) as conn:
        found = conn.execute("SELECT value FROM meta WHERE key = 'write_gen'").fetchall()
    return int(found[0][0]) if found else 0


async def _ensure(store: SqlStore, i: int, owner: str = "o") -> Any:
    return await store.ensure_session(f"s{i}", owner=f"{owner}{i % 3}", agent=f"a{i}", labels={"n": str(i)})


async def test_sessions_starting_together_share_transactions(database_url: str) -> None:
    store = await open_store(database_url)
    assert isinstance(store, SqlStore)
    try:
        gen = _write_gen(database_url) if database_url.startswith("sqlite") else 0
        infos = await asyncio.gather(*[_ensure(store, i) for i in range(32)])
        for i, info in enumerate(infos):
            assert (info.id, info.owner, info.agent, info.labels) == (f"s{i}", f"o{i % 3}", f"a{i}", {"n": str(i)})
            assert await store.get_session(f"s{i}") == info
        assert len(await store.list_sessions(limit=100)) == 32
        # All together, or the first one alone and the others asked for meanwhile together.
        if database_url.startswith("sqlite"):
            assert _write_gen(database_url) - gen <= 2  # (one write transaction each before)
        transactions = store.new_sessions.transactions
        assert transactions <= 2
        again = await asyncio.gather(*[_ensure(store, i, owner="other") for i in range(32)])
        assert again == infos  # read, not created again
        assert store.new_sessions.transactions == transactions
    finally:
        await store.close()


async def test_two_stores_creating_the_same_sessions_at_once(database_url: str) -> None:
    first, second = await open_store(database_url), await open_store(database_url)
    assert isinstance(first, SqlStore) and isinstance(second, SqlStore)
    try:
        a, b = await asyncio.gather(
            asyncio.gather(*[_ensure(first, i, owner="a") for i in range(24)]),
            asyncio.gather(*[_ensure(second, i, owner="b") for i in reversed(range(24))]),
        )
        b.reverse()
        assert a == b  # both callers of a session got the stored row, written once
        for i, info in enumerate(a):
            assert info.owner in (f"a{i % 3}", f"b{i % 3}") and info.labels == {"n": str(i)}
            assert await first.get_session(f"s{i}") == info == await second.get_session(f"s{i}")
        assert len(await first.list_sessions(limit=100)) == 24
    finally:
        await first.close()
        await second.close()


async def test_a_refused_row_fails_its_own_caller_only(database_url: str) -> None:
    store = await open_store(database_url)
    assert isinstance(store, SqlStore)
    try:
        await store.ensure_session("s-first")  # (the next ones queue while it is written)
        names = ["ok1", "ok2", "bad", "ok3", "ok4"]
        # PostgreSQL refuses NUL in text, which SQLite stores: there, a trigger refuses the row.
        if database_url.startswith("sqlite"):
            with _raw(database_url) as conn:
                conn.execute(
                    "CREATE TRIGGER refuse BEFORE INSERT ON sessions WHEN NEW.id = 'bad' "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
        found = await asyncio.gather(
            *[store.ensure_session(n, owner="o\x00" if n == "bad" else "o", labels={"v": n}) for n in names],
            return_exceptions=True,
        )
        assert isinstance(found[2], Conflict if database_url.startswith("sqlite") else InvalidRequest), found[2]
        for name, info in zip(names, found, strict=True):
            if name != "bad":
                assert not isinstance(info, BaseException), info
                assert info.labels == {"v": name} and await store.get_session(name) == info
        assert await store.get_session("bad") is None
        assert store.new_sessions.transactions == 1 + 4  # (the batch of five refused, then each alone)
    finally:
        await store.close()


async def test_another_process_sees_the_batch(sqlite_url: str) -> None:
    first, second = await open_store(sqlite_url), await open_store(sqlite_url)
    assert isinstance(first, SqliteStore) and isinstance(second, SqliteStore)
    try:
        await asyncio.gather(*[_ensure(first, i) for i in range(8)])
        with _raw(sqlite_url) as conn:
            logged = [sqlite_log.Changes.decode(k).sessions for (k,) in conn.execute("SELECT keys FROM change_log")]
        assert set().union(*logged) == {f"s{i}" for i in range(8)}
        second.cache.check()
        assert {k for k in second.cache.touched if k[0] == "s"} == {("s", f"s{i}") for i in range(8)}
        for i in range(8):
            assert await second.ensure_session(f"s{i}", owner="x") == await first.get_session(f"s{i}")
    finally:
        await first.close()
        await second.close()


async def test_a_transaction_that_fails_fails_its_batch(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_runner, "BUSY_TIMEOUT_MS", 50)
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    try:
        with _raw(sqlite_url) as other:  # a writer that takes no lock file: waited for, then given up
            other.execute("BEGIN IMMEDIATE")
            found = await asyncio.gather(*[_ensure(store, i) for i in range(6)], return_exceptions=True)
            other.execute("ROLLBACK")
        assert all(isinstance(e, StoreError) and "busy" in str(e) for e in found), found
        # (the short timeout was for the held lock; the batch after it must not fail on a loaded machine)
        monkeypatch.setattr(sqlite_runner, "BUSY_TIMEOUT_MS", 60_000)
        infos = await asyncio.gather(*[_ensure(store, i) for i in range(6)])
        assert [info.id for info in infos] == [f"s{i}" for i in range(6)]
    finally:
        await store.close()


async def test_a_cancelled_creation_is_left_out(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    try:
        tasks = [asyncio.ensure_future(store.new_sessions.create((f"s{i}", None, None, {}))) for i in range(4)]
        await asyncio.sleep(0)  # (each has asked; none is written yet)
        tasks[2].cancel()
        done = await asyncio.gather(*tasks, return_exceptions=True)
        assert isinstance(done[2], asyncio.CancelledError)
        assert [await store.get_session(f"s{i}") is not None for i in range(4)] == [True, True, False, True]
    finally:
        await store.close()
