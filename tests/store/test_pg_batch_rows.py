"""The group commit's set-based writes (store/sql/pg_batch.py: every table's rows of a
batch in one statement) store exactly the rows the row-lock path (tx.py, one statement
per row) stores for the same decisions: every column's stored text, JSON columns as
written, on every table a decision writes."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import psycopg
import pytest
from tests.store.test_contract import _approval

from goalrail.runtime.audit import AuditEntry
from goalrail.runtime.ports import Commit, StaleSnapshot, UsageRecord
from goalrail.store import open_store
from goalrail.store.sql import pg_batch, pg_wire

DAY = "2026-03-01"
SESSIONS = 6
pytestmark = pytest.mark.postgres

#: Columns whose values depend on when or where in the audit chain a row was written.
VOLATILE = {("sessions", "last_activity"), ("sessions", "created_at"), ("audit", "seq"), ("audit", "prev_hash")}
VOLATILE |= {("audit", "hash"), ("usage", "id"), ("sessions", "active_minute")}
#: How each table's rows are told to belong to one run (its prefix).
OWNED_BY = {"sessions": "id", "user_state": "owner", "usage_days": "owner"}
TABLES = ["sessions", "session_state", "policy_state", "user_state", "history", "usage", "usage_days"]
TABLES += ["grants", "approvals", "audit"]


def _setting(key: str, value: Any, scope: str) -> dict[str, Any]:
    return {"key": key, "action": "set", "value": value, "scope": scope}


def _decision(prefix: str, i: int) -> Commit:
    """Decision ``i`` of session ``i``: every kind of write a commit makes."""
    sid = f"{prefix}s{i}"
    inc = {"key": "n", "action": "increment", "value": 1}
    gone = {"key": "gone", "action": "delete"}
    c = Commit(
        session_updates=[inc, _setting(f"k{i}", {"é": [i, 0.1 + 0.2, None, True]}, "session"), gone],
        policy_updates={"server:p": [_setting("seen", [i, 'a "quoted" ✓'], "policy"), gone]},
        user_updates=[{**inc, "value": 0.1}, _setting(f"u{i}", i, "user")] + ([gone] if i == 1 else []),
    )
    c.history = {"i": i, "verdict": "ALLOW", "note": "\\u0000 is text here"}
    c.audit = AuditEntry(1000.0 + i, "decision", sid, {"i": i, "note": "é ✓"})
    cost = None if i == 2 else 0.1 * (i + 1)
    c.usage = UsageRecord("m", 10 + i, 5, i, 0, cost, None if cost is None else "test", 1000.5 + i, DAY)
    c.grants = [f"p|tool_call|{i}", f"p|tool_call|{i}"]
    c.labels = {"env": "dev", "i": str(i)}
    if i == 3:
        c.end_session = "ended by `p`: enough"
    if i % 2:
        c.approval = _approval(f"{prefix}ap{i}", sid, prefix + "owner", 10.0 + i)
    if i == 0:
        c.resolve_approval = dataclasses.replace(
            _approval(f"{prefix}held", sid, prefix + "owner", 1.0), status="approved", resolved_at=5.0
        )
    return c


async def _run(store: Any, prefix: str, optimistic: bool) -> None:
    for i in range(SESSIONS):
        sid = f"{prefix}s{i}"
        await store.ensure_session(sid, owner=prefix + "owner")
        setup = Commit(
            session_updates=[_setting("gone", 1, "session")],
            policy_updates={"server:p": [_setting("gone", 1, "policy")]},
            user_updates=[_setting("gone", 1, "user")],
        )
        if i == 0:
            setup.approval = _approval(f"{prefix}held", sid, prefix + "owner", 1.0)
        async with store.transaction(sid) as tx:
            await tx.commit(setup)

    async def decide(i: int) -> None:
        sid = f"{prefix}s{i}"
        try:
            async with store.transaction(sid, optimistic=optimistic) as tx:
                await tx.snapshot(user_day=DAY)
                await tx.commit(_decision(prefix, i))
        except StaleSnapshot:  # as the runtime does: again, holding the row lock
            async with store.transaction(sid) as tx:
                await tx.snapshot(user_day=DAY)
                await tx.commit(_decision(prefix, i))

    if optimistic:
        await asyncio.gather(*[decide(i) for i in range(SESSIONS)])
    else:
        for i in range(SESSIONS):
            await decide(i)


def _rows(url: str, prefix: str) -> dict[str, list[tuple[str | None, ...]]]:
    """Every row the run of ``prefix`` stored, each column as the database's text of it
    (JSON columns as written), the prefix replaced, sorted."""
    out = {}
    with psycopg.connect(url) as conn:
        for table in TABLES:
            names = [
                name
                for (name,) in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                    "AND table_schema = current_schema() ORDER BY ordinal_position",
                    (table,),
                )
                if (table, name) not in VOLATILE
            ]
            cols = ", ".join(f'CAST("{name}" AS text)' for name in names)
            owned = OWNED_BY.get(table, "session_id")
            found = conn.execute(f"SELECT {cols} FROM {table} WHERE {owned} LIKE %s", (prefix + "%",)).fetchall()
            out[table] = sorted(tuple(None if v is None else v.replace(prefix, "P") for v in row) for row in found)
    return out


async def test_set_based_batch_writes_store_what_per_row_writes_store(pg_url: str) -> None:
    store = await open_store(pg_url)
    try:
        await _run(store, "row-", optimistic=False)
        await _run(store, "opt-", optimistic=True)
        group = store._pg.group  # type: ignore[attr-defined]
        assert group.decisions == SESSIONS and group.batches < group.decisions  # several decisions per statement
    finally:
        await store.close()
    batched, per_row = _rows(pg_url, "opt-"), _rows(pg_url, "row-")
    assert {table: len(found) for table, found in batched.items()} == {
        "sessions": SESSIONS,
        "session_state": 2 * SESSIONS,
        "policy_state": SESSIONS,
        "user_state": 1 + SESSIONS,
        "history": SESSIONS,
        "usage": SESSIONS,
        "usage_days": 1,
        "grants": SESSIONS,
        "approvals": 1 + SESSIONS // 2,
        "audit": SESSIONS,
    }
    assert batched == per_row


async def test_a_batch_sends_five_statements_whatever_its_size(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = await open_store(pg_url)
    try:
        await _run(store, "one-", optimistic=True)  # the group commit's connection is kept from here on
        group = store._pg.group  # type: ignore[attr-defined]
        sent: list[str] = []
        trips: list[int] = []

        async def counting(driver: Any, steps: list[tuple[str, Any]]) -> list[list[Any]]:
            sent.extend(sql.split(maxsplit=1)[0] for sql, _ in steps)
            trips.append(len(steps))
            return await pg_wire.round_trip(driver, steps)

        monkeypatch.setattr(pg_batch, "round_trip", counting)
        before = group.batches
        prefix = "two-"
        for i in range(SESSIONS):
            await store.ensure_session(f"{prefix}s{i}", owner=prefix + "owner")

        async def decide(i: int) -> None:
            c = dataclasses.replace(_decision(prefix, i), resolve_approval=None)
            async with store.transaction(f"{prefix}s{i}", optimistic=True) as tx:
                await tx.snapshot(user_day=DAY)
                await tx.commit(c)

        await asyncio.gather(*[decide(i) for i in range(SESSIONS)])
        batches = group.batches - before
        # BEGIN, the locks, the reads, every table's writes, COMMIT: per batch, not per decision or table.
        assert sent == ["BEGIN", "WITH", "SELECT", "WITH", "COMMIT"] * batches
        assert trips == [3, 2] * batches  # two round trips each
        assert group.stale == 0 and batches < SESSIONS
    finally:
        await store.close()
