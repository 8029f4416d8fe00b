"""The SQLite change log (store/sql/sqlite_log.py): two stores on one file (as
two processes) drop only what the other one changed, a decision is stale only
when its own session changed under it, and anything the log cannot tell drops
everything."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import pytest

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.policies.schema import StateUpdate
from goalrail.runtime.ports import Commit, StaleSnapshot
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.sql import sqlite_log
from goalrail.store.sql.sqlite_store import SqliteStore

REGISTRY = Registry.load()
DAY = "2026-03-01"
CAP = PolicySpec(name="cap", handler="store_policies.max_calls", params={"limit": 100}, kind="factory")


def tool_call(i: int) -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": f"echo {i}"}}}


def raw(sqlite_url: str, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None) as conn:
        return conn.execute(sql).fetchall()


async def calls(store: SqliteStore, session_id: str) -> int:
    async with store.transaction(session_id) as tx:
        snap = await tx.snapshot(user_day=DAY)
    return int(snap.policy_states.get("server:cap", {}).get("calls", 0))


@pytest.fixture
def stores(sqlite_pair: tuple[SqliteStore, SqliteStore]) -> tuple[SqliteStore, SqliteStore]:
    return sqlite_pair


async def test_another_writers_decision_drops_only_its_session(stores: tuple[SqliteStore, SqliteStore]) -> None:
    first, second = stores
    rt1, rt2 = (Runtime(s, registry=REGISTRY, server_specs=[CAP]) for s in stores)
    for sid in ("x", "y"):
        await rt1.evaluate(sid, tool_call(0), owner="ann")
    epoch = first.cache.epoch
    await rt2.evaluate("x", tool_call(1), owner="ann")
    first.cache.check()
    assert "x" not in first.cache.sessions and "y" in first.cache.sessions
    assert first.cache.epoch == epoch and first.cache.server_policies is not None
    await rt1.evaluate("x", tool_call(2), owner="ann")
    await rt1.evaluate("y", tool_call(2), owner="ann")
    assert (await calls(first, "x"), await calls(first, "y")) == (3, 2)
    assert first.group.stale == second.group.stale == 0


async def test_two_writers_on_different_sessions_never_go_stale(stores: tuple[SqliteStore, SqliteStore]) -> None:
    rts = [Runtime(s, registry=REGISTRY, server_specs=[CAP]) for s in stores]

    async def session(k: int) -> None:
        for i in range(8):
            await rts[k % 2].evaluate(f"s{k}", tool_call(i), owner="ann")  # one owner: a single-user server

    await asyncio.gather(*[session(k) for k in range(12)])
    assert [s.group.stale for s in stores] == [0, 0]
    assert sum(s.group.decisions for s in stores) == 96
    assert [await calls(stores[0], f"s{k}") for k in range(12)] == [8] * 12


async def test_a_commit_on_a_session_another_writer_changed_meanwhile_is_stale(
    stores: tuple[SqliteStore, SqliteStore],
) -> None:
    first, second = stores
    rt2 = Runtime(second, registry=REGISTRY, server_specs=[CAP])
    for sid in ("x", "y"):
        await first.ensure_session(sid)
    update: list[StateUpdate] = [{"key": "n", "action": "increment", "value": 1}]
    async with first.transaction("x", optimistic=True) as tx_x, first.transaction("y", optimistic=True) as tx_y:
        await tx_x.snapshot(user_day=DAY)
        await tx_y.snapshot(user_day=DAY)
        await rt2.evaluate("x", tool_call(0))  # commits on x after x's snapshot, before its commit
        with pytest.raises(StaleSnapshot):
            await tx_x.commit(Commit(session_updates=list(update)))
        await tx_y.commit(Commit(session_updates=list(update)))
    assert first.group.stale == 1
    async with first.transaction("y") as tx:
        assert (await tx.snapshot(user_day=DAY)).state == {"n": 1}
    async with first.transaction("x") as tx:
        snap = await tx.snapshot(user_day=DAY)
    assert snap.state == {} and snap.policy_states["server:cap"] == {"calls": 1}


async def test_policy_changes_drop_policy_lists_only(stores: tuple[SqliteStore, SqliteStore]) -> None:
    first, second = stores
    rt1 = Runtime(first, registry=REGISTRY, server_specs=[CAP])
    await rt1.evaluate("x", tool_call(0))
    assert first.cache.server_policies is not None and "x" in first.cache.session_policies
    await second.add_server_policy(PolicySpec(name="p", handler="store_policies.user_counter", kind="factory"))
    first.cache.check()
    assert first.cache.server_policies is None and "x" in first.cache.sessions
    await second.add_session_policy("x", PolicySpec(name="q", handler="store_policies.user_counter", kind="factory"))
    first.cache.check()
    assert "x" not in first.cache.session_policies and "x" not in first.cache.sessions
    assert len((await first.session_policies("x"))[1]) == 1


@pytest.mark.parametrize(
    "behind_its_back",
    [
        "UPDATE meta SET value = value + 1 WHERE key = 'write_gen'",  # a writer keeping no log
        "DELETE FROM change_log",  # the log trimmed past what the store saw
        "UPDATE change_log SET keys = 'not json'",  # a row it cannot read
    ],
)
async def test_what_the_log_cannot_tell_drops_everything(
    stores: tuple[SqliteStore, SqliteStore], sqlite_url: str, behind_its_back: str
) -> None:
    first = stores[0]
    rt1, rt2 = (Runtime(s, registry=REGISTRY, server_specs=[CAP]) for s in stores)
    await rt1.evaluate("y", tool_call(0))
    await rt2.evaluate("x", tool_call(0))
    raw(sqlite_url, behind_its_back)
    epoch = first.cache.epoch
    first.cache.check()
    assert first.cache.epoch == epoch + 1 and not first.cache.sessions
    await rt1.evaluate("y", tool_call(1))  # and it goes on
    first.cache.check()
    assert first.cache.epoch == epoch + 1 and "y" in first.cache.sessions


async def test_the_log_stays_bounded(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_log, "KEEP", 8)
    monkeypatch.setattr(sqlite_log, "TRIM_EVERY", 4)
    store = await open_store(sqlite_url)
    try:
        rt = Runtime(store, registry=REGISTRY, server_specs=[CAP])
        for i in range(40):
            await rt.evaluate("x", tool_call(i))
    finally:
        await store.close()
    [(count, newest)] = raw(sqlite_url, "SELECT count(*), max(seq) FROM change_log")
    assert 8 <= count <= 12
    assert raw(sqlite_url, "SELECT value FROM meta WHERE key = 'write_gen'") == [(newest,)]


def _log_owners(sqlite_url: str) -> list[set[str]]:
    """The owners each change-log row names, oldest first."""
    return [sqlite_log.Changes.decode(k).owners for (k,) in raw(sqlite_url, "SELECT keys FROM change_log ORDER BY seq")]


async def test_a_decision_holding_the_writer_names_its_owner_only_when_it_wrote_the_owners_rows(
    stores: tuple[SqliteStore, SqliteStore], sqlite_url: str
) -> None:
    """A decision evaluated again (holding the writer throughout) that changed neither the
    owner's state nor the cost of the day leaves the other store's view of the owner as it
    was; one that did changes it there, and the other store's next snapshot shows it."""
    first, second = stores
    await first.ensure_session("a", owner="ann")
    await second.ensure_session("b", owner="ann")
    assert await first.owner_view("ann", DAY) == ({}, None)  # (known to the first store now)
    owner = first.cache.owners.known["ann"]

    async with second.transaction("b") as tx:  # session state only
        await tx.snapshot(user_day=DAY)
        await tx.commit(Commit(session_updates=[StateUpdate(key="k", action="set", value=1, scope="session")]))
    assert _log_owners(sqlite_url)[-1] == set()
    first.cache.check()
    assert first.cache.owners.known["ann"] is owner and owner.user == {}  # still known: nothing to read again

    async with second.transaction("b") as tx:  # the owner's state
        await tx.snapshot(user_day=DAY)
        await tx.commit(Commit(user_updates=[StateUpdate(key="u", action="increment", value=2, scope="user")]))
    assert _log_owners(sqlite_url)[-1] == {"ann"}
    first.cache.check()
    assert owner.user is None  # forgotten: read again
    assert await first.owner_view("ann", DAY) == ({"u": 2}, None)
