"""A SQLite store's new sessions (issue 13): the creation's read-back seeds the
session cache, so a first event reads nothing more of its session; a row another
writer created first is read as before (its owner and labels, its rows), and a
seeded session another writer changes afterwards is dropped as any other."""

from __future__ import annotations

import asyncio
from typing import Any

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store.sql.sqlite_store import SqliteStore

REGISTRY = Registry.load()
DAY = "2026-03-01"
CAP = PolicySpec(name="cap", handler="store_policies.max_calls", params={"limit": 100}, kind="factory")
BASH = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}


def _runtime(store: SqliteStore) -> Runtime:
    return Runtime(store, registry=REGISTRY, server_specs=[CAP])


def _count_reads(store: SqliteStore) -> list[str]:
    """The functions run on the reading connection from now on, by name."""
    names: list[str] = []
    read = store.runner.read

    async def counted(fn: Any, *args: Any) -> Any:
        names.append(fn.__name__)
        return await read(fn, *args)

    store.runner.read = counted  # type: ignore[method-assign]
    return names


async def _calls(store: SqliteStore, session_id: str) -> int:
    async with store.transaction(session_id) as tx:
        snap = await tx.snapshot(user_day=DAY)
    return int(snap.policy_states.get("server:cap", {}).get("calls", 0))


async def test_a_first_event_reads_nothing_of_its_session_after_creating_it(
    sqlite_pair: tuple[SqliteStore, SqliteStore],
) -> None:
    store, other = sqlite_pair
    rt = _runtime(store)
    await rt.evaluate("warm", BASH, owner="ann")  # (the owner and server policies are known from now on)
    reads = _count_reads(store)
    assert (await rt.evaluate("one", BASH, owner="ann")).result == "ALLOW"  # created alone
    assert reads == ["get_session"]  # (whether it exists: then nothing)
    reads.clear()
    outcomes = await asyncio.gather(*[rt.evaluate(f"s{i}", BASH, owner="ann") for i in range(8)])
    assert [o.result for o in outcomes] == ["ALLOW"] * 8
    assert reads == ["get_session"] * 8  # created together
    for _ in range(2):
        await rt.evaluate("s3", BASH)
    assert (await _calls(store, "s3"), await _calls(other, "s3"), await _calls(other, "one")) == (3, 3, 1)
    assert (await other.get_session("s3")) == (await store.get_session("s3"))


async def test_a_session_another_store_created_first_is_read_as_stored(
    sqlite_pair: tuple[SqliteStore, SqliteStore],
) -> None:
    store, other = sqlite_pair
    rt, rt_other = _runtime(store), _runtime(other)
    create = store.new_sessions.create

    async def raced(request: Any, cap: Any = None) -> Any:  # the other store creates it between the look and the insert
        await rt_other.evaluate(request[0], BASH, owner="bob", labels={"by": "other"})
        store.cache.check()  # (another task's look, before the creation: nothing cached of it to drop)
        return await create(request, cap)

    store.new_sessions.create = raced  # type: ignore[method-assign]
    outcome = await rt.evaluate("s1", BASH, owner="ann", labels={"by": "this"})
    assert outcome.result == "ALLOW"
    info = await store.ensure_session("s1")
    assert (info.owner, info.labels) == ("bob", {"by": "other"})
    assert await _calls(store, "s1") == 2  # the other store's decision, then this one's
    assert store.group.stale == 0
    store.new_sessions.create = create  # type: ignore[method-assign]
    await rt.evaluate("s1", BASH)
    assert await _calls(other, "s1") == 3


async def test_a_seeded_session_another_store_writes_is_dropped(
    sqlite_pair: tuple[SqliteStore, SqliteStore],
) -> None:
    store, other = sqlite_pair
    rt, rt_other = _runtime(store), _runtime(other)
    await store.ensure_session("s1", owner="ann")
    assert "s1" in store.cache.sessions
    await rt_other.evaluate("s1", BASH)  # another process's write after the seed
    await rt.evaluate("s1", BASH)
    assert "s1" in store.cache.sessions  # (read again, after the write)
    assert (await _calls(store, "s1"), await _calls(other, "s1")) == (2, 2)


async def test_a_session_written_before_its_seed_is_not_seeded(
    sqlite_pair: tuple[SqliteStore, SqliteStore],
) -> None:
    store, other = sqlite_pair
    rt_other = _runtime(other)
    logged = store._held_write

    async def then_written(*args: Any, **kwargs: Any) -> Any:
        made = await logged(*args, **kwargs)
        await rt_other.evaluate("s1", BASH)  # another process, once the row exists
        store.cache.check()  # (seen here: the log names the session)
        return made

    store._held_write = then_written  # type: ignore[method-assign]
    await store.ensure_session("s1", owner="ann")
    store._held_write = logged  # type: ignore[method-assign]
    assert "s1" not in store.cache.sessions
    await _runtime(store).evaluate("s1", BASH)
    assert await _calls(store, "s1") == 2


async def test_a_session_this_process_wrote_before_its_seed_is_not_seeded(
    sqlite_pair: tuple[SqliteStore, SqliteStore],
) -> None:
    store, _ = sqlite_pair
    logged = store._held_write

    async def then_written(*args: Any, **kwargs: Any) -> Any:
        made = await logged(*args, **kwargs)
        async with store.transaction("s1") as tx:  # a held transaction of this store's, once the row exists
            await tx.snapshot(user_day=DAY)
        return made

    store._held_write = then_written  # type: ignore[method-assign]
    await store.ensure_session("s1", owner="ann")
    assert "s1" not in store.cache.sessions and "s1" not in store.cache.session_policies
