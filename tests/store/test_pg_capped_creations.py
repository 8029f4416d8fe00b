"""On PostgreSQL, sessions created under their owners' caps (every non-admin's first event
over HTTP) share a transaction like the uncapped ones (store/sql/pg_capped.py): the
owners' advisory locks in one order, then the count, each cap counted in the batch's
order as if the creations ran one at a time, and the cap exact across two replicas."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest

from goalrail.errors import Conflict, StoreError
from goalrail.runtime.quota import SessionCap
from goalrail.store import open_store
from goalrail.store.sql.store import SqlStore


async def _open(pg_url: str) -> SqlStore:
    store = await open_store(pg_url)
    assert isinstance(store, SqlStore)
    return store


@pytest.fixture
async def pg_pair(pg_url: str) -> AsyncIterator[tuple[SqlStore, SqlStore]]:
    """Two stores on one database, as two replicas would open it."""
    first, second = await _open(pg_url), await _open(pg_url)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


def _sql(pg_url: str, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else []


def _transactions(pg_url: str, ids: list[str]) -> int:
    """The transactions that wrote the rows of ``ids`` as they stand (each its ``xmin``)."""
    return len(_sql(pg_url, "SELECT DISTINCT xmin::text FROM sessions WHERE id = ANY(%s)", ids))


async def test_capped_sessions_starting_together_share_a_transaction(pg_url: str, round_trips: list[int]) -> None:
    store = await _open(pg_url)
    try:
        since = time.time() - 60
        caps = {o: SessionCap(o, 1000, since) for o in ("alice", "bob", "carol", "dave")}
        ids = [f"s{i}" for i in range(32)]
        owners = [("alice", "bob", "carol", "dave")[i % 4] for i in range(32)]
        warm = SessionCap("eve", 1000, since)  # (the connections opened first: not counted)
        await asyncio.gather(*[store.ensure_session(f"w{i}", owner="eve", cap=warm) for i in range(32)])
        before = round_trips[0]
        infos = await asyncio.gather(
            *[store.ensure_session(sid, owner=o, cap=caps[o]) for sid, o in zip(ids, owners, strict=True)]
        )
        spent = round_trips[0] - before
        assert [(i.id, i.owner) for i in infos] == list(zip(ids, owners, strict=True))
        # All together, or the first alone and the others together (on main: one each)
        assert _transactions(pg_url, ids) <= 2
        # Two read-aheads (each batched), two round trips per creating transaction (on main: 251)
        assert spent <= 8, spent
        for o in caps:
            assert await store.count_sessions(o, since) == 8
    finally:
        await store.close()


async def test_caps_counted_in_the_batch_order(pg_url: str) -> None:
    """Exactly the limit per owner, the batch's own new rows counted (an admin's uncapped one
    included), an existing session never refused, and a refusal reaching its caller only."""
    store = await _open(pg_url)
    try:
        since = time.time() - 60
        alice, bob = SessionCap("alice", 4, since), SessionCap("bob", 2, since)
        await store.ensure_session("old", owner="alice", cap=alice)
        calls = [store.ensure_session("old", owner="alice", cap=alice)]  # existing: never refused
        calls.append(store.ensure_session("by-admin", owner="alice"))  # uncapped, yet counted for alice
        for i in range(6):
            calls += [store.ensure_session(f"a{i}", owner="alice", cap=alice)]
            if i < 5:
                calls += [store.ensure_session(f"b{i}", owner="bob", cap=bob)]
        done = await asyncio.gather(*calls, return_exceptions=True)
        made = [d.id for d in done if not isinstance(d, BaseException)]
        refused = [d for d in done if isinstance(d, BaseException)]
        assert all(isinstance(d, Conflict) for d in refused), refused
        assert made == ["old", "by-admin", "a0", "b0", "a1", "b1"]  # (in the order asked for)
        assert len(refused) == 4 + 3
        assert await store.count_sessions("alice", since) == 4 and await store.count_sessions("bob", since) == 2
        for sid in ("a2", "a5", "b2", "b4"):
            assert await store.get_session(sid) is None
        assert _transactions(pg_url, made[1:]) <= 2  # (on main: one per capped creation)
    finally:
        await store.close()


async def test_each_cap_counts_at_its_own_active_since(pg_url: str) -> None:
    """Caps of one owner with different windows in one batch: each counts the sessions
    active since its own ``active_since``, as it would alone."""
    store = await _open(pg_url)
    try:
        now = time.time()
        await store.ensure_session("old1", owner="alice")
        await store.ensure_session("old2", owner="alice")
        _sql(pg_url, "UPDATE sessions SET last_activity = %s WHERE id = 'old1'", now - 100)
        _sql(pg_url, "UPDATE sessions SET last_activity = %s WHERE id = 'old2'", now - 10)
        windows = {"x1": now - 50, "x2": now - 200, "x3": now - 5, "x4": now - 5}
        done = await asyncio.gather(
            *[store.ensure_session(s, owner="alice", cap=SessionCap("alice", 2, at)) for s, at in windows.items()],
            return_exceptions=True,
        )
        # x1 counts old2 (1 < 2); x2 counts old1, old2 and x1 (3); x3 counts x1 only (1);
        # x4 counts x1 and x3 (2).
        assert [not isinstance(d, BaseException) for d in done] == [True, False, True, False], done
        assert isinstance(done[1], Conflict) and "already has 3 live sessions" in str(done[1])
        assert isinstance(done[3], Conflict) and "already has 2 live sessions" in str(done[3])
        assert _transactions(pg_url, ["x1", "x3"]) == 1  # (on main: two)
    finally:
        await store.close()


async def test_the_cap_is_exact_across_two_replicas(pg_url: str, pg_pair: tuple[SqlStore, SqlStore]) -> None:
    """Two replicas creating at once for the same owners, in opposite orders: the owners'
    locks are taken in one order (no deadlock), each cap exact, each replica's creations
    batched."""
    first, second = pg_pair
    since = time.time() - 60
    limits = {"alice": 5, "bob": 3, "carol": 7}
    owners = [("alice", "bob", "carol")[i % 3] for i in range(48)]

    def calls(store: SqlStore, tag: str, order: list[int]) -> Any:
        return asyncio.gather(
            *[
                store.ensure_session(f"{tag}{i}", owner=owners[i], cap=SessionCap(owners[i], limits[owners[i]], since))
                for i in order
            ],
            return_exceptions=True,
        )

    a, b = await asyncio.gather(calls(first, "a", list(range(48))), calls(second, "b", list(reversed(range(48)))))
    for d in [*a, *b]:
        assert not isinstance(d, BaseException) or isinstance(d, Conflict), repr(d)
    for owner, limit in limits.items():
        assert await first.count_sessions(owner, since) == limit
    made = [d.id for d in [*a, *b] if not isinstance(d, BaseException)]
    assert len(made) == sum(limits.values())
    assert _transactions(pg_url, made) <= 4  # (on main: one per creation)


async def test_a_refused_row_in_a_capped_batch_fails_its_own_caller_only(pg_url: str) -> None:
    store = await _open(pg_url)
    try:
        since = time.time() - 60
        cap = SessionCap("o", 3, since)
        await store.ensure_session("s-first", owner="o", cap=cap)  # (the next ones queue while it is written)
        names = ["ok1", "bad", "ok2", "ok3"]
        found = await asyncio.gather(
            *[store.ensure_session(n, owner="o", agent="x" * 300 if n == "bad" else None, cap=cap) for n in names],
            return_exceptions=True,
        )
        assert isinstance(found[1], StoreError) and not isinstance(found[1], Conflict), found[1]  # (too long)
        assert [getattr(f, "id", None) for f in found] == ["ok1", None, "ok2", None]
        assert isinstance(found[3], Conflict)  # (the refused row is not counted)
        assert await store.get_session("bad") is None
        assert await store.count_sessions("o", since) == 3
    finally:
        await store.close()
