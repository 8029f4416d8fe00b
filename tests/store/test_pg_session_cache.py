"""PostgreSQL's optimistic reads (store/sql/pg_reads.py): a replica keeps each
session's rows by the session row's version and reads them again only when
another writer changed them; approvals go out in the group commit's pipeline."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import psycopg
import pytest
from tests.store.test_contract import _approval

from goalrail.engine.snapshot import Snapshot
from goalrail.runtime.audit import AuditEntry
from goalrail.runtime.ports import Commit, UsageRecord
from goalrail.store import open_store
from goalrail.store.sql.changes import SessionRows
from goalrail.store.sql.pg_reads import SessionCache, read_decision

DAY = "2026-03-01"
pytestmark = pytest.mark.postgres


def _updates(i: int) -> list[dict[str, Any]]:
    """Every kind of update, values of every JSON kind (the text written must read back the same)."""
    return [
        {"key": "n", "action": "increment", "value": 1},
        {"key": "f", "action": "increment", "value": 0.1},
        {"key": "box", "action": "set", "value": {"i": i, "é": ["✓", None, True, 1.5e-7], "1": {}}},
        {"key": "log", "action": "append", "value": {"i": i}, "max_len": 3},
        {"key": f"k{i % 4}", "action": "set", "value": i},
        {"key": f"k{(i + 2) % 4}", "action": "delete"},
    ]


def _commit(sid: str, i: int) -> Commit:
    c = Commit(session_updates=_updates(i)[:2], policy_updates={"server:p": _updates(i), "goalrail.provenance": []})
    c.policy_updates["goalrail.provenance"] = [{"key": f"r{i}", "action": "set", "value": {"text": "x" * i}}]
    if i % 5 == 4:  # every key of a namespace deleted: a read shows no namespace at all
        c.policy_updates["server:q"] = [{"key": "gone", "action": "delete"}]
    else:
        c.policy_updates["server:q"] = [{"key": "gone", "action": "set", "value": i}]
    c.history = {"verdict": "ALLOW", "i": i}
    c.grants = [f"p|tool_call|{i % 3}"]
    c.audit = AuditEntry(1.0 + i, "decision", sid, {"i": i})
    return c


def _seen(s: Snapshot) -> dict[str, Any]:
    return {f.name: getattr(s, f.name) for f in dataclasses.fields(s)}


async def _snapshot(store: Any, sid: str, optimistic: bool) -> Snapshot:
    async with store.transaction(sid, optimistic=optimistic) as tx:
        snap: Snapshot = await tx.snapshot(user_day=DAY)
    return snap


async def test_a_session_read_from_the_cache_is_the_session_read_afresh(pg_url: str) -> None:
    store = await open_store(pg_url)
    try:
        await store.ensure_session("s1", owner="alice")
        for i in range(60):  # more entries than the history ring holds
            async with store.transaction("s1", optimistic=True) as tx:
                await tx.snapshot(user_day=DAY)
                await tx.commit(_commit("s1", i))
            cached = await _snapshot(store, "s1", optimistic=True)
            assert _seen(cached) == _seen(await _snapshot(store, "s1", optimistic=False))  # the row-lock path reads all
            assert "server:q" in cached.policy_states or i % 5 == 4
        cache: SessionCache = store._pg.group.cache  # type: ignore[attr-defined]
        assert cache.hits >= 100  # both reads after each commit brought no session rows
        assert cached.policy_states["server:p"]["n"] == 60 and len(cached.history) == 50
    finally:
        await store.close()


async def test_replicas_read_each_others_writes(pg_url: str) -> None:
    one, two = await open_store(pg_url), await open_store(pg_url)
    try:
        await one.ensure_session("s1")
        inc = {"key": "n", "action": "increment", "value": 1}
        for i in range(12):
            # A replica's cached rows are trusted only while the session row is at their version:
            # each replica in turn (and the row-lock path) writes, the next one must see it.
            store, optimistic = [(one, True), (two, True), (one, False)][i % 3]
            async with store.transaction("s1", optimistic=optimistic) as tx:
                snap = await tx.snapshot(user_day=DAY)
                assert snap.policy_states.get("server:p", {}).get("n", 0) == i
                assert snap.state.get("n", 0) == i
                await tx.commit(Commit(session_updates=[inc], policy_updates={"server:p": [inc]}))
        assert (await _snapshot(two, "s1", optimistic=True)).policy_states["server:p"] == {"n": 12}
    finally:
        await one.close()
        await two.close()


async def test_an_old_cache_entry_is_not_trusted(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SessionCache, "MAX_AGE_S", 0.0)
    store = await open_store(pg_url)
    try:
        await store.ensure_session("s1")
        for _ in range(3):
            await _snapshot(store, "s1", optimistic=True)
        assert store._pg.group.cache.hits == 0  # type: ignore[attr-defined]
    finally:
        await store.close()


async def test_approvals_of_the_group_commit_are_stored_as_the_row_lock_path_stores_them(pg_url: str) -> None:
    store = await open_store(pg_url)
    try:
        await store.ensure_session("s1", owner="alice")
        undecided = dataclasses.replace(_approval("ap-2", "s1", None, 2.5), decision=None, reason=None, target=None)
        async with store.transaction("s1") as tx:
            await tx.commit(Commit(approval=_approval("ap-1", "s1", "alice", 1.25)))
        async with store.transaction("s1") as tx:
            await tx.commit(Commit(approval=dataclasses.replace(undecided, id="ap-3")))
        for approval in (dataclasses.replace(_approval("ap-1", "s1", "alice", 1.25), id="ap-4"), undecided):
            async with store.transaction("s1", optimistic=True) as tx:
                await tx.snapshot(user_day=DAY)
                await tx.commit(Commit(approval=approval))
        pending = await store.list_approvals(status="pending", session_id="s1")
        assert [a.id for a in pending] == ["ap-1", "ap-4", "ap-2", "ap-3"]
        assert dataclasses.replace(pending[1], id="ap-1") == pending[0]
        assert dataclasses.replace(pending[2], id="ap-3") == pending[3]
        async with store.transaction("s1", optimistic=True) as tx:  # the evaluation's own listing
            assert await tx.list_approvals(status="pending", session_id="s1") == pending
            assert await tx.list_approvals(status="approved", session_id="s1") == []
        url, _, options = pg_url.partition("?")
        schema = options.rpartition("%3D")[2]
        with psycopg.connect(url, options=f"-csearch_path={schema}") as conn:
            stored = conn.execute(
                "SELECT id, decision IS NULL, CAST(decision AS text), CAST(held AS text), CAST(policies AS text), "
                "CAST(grant_keys AS text), reason IS NULL, target IS NULL, created_at FROM approvals ORDER BY id"
            ).fetchall()
        assert [stored[0][1:], stored[2][1:]] == [stored[3][1:], stored[1][1:]]  # ap-1 = ap-4, ap-3 = ap-2
    finally:
        await store.close()


async def test_decision_reads_keep_connections_but_leave_the_pool_two(pg_url: str) -> None:
    store = await open_store(pg_url + "&pool_size=4&max_overflow=4")  # a read pool of 4
    try:
        await store.ensure_session("s1")
        reader = store._pg.reader  # type: ignore[attr-defined]
        reads, decisions = reader.reads, reader.decisions
        await asyncio.gather(*[store.ensure_session("s1") for _ in range(20)])
        assert reader.reads - reads < 20 and reader.decisions - decisions == 20  # made at once: shared statements
        await asyncio.gather(*[reader.fetch("SELECT pg_sleep(0.05)", {}) for _ in range(6)])
        assert len(reader._idle) == 2  # kept for the next reads, two of the pool left to other reads
        await asyncio.gather(*[store.get_session("s1") for _ in range(4)])  # other reads still run at once
        with pytest.raises(psycopg.errors.UndefinedTable):
            await reader.fetch("SELECT * FROM nowhere", {})
        assert len(reader._idle) == 1  # a connection whose read failed is not kept
        kept = [driver for _, driver in reader._idle]
        assert (await store.ensure_session("s1")).id == "s1"
    finally:
        await store.close()
    assert all(driver.closed for driver in kept)


async def test_an_ask_looks_up_approved_approvals_only_when_the_read_saw_one(pg_url: str) -> None:
    store = await open_store(pg_url)
    try:
        await store.ensure_session("s1")
        async with store.transaction("s1") as tx:
            await tx.commit(Commit(approval=_approval("ap-1", "s1", None, 1.0)))
        reader = store._pg.reader  # type: ignore[attr-defined]
        async with store.transaction("s1", optimistic=True) as tx:
            await tx.snapshot(user_day=DAY)
            reads = reader.reads
            assert await tx.list_approvals(status="approved", session_id="s1") == []
            assert await tx.approved_approvals("s1", "d" * 64) == []
            assert reader.reads == reads  # the snapshot's read said there is none: no second read
        async with store.transaction("s1") as tx:  # the user approves it
            approved = dataclasses.replace(_approval("ap-1", "s1", None, 1.0), status="approved")
            await tx.commit(Commit(resolve_approval=approved))
        async with store.transaction("s1", optimistic=True) as tx:
            await tx.snapshot(user_day=DAY)
            assert [a.id for a in await tx.list_approvals(status="approved", session_id="s1")] == ["ap-1"]
            assert [a.id for a in await tx.approved_approvals("s1", "d" * 64)] == ["ap-1"]
            assert await tx.list_approvals(status="pending", session_id="s1") == []
    finally:
        await store.close()


async def test_decision_reads_made_in_one_statement_are_each_sessions_own(pg_url: str) -> None:
    store = await open_store(pg_url)
    try:
        for sid, owner in (("s1", "alice"), ("s2", "bob"), ("s3", "alice")):
            await store.ensure_session(sid, owner=owner)
        for sid, n in (("s1", 1), ("s2", 2)):
            async with store.transaction(sid) as tx:
                await tx.snapshot(user_day=DAY)
                c = Commit(session_updates=[{"key": "n", "action": "set", "value": n}])
                c.user_updates = [{"key": "who", "action": "set", "value": sid}]
                c.usage = UsageRecord("m", 1, 1, 0, 0, 0.5 * n, "test", 1.0, DAY)
                c.grants, c.history = [f"g|{sid}"], {"verdict": "ALLOW", "sid": sid}
                await tx.commit(c)
        reader = store._pg.reader  # type: ignore[attr-defined]
        asked = [("s1", DAY), ("s2", DAY), ("nope", DAY), ("s3", "2026-03-02"), ("s1", "2026-03-02"), ("s2", DAY)]
        reads = reader.reads
        together = await asyncio.gather(*[read_decision(reader, sid, day, True) for sid, day in asked])
        assert reader.reads == reads + 1  # one statement for all six
        reader.cache.entries.clear()
        for (sid, day), found in zip(asked, together, strict=True):
            alone = await read_decision(reader, sid, day, True)
            assert (found.session_id, found.row, found.day_cost) == (sid, alone.row, alone.day_cost)
            assert (found.approved, found.server_version) == (alone.approved, alone.server_version)
            assert [getattr(found.rows, n) for n in SessionRows.__slots__] == [
                getattr(alone.rows, n) for n in SessionRows.__slots__
            ]
        s1, s2, nope, s3 = together[:4]
        assert s1.rows.state == {"n": 1} and s2.rows.state == {"n": 2} and not nope.row and s3.rows.state == {}
        assert s1.rows.user_state == s3.rows.user_state == {"who": "s1"} and s2.rows.user_state == {"who": "s2"}
        assert (s1.day_cost, s2.day_cost, s3.day_cost, together[4].day_cost) == (0.5, 1.0, None, None)
        assert s1.rows.grants == {"g|s1"} and s2.rows.grants == {"g|s2"} and s3.rows.grants == set()
        assert [h["sid"] for h in s2.rows.history] == ["s2"] and s3.rows.history == []
    finally:
        await store.close()


async def test_closing_waits_for_the_decision_reads_in_flight(pg_url: str) -> None:
    store = await open_store(pg_url)
    await store.ensure_session("s1")
    reader = store._pg.reader  # type: ignore[attr-defined]
    reads = [asyncio.create_task(read_decision(reader, "s1", DAY)) for _ in range(3)]
    await asyncio.sleep(0)  # queued, their statement sent
    await store.close()
    assert all(r.done() for r in reads) and {(await r).row["id"] for r in reads} == {"s1"}
    assert not reader._idle
