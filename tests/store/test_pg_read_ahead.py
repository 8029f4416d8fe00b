"""PostgreSQL's read-ahead (store/sql/pg_tx.py): ``ensure_session`` reads the session, its
chain's policy versions and its snapshot in one statement for the calls of the decision that
follows at once; what that decision does not use is not kept for later calls of the task."""

from __future__ import annotations

import asyncio
import time

import pytest

from goalrail.engine.spec import PolicySpec
from goalrail.runtime.ports import Commit
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store

pytestmark = pytest.mark.postgres

SPEC = PolicySpec(name="cap", handler="store_policies.max_calls", params={"limit": 10})


async def _elsewhere(coro: object) -> object:
    """``coro`` in a task of its own (as another request would run)."""
    return await asyncio.ensure_future(coro)  # type: ignore[arg-type]


async def test_a_read_ahead_left_unused_does_not_answer_later_reads_of_the_task(pg_url: str) -> None:
    store = await open_store(pg_url)
    try:
        await store.ensure_session("s1")  # reads ahead for a decision that does not follow
        await _elsewhere(store.add_session_policy("s1", SPEC))
        await _elsewhere(store.add_server_policy(SPEC))
        version, specs = await store.session_policies("s1")
        assert (version, [s.name for s in specs]) == (1, ["cap"])
        _, stored = await store.server_policies()
        assert [s.name for s in stored] == ["cap"]
    finally:
        await store.close()


async def test_the_decision_that_follows_reads_nothing_more(pg_url: str) -> None:
    store = await open_store(pg_url)
    try:
        await store.ensure_session("s1")
        await store.add_session_policy("s1", SPEC)
        await store.session_policies("s1")  # the versions are cached
        await store.server_policies()
        reader = store._pg.reader  # type: ignore[attr-defined]
        reads = reader.reads
        await store.ensure_session("s1")
        assert (await store.session_policies("s1"))[0] == 1
        await store.server_policies()
        async with store.transaction("s1", optimistic=True) as tx:
            await tx.snapshot(user_day=time.strftime("%Y-%m-%d", time.gmtime()))  # (the day read ahead)
            await tx.commit(Commit(session_updates=[{"key": "n", "action": "set", "value": 1}]))
        assert reader.reads == reads + 1  # the read-ahead's one statement answered every read
    finally:
        await store.close()


async def test_a_decision_of_the_runtime_is_one_read(pg_url: str) -> None:
    store = await open_store(pg_url)
    try:
        runtime = Runtime(store)
        event = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}
        for _ in range(3):  # the session exists, its chain is compiled
            await runtime.evaluate("s1", event, owner="u")
        reader = store._pg.reader  # type: ignore[attr-defined]
        reads = reader.reads
        for _ in range(10):
            assert (await runtime.evaluate("s1", event, owner="u")).result == "ALLOW"
        assert reader.reads - reads == 10
    finally:
        await store.close()
