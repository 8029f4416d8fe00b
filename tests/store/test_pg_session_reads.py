"""On PostgreSQL, ``get_session`` (over HTTP a new session's first event looks its
session up before and after creating it) reads the sessions asked for meanwhile in one
statement on a kept connection (pg_sessions.SessionReads), not one pooled read each,
and answers what the pooled read answers."""

from __future__ import annotations

import asyncio

import psycopg

from goalrail.store import open_store
from goalrail.store.sql import crud
from goalrail.store.sql.store import SqlStore


async def test_sessions_looked_up_together_share_a_read(pg_url: str, round_trips: list[int]) -> None:
    store = await open_store(pg_url)
    assert isinstance(store, SqlStore)
    try:
        made = await asyncio.gather(*[store.ensure_session(f"s{i}", owner=f"o{i % 3}") for i in range(32)])
        await asyncio.gather(*[store.get_session(f"s{i}") for i in range(32)])  # (connections opened)
        before = round_trips[0]
        found = await asyncio.gather(*[store.get_session(f"s{i}") for i in range(32)])
        missing = await asyncio.gather(*[store.get_session(f"new{i}") for i in range(32)])
        spent = round_trips[0] - before
        assert found == made and missing == [None] * 32
        assert spent <= 4, spent  # (on main: one pooled read each, 64)
    finally:
        await store.close()


async def test_a_session_reads_as_through_the_pool(pg_url: str) -> None:
    """Every field as ``crud.get_session`` gives it: labels, an ended session, its model and
    harness, its times to the last bit."""
    store = await open_store(pg_url)
    assert isinstance(store, SqlStore)
    try:
        await store.ensure_session("full", owner="alice", agent="coder", labels={"team": "a", "é": "ü"})
        await store.ensure_session("bare")
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(
                "UPDATE sessions SET ended = 'by user', model = 'm-1', harness = 'h', "
                "last_activity = 1234567890.123456789, created_at = 0.1 WHERE id = 'full'"
            )
        for sid in ("full", "bare", "none"):
            pooled = await store.runner.read(crud.get_session, sid)
            assert await store.get_session(sid) == pooled
        full = await store.get_session("full")
        assert full is not None and (full.ended, full.model, full.harness) == ("by user", "m-1", "h")
        assert full.labels == {"team": "a", "é": "ü"} and full.last_activity == 1234567890.123456789
    finally:
        await store.close()
