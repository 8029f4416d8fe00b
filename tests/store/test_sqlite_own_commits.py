"""SQLite's group commit after the store's own batches (issue 13): while no other connection
commits, neither the next decision's look for other writers nor the next batch reads the
change log, and the batch seals onto the audit head it left without reading it.  Once
another store on the file commits, both are read again, and the chain and the cache stay
exact."""

from __future__ import annotations

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime import audit
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.sql.sqlite_store import SqliteStore

MAX = PolicySpec(name="max", handler="store_policies.max_calls", params={"limit": 4}, kind="factory")
LS = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}


def traced(store: SqliteStore) -> list[str]:
    """The statements SQLite runs on the store's writing connection from now on."""
    seen: list[str] = []
    store.runner.loop_conn().set_trace_callback(seen.append)
    return seen


def log_reads(statements: list[str]) -> list[str]:
    return [s for s in statements if "FROM change_log" in s]


def head_reads(statements: list[str]) -> list[str]:
    return [s for s in statements if "FROM audit ORDER BY seq DESC" in s]


async def test_own_batches_read_neither_the_log_nor_the_head(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    try:
        rt = Runtime(store, registry=Registry.load(), server_specs=[MAX])
        for sid in ("s1", "s2", "s3"):
            await rt.evaluate(sid, LS, owner="alice")
        statements = traced(store)
        for sid in ("s1", "s2", "s1", "s2", "s3"):
            assert (await rt.evaluate(sid, LS, owner="alice")).result == "ALLOW"
        assert any("INSERT INTO audit" in s for s in statements)  # (the trace sees the batches)
        assert log_reads(statements) == [] and head_reads(statements) == []
        assert audit.verify(await store.audit_entries())["ok"] is True
    finally:
        await store.close()


async def test_another_store_s_commit_is_read(sqlite_pair: tuple[SqliteStore, SqliteStore]) -> None:
    first, second = sqlite_pair
    one = Runtime(first, registry=Registry.load(), server_specs=[MAX])
    two = Runtime(second, registry=Registry.load(), server_specs=[MAX])
    for _ in range(3):
        assert (await one.evaluate("s1", LS, owner="alice")).result == "ALLOW"
    statements = traced(first)
    # the other store: the session's fourth call, and the chain moves on
    assert (await two.evaluate("s1", LS, owner="alice")).result == "ALLOW"
    assert (await one.evaluate("s1", LS, owner="alice")).result == "DENY"  # its count seen
    assert log_reads(statements) != [] and head_reads(statements) != []
    for i in range(6):  # turns, each store on the chain the other left
        await (one if i % 2 else two).evaluate("s1", LS, owner="alice")
    entries = await first.audit_entries()
    assert len(entries) == 11 and audit.verify(entries)["ok"] is True
