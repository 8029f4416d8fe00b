"""On PostgreSQL an ASK's count of its session's approvals waiting (``waiting_approvals``,
asked between the optimistic snapshot and the commit) is read with the counts asked for
meanwhile in one statement on a kept connection of the decision reads
(``pg_reads.Reader.waiting``), not one pooled SQLAlchemy read each; and counts exactly what
``crud.waiting_approvals`` counts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from typing import Any

import psycopg
import pytest
from sqlalchemy import event

from goalrail.store import open_store
from goalrail.store.sql import crud
from goalrail.store.sql.store import SqlStore

SESSIONS = 32


@pytest.fixture
def checkouts(pg_store: SqlStore) -> Iterator[list[int]]:
    """Connections checked out of the store's SQLAlchemy pools (a pooled read or transaction;
    ``statements.query`` runs on the driver's cursor, which no statement event sees)."""
    count = [0]

    def checkout(*args: Any) -> None:
        count[0] += 1

    pools = {id(e): e.sync_engine.pool for e in (pg_store.runner.engine, pg_store.runner.read_engine)}.values()
    for pool in pools:
        event.listen(pool, "checkout", checkout)
    yield count
    for pool in pools:
        event.remove(pool, "checkout", checkout)


@pytest.fixture
async def pg_store(pg_url: str) -> AsyncIterator[SqlStore]:
    store = await open_store(pg_url)
    assert isinstance(store, SqlStore)
    try:
        yield store
    finally:
        await store.close()


def _approvals(pg_url: str, now: float) -> None:
    """Session s<i> holds i pending unexpired approvals, one expired, one approved (s0: none)."""
    rows = []
    for i in range(SESSIONS):
        for k in range(i):
            rows.append((f"a{i}-{k}", f"s{i}", "pending", now + 600))
        rows += [(f"x{i}", f"s{i}", "pending", now - 1), (f"y{i}", f"s{i}", "approved", now + 600)]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.cursor().executemany(
            "INSERT INTO approvals (id, session_id, status, expires_at, created_at, event_type, digest, "
            "preview, policies, held, grant_keys) VALUES (%s, %s, %s, %s, 0, 'tool_call', 'd', '', '[]', '[]', '[]')",
            rows,
        )


async def _counts(store: SqlStore, limits: list[int], now: float) -> list[int]:
    async with AsyncExitStack() as stack:
        txs = [await stack.enter_async_context(store.transaction(f"s{i}", optimistic=True)) for i in range(SESSIONS)]
        return list(await asyncio.gather(*[tx.waiting_approvals(f"s{i}", now, limits[i]) for i, tx in enumerate(txs)]))


async def test_counts_asked_together_share_one_statement(
    pg_store: SqlStore, pg_url: str, round_trips: list[int], checkouts: list[int]
) -> None:
    now = time.time()
    await asyncio.gather(*[pg_store.ensure_session(f"s{i}", owner="alice") for i in range(SESSIONS)])
    _approvals(pg_url, now)
    await _counts(pg_store, [100] * SESSIONS, now)  # (connections opened)
    before, pooled = round_trips[0], checkouts[0]
    counted = await _counts(pg_store, [100] * SESSIONS, now)
    spent, pooled = round_trips[0] - before, checkouts[0] - pooled
    assert counted == list(range(SESSIONS))
    assert pooled == 0, pooled  # (on main: one pooled read each, 32)
    assert spent <= 4, spent  # (on main: 64)


async def test_each_count_as_the_pooled_read_counts_it(pg_store: SqlStore, pg_url: str) -> None:
    """Each session at its own limit and time: expired, approved and other sessions'
    approvals never counted; the limit caps the count."""
    now = time.time()
    await asyncio.gather(*[pg_store.ensure_session(f"s{i}", owner="alice") for i in range(SESSIONS)])
    _approvals(pg_url, now)
    limits = [(i * 7) % 13 for i in range(SESSIONS)]
    counted = await _counts(pg_store, limits, now)
    pooled = [await pg_store.runner.read(crud.waiting_approvals, f"s{i}", now, limits[i]) for i in range(SESSIONS)]
    assert counted == pooled == [min(i, limits[i]) for i in range(SESSIONS)]
    assert await _counts(pg_store, [100] * SESSIONS, now + 601) == [0] * SESSIONS  # every one expired by then
