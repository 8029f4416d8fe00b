"""A SQLite decision on a session and owner the store's cache holds reads them without a
coroutine of the store's own (``_Grouped.__aenter__``: the cached entry; ``GroupedTx.snapshot``:
``SqliteStore.owner_known``); only what the cache lacks is awaited (``entry``, ``owner_view``)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.sql.sqlite_store import SqliteStore

REGISTRY = Registry.load()
CAP = PolicySpec(name="cap", handler="store_policies.max_calls", params={"limit": 10_000}, kind="factory")


def tool_call(i: int) -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": f"echo {i}"}}}


def counted(store: SqliteStore, calls: Counter[str]) -> None:
    """Count the awaited reads ``entry`` and ``owner_view`` of ``store``."""
    for name in ("entry", "owner_view"):
        inner: Callable[..., Awaitable[Any]] = getattr(store, name)

        async def read(*args: Any, _inner: Callable[..., Awaitable[Any]] = inner, _name: str = name) -> Any:
            calls[_name] += 1
            return await _inner(*args)

        setattr(store, name, read)


async def _decisions(sqlite_url: str, sessions: int, rounds: int) -> tuple[Counter[str], Counter[str], list[str]]:
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    first: Counter[str] = Counter()
    later: Counter[str] = Counter()
    results: list[str] = []
    try:
        rt = Runtime(store, registry=REGISTRY, server_specs=[CAP])
        counted(store, first)
        for s in range(sessions):
            results.append((await rt.evaluate(f"s{s}", tool_call(0), owner="alice")).decision.result)
        await asyncio.sleep(0)
        counted(store, later)
        for r in range(1, rounds):
            outcomes = await asyncio.gather(
                *(rt.evaluate(f"s{s}", tool_call(r), owner="alice") for s in range(sessions))
            )
            results.extend(o.decision.result for o in outcomes)
    finally:
        await store.close()
    return first, later, results


@pytest.mark.parametrize("sessions", [1, 4])
async def test_cached_sessions_and_owner_are_read_without_the_stores_coroutines(sqlite_url: str, sessions: int) -> None:
    first, later, results = await _decisions(sqlite_url, sessions, rounds=6)
    assert results == ["ALLOW"] * sessions * 6
    assert later["entry"] == 0, later
    assert later["owner_view"] == 0, later
    assert first  # (counted at all: the first decisions of new sessions)


async def test_control_a_session_the_cache_dropped_is_read_again(sqlite_url: str) -> None:
    """Control: a session the cache no longer holds is loaded by ``entry`` as before."""
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    calls: Counter[str] = Counter()
    try:
        rt = Runtime(store, registry=REGISTRY, server_specs=[CAP])
        await rt.evaluate("s", tool_call(0), owner="alice")
        await asyncio.sleep(0)
        counted(store, calls)
        store.cache.sessions.clear()
        store.cache.owners.known.clear()
        outcome = await rt.evaluate("s", tool_call(1), owner="alice")
        assert outcome.decision.result == "ALLOW"
        assert calls["entry"] == 1 and calls["owner_view"] >= 1, calls
    finally:
        await store.close()
