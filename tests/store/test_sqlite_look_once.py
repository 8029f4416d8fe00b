"""A SQLite store looks for other writers' commits once per turn of the event
loop (``Cache.current``), yet each decision sees every commit made before its
request was read."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.sql.sqlite_store import SqliteStore

REGISTRY = Registry.load()
CAP = PolicySpec(name="cap", handler="store_policies.max_calls", params={"limit": 10_000}, kind="factory")


def tool_call(i: int) -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": f"echo {i}"}}}


async def test_one_look_per_turn_of_the_loop_sees_what_committed_before(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    try:
        await Runtime(store, registry=REGISTRY, server_specs=[CAP]).evaluate("x", tool_call(0))
        await asyncio.sleep(0)
        store.cache.current()
        epoch = store.cache.epoch
        with sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None) as conn:
            conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'write_gen'")  # a writer keeping no log
        store.cache.current()  # the same turn of the loop: this was committed after its look
        assert store.cache.epoch == epoch and "x" in store.cache.sessions
        await asyncio.sleep(0)
        store.cache.current()  # the next turn: it looks, and drops everything
        assert store.cache.epoch == epoch + 1 and not store.cache.sessions
    finally:
        await store.close()
