"""SQLite's group commit: decisions of many sessions share a transaction, each
session's decisions stay in order and exact, a slow policy holds no lock other
sessions need, and another process's writes are noticed."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace
from typing import Any

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime import audit
from goalrail.runtime.ports import ApprovalRecord, Commit, UsageRecord
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.sql.sqlite_store import SqliteStore

REGISTRY = Registry.load()
DAY = "2026-03-01"


def tool_call(i: int) -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": f"echo {i}"}}}


def spec(handler: str, **params: Any) -> PolicySpec:
    return PolicySpec(name=handler.rsplit(".", 1)[-1], handler=handler, params=params, kind="factory")


async def calls(store: Any, session_id: str, namespace: str) -> int:
    async with store.transaction(session_id) as tx:
        snap = await tx.snapshot(user_day=DAY)
    return int(snap.policy_states.get(namespace, {}).get("calls", 0))


async def test_concurrent_sessions_are_grouped_ordered_and_exact(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    try:
        rt = Runtime(store, registry=REGISTRY, server_specs=[spec("store_policies.max_calls", limit=7)])
        sessions = [f"s{i}" for i in range(20)]
        results = await asyncio.gather(*[rt.evaluate(s, tool_call(n)) for n in range(10) for s in sessions])
        assert sum(r.result == "ALLOW" for r in results) == 20 * 7
        for s in sessions:
            assert await calls(store, s, "server:max_calls") == 7
            entries = await store.audit_entries(session_id=s)
            # per-session order: the first seven decisions of the session are its ALLOWs
            verdicts = [e["payload"]["result"] for e in entries if e["kind"] == "decision"]
            assert verdicts == ["ALLOW"] * 7 + ["DENY"] * 3
        assert audit.verify(await store.audit_entries())["ok"] is True
        assert store.group.decisions == 200
        assert store.group.batches < 100  # grouped: far fewer transactions than decisions
    finally:
        await store.close()


async def test_a_slow_policy_in_one_session_does_not_stall_another(sqlite_url: str) -> None:
    """A's policy waits until B's runs too (each round of two calls meets): holding one lock
    across A's policy would leave it alone, DENY.  (Was: both sleep 1 s and the pair must take
    under 1.8 s of wall clock, which a loaded machine can exceed.)"""
    store = await open_store(sqlite_url)
    try:
        meet = replace(spec("store_policies.meet_counter", group=sqlite_url), timeout_ms=120_000)
        rt = Runtime(store, registry=REGISTRY, server_specs=[meet])
        for i in range(2):  # (the first round makes the sessions)
            pair = await asyncio.gather(rt.evaluate("a", tool_call(i)), rt.evaluate("b", tool_call(i)))
            assert [d.result for d in pair] == ["ALLOW", "ALLOW"], pair
        assert await calls(store, "a", "server:meet_counter") == 2
        assert await calls(store, "b", "server:meet_counter") == 2
    finally:
        await store.close()


async def test_the_cache_notices_another_writer(sqlite_url: str) -> None:
    """Two stores on one file (as two processes): each sees the other's counts."""
    first, second = await open_store(sqlite_url), await open_store(sqlite_url)
    try:
        specs = [spec("store_policies.max_calls", limit=5)]
        rt1 = Runtime(first, registry=REGISTRY, server_specs=specs)
        rt2 = Runtime(second, registry=REGISTRY, server_specs=specs)
        out = []
        for i in range(4):  # alternate: each decision must see the other store's last commit
            out.append(await rt1.evaluate("shared", tool_call(i)))
            out.append(await rt2.evaluate("shared", tool_call(i)))
        assert [o.result for o in out] == ["ALLOW"] * 5 + ["DENY"] * 3
        assert await calls(first, "shared", "server:max_calls") == 5
        assert audit.verify(await first.audit_entries())["ok"] is True
    finally:
        await first.close()
        await second.close()


async def test_stale_group_commits_are_evaluated_again(sqlite_url: str) -> None:
    """Concurrent decisions from two stores on one session: exact all the same."""
    first, second = await open_store(sqlite_url), await open_store(sqlite_url)
    try:
        specs = [spec("store_policies.max_calls", limit=30)]
        rt1 = Runtime(first, registry=REGISTRY, server_specs=specs)
        rt2 = Runtime(second, registry=REGISTRY, server_specs=specs)
        await rt1.evaluate("shared", tool_call(0))
        results = await asyncio.gather(*[rt.evaluate("shared", tool_call(i)) for i in range(25) for rt in (rt1, rt2)])
        assert sum(r.result == "ALLOW" for r in results) == 29
        assert await calls(second, "shared", "server:max_calls") == 30
        assert audit.verify(await first.audit_entries())["ok"] is True
    finally:
        await first.close()
        await second.close()


def _raw_rows(sqlite_url: str, table: str, key: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every column of ``table`` with its SQLite type, keyed by ``key``'s value."""
    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        names = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        cols = ", ".join(f"{n}, typeof({n})" for n in names if n not in ("id", "session_id"))
        out: dict[str, list[tuple[Any, ...]]] = {}
        for row in conn.execute(f"SELECT {key}, {cols} FROM {table} ORDER BY rowid"):
            out.setdefault(row[0], []).append(tuple(row[1:]))
    return out


def _approval(approval_id: str, session_id: str, **changes: Any) -> ApprovalRecord:
    record = ApprovalRecord(
        id=approval_id,
        session_id=session_id,
        status="pending",
        digest="d" * 64,
        event_type="tool_call",
        target="Bash",
        preview="rm -rf /tmp/x",
        reason=None,
        policies=["server:ask", "server:other"],
        held={"session": [{"op": "set", "key": "k", "value": 5.0}]},
        created_at=1.5,
        expires_at=301.5,
        owner=None,
    )
    return replace(record, **changes)


async def test_group_commit_writes_usage_and_approval_rows_as_the_held_path_does(sqlite_url: str) -> None:
    """The group commit's fixed statements store the same values, with the same
    SQLite types, as the SQLAlchemy Core inserts and updates of a held transaction."""
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    usage = UsageRecord("m", 1, 2, 3, 4, cost_usd=None, price_source=None, at=2.0, day=DAY)
    resolved = {"status": "approved", "resolved_at": 9.0, "resolved_by": "bob", "scope": "session"}
    resolution = {**resolved, "grant_keys": ["g1"], "decision": {"result": "ALLOW", "n": 1.0}}
    try:
        for sid, optimistic in (("held", False), ("grouped", True)):
            await store.ensure_session(sid)
            async with store.transaction(sid, optimistic=optimistic) as tx:
                await tx.commit(Commit(usage=usage, approval=_approval(f"{sid}-1", sid)))
            async with store.transaction(sid, optimistic=optimistic) as tx:
                approval = _approval(f"{sid}-2", sid, owner="alice", target=None, reason="why")
                await tx.commit(Commit(approval=approval, resolve_approval=_approval(f"{sid}-1", sid, **resolution)))
        assert store.group.decisions == 2
    finally:
        await store.close()
    approvals = _raw_rows(sqlite_url, "approvals", "session_id")
    assert len(approvals["grouped"]) == 2
    assert approvals["grouped"] == approvals["held"]
    usages = _raw_rows(sqlite_url, "usage", "session_id")
    assert len(usages["grouped"]) == 1
    assert usages["grouped"] == usages["held"]
