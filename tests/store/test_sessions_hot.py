"""A decision's ``sessions`` update changes no indexed value (revision 0010): on PostgreSQL
it is a HOT update, writing no index entry, on the group commit's path and the row-lock
path alike; listings and the sessions cap's count read through the ``active_minute``
indexes; and a database at revision 0009 with sessions in it upgrades keeping every
value, the listing's order and the live counts."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import Any

import psycopg
import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.dialects import sqlite

from goalrail.runtime.audit import AuditEntry
from goalrail.runtime.ports import Commit, StaleSnapshot
from goalrail.store import open_store
from goalrail.store.sql import activity, migrate
from goalrail.store.sql import tables as t

NOW = time.time()
#: (id, owner, ended, created_at, last_activity): several a minute, a tie, ended ones, old ones.
OLD_SESSIONS = [
    (f"s{i:02d}", f"u{i % 3}", "ended by `p`" if i % 5 == 4 else None, NOW - 90_000 + i, NOW - 7 * i * i)
    for i in range(40)
] + [("tie", "u0", None, NOW - 50.0, NOW)]
COLUMNS = "id, owner, agent, labels, model, harness, ended, created_at, last_activity, policies_version, history_count"


async def _decide(store: Any, sid: str, n: int, *, optimistic: bool) -> None:
    commit = Commit(session_updates=[{"key": "n", "action": "increment", "value": 1}])
    commit.history = {"n": n}
    commit.audit = AuditEntry(time.time(), "decision", sid, {"n": n})
    try:
        async with store.transaction(sid, optimistic=optimistic) as tx:
            await tx.snapshot(user_day="2026-03-01")
            await tx.commit(commit)
    except StaleSnapshot:
        async with store.transaction(sid) as tx:
            await tx.snapshot(user_day="2026-03-01")
            await tx.commit(commit)


def _sessions_updates(url: str, at_least: int) -> tuple[int, int]:
    """``sessions``' updates and HOT updates, once the store's backends (closed) reported them."""
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(600):  # (a poll: the statistics reach the view a second or more later under load)
            conn.execute("SELECT pg_stat_clear_snapshot()")
            row = conn.execute(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relid = 'sessions'::regclass"
            ).fetchone()
            assert row is not None
            if row[0] >= at_least:
                return int(row[0]), int(row[1])
            time.sleep(0.1)
    raise AssertionError(f"sessions: {row[0]} updates reported, {at_least} made")


@pytest.mark.postgres
async def test_a_decisions_sessions_update_is_hot(pg_url: str) -> None:
    store = await open_store(pg_url)
    sessions = [f"hot{i}" for i in range(4)]
    try:
        for sid in sessions:
            await store.ensure_session(sid, owner="alice")
        for n in range(10):  # the group commit's batches, then the row-lock path
            await asyncio.gather(*[_decide(store, sid, n, optimistic=True) for sid in sessions])
        for n in range(10, 15):
            for sid in sessions:
                await _decide(store, sid, n, optimistic=False)
        assert [s.id for s in await store.list_sessions(owner="alice")] == sessions[::-1]
    finally:
        await store.close()
    updates, hot = _sessions_updates(pg_url, 15 * len(sessions))
    assert hot >= updates - len(sessions), (updates, hot)  # (a session may enter a new minute once)


def _plan(path: str, statement: Any) -> str:
    compiled = str(statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    with sqlite3.connect(path) as conn:
        return " ".join(str(row[-1]) for row in conn.execute("EXPLAIN QUERY PLAN " + compiled))


async def test_listings_and_the_caps_count_read_through_the_minute_indexes(sqlite_url: str) -> None:
    await (await open_store(sqlite_url)).close()
    path = sqlite_url.split(":///", 1)[1]
    count = select(func.count()).select_from(t.sessions).where(*activity.live_sessions("alice", NOW - 86_400))
    for statement, index in [
        (activity.listed_sessions(None, 100), "ix_sessions_minute"),
        (activity.listed_sessions("alice", 100), "ix_sessions_owner_minute"),
        (count, "ix_sessions_owner_minute"),
    ]:
        plan = _plan(path, statement)
        assert f"USING INDEX {index}" in plan, plan  # (in the index's order: only the rest within a minute sorted)
        assert "B-TREE FOR ORDER BY" not in plan, plan


def _at_0009(url: str) -> None:
    """A database as revisions 0001-0009 left it, with ``OLD_SESSIONS`` in it."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as conn:
            from alembic import command

            command.upgrade(migrate.alembic_config(conn), "0009")
            conn.exec_driver_sql(
                "INSERT INTO sessions (id, owner, agent, labels, created_at, last_activity, policies_version, "
                "history_count, usage_calls, usage_input, usage_output, usage_cache_read, usage_cache_write, "
                "usage_unpriced, usage_cost, ended) VALUES "
                + ", ".join(
                    f"('{i}', '{o}', NULL, '{{}}', {c!r}, {a!r}, 0, 0, 0, 0, 0, 0, 0, 0, 0.5, {_text(e)})"
                    for i, o, e, c, a in OLD_SESSIONS
                )
            )
    finally:
        engine.dispose()


def _text(value: str | None) -> str:
    return "NULL" if value is None else f"'{value.replace(chr(39), chr(39) * 2)}'"


def _stored(url: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.exec_driver_sql(f"SELECT {COLUMNS} FROM sessions ORDER BY id")]
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_a_database_at_0009_upgrades_keeping_its_sessions(backend: str, request: pytest.FixtureRequest) -> None:
    url = str(request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url"))
    _at_0009(url)
    before = _stored(url)
    store = await open_store(url)  # migrates to 0010 and on
    try:
        assert _stored(url) == before
        by_activity = sorted(OLD_SESSIONS, key=lambda s: (-s[4], s[3]))
        assert [s.id for s in await store.list_sessions(limit=1000)] == [s[0] for s in by_activity]
        assert [s.id for s in await store.list_sessions(owner="u1", limit=5)] == [
            s[0] for s in by_activity if s[1] == "u1"
        ][:5]
        for owner in ("u0", "u1", "u2"):
            for since in (NOW - 86_400, NOW - 3_000, NOW - 61, NOW - 7, NOW):
                live = [s for s in OLD_SESSIONS if s[1] == owner and s[2] is None and s[4] >= since]
                assert await store.count_sessions(owner, since) == len(live), (owner, since)
        await _decide(store, "s39", 0, optimistic=False)  # the least recently active, now the most
        assert (await store.list_sessions(limit=1))[0].id == "s39"
    finally:
        await store.close()
    with sqlite3.connect(url.split(":///", 1)[1]) if backend == "sqlite" else psycopg.connect(url) as conn:
        names = "SELECT name FROM sqlite_master WHERE tbl_name = 'sessions' AND type = 'index'"
        if backend == "postgres":
            names = "SELECT indexname FROM pg_indexes WHERE tablename = 'sessions' AND schemaname = current_schema()"
            options = conn.execute("SELECT reloptions FROM pg_class WHERE oid = 'sessions'::regclass").fetchone()
            assert options == (["fillfactor=80"],)
        found = {name for (name,) in conn.execute(names) if not name.startswith(("sqlite_autoindex", "sessions_pkey"))}
    assert found == {"ix_sessions_minute", "ix_sessions_owner_minute"}
