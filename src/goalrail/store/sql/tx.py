"""One session's serialized transaction: snapshot → (evaluate) → commit.

The session row is locked when this object exists (``SELECT … FOR UPDATE`` on
PostgreSQL; the single writer on SQLite).  The snapshot and the commit each run
as one batch on the held connection; the DB transaction commits when the
``transaction()`` block exits, before the runtime answers.  Reads a caller needs
inside the transaction (approvals) are methods here, so they run on the held
connection explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

from goalrail.engine.snapshot import Snapshot
from goalrail.engine.state import detached, snapshot_states, updatable
from goalrail.jsontypes import JsonObject, JsonValue
from goalrail.policies.schema import StateUpdate
from goalrail.runtime.ports import ApprovalRecord, Commit
from goalrail.store.sql import crud
from goalrail.store.sql.changes import (
    SessionRows,
    record_steps,
    row_usage_totals,
    row_writes,
    sealed_audit,
    state_writes,
)
from goalrail.store.sql.rows import SessionRow
from goalrail.store.sql.runner import Held
from goalrail.store.sql.statements import Step, batch, loads

USER_LOCK = 0x67720001
AUDIT_LOCK = 0x67720002

#: A state table a commit changes: (table, the rows' key columns, its updates, the values
#: the snapshot read, or None to read them under the lock).
Scope = tuple[str, dict[str, str], Sequence[StateUpdate], JsonObject | None]
#: What a snapshot is built from: the ``kv`` rows (kind, namespace, key, JSON text) and the
#: ``day_cost`` rows.
Raw = tuple[list[tuple[str, str, str, str | None]], list[tuple[float]]]


class SqlTx:
    """Snapshot and commit on the held connection."""

    def __init__(self, held: Held, row: SessionRow) -> None:
        self.held = held
        self.row = row
        self._row_read = dict(row)
        self._day: str | None = None
        self._raw: Any = None  # what the snapshot was built from (a ``Raw``; ``PgTx`` reads it)
        self._state: JsonObject | None = None
        self._policy_states: dict[str, JsonObject] | None = None
        self.owner_written = False  # a commit changed the owner's state or cost of the day

    async def snapshot(self, *, user_day: str) -> Snapshot:
        self._day = user_day
        return await self.held.run(self._snapshot, user_day)

    async def commit(self, commit: Commit) -> None:
        await self.held.run(self._commit, commit)

    async def get_approval(self, approval_id: str) -> ApprovalRecord | None:
        return await self.held.run(crud.get_approval, approval_id)

    async def list_approvals(self, *, status: str | None = None, session_id: str | None = None) -> list[ApprovalRecord]:
        return await self.held.run(crud.list_approvals, {"status": status, "session_id": session_id})

    async def approved_approvals(self, session_id: str, digest: str) -> list[ApprovalRecord]:
        return await self.held.run(crud.approved_approvals, session_id, digest)

    async def waiting_approvals(self, session_id: str, now: float, limit: int) -> int:
        return await self.held.run(crud.waiting_approvals, session_id, now, limit)

    async def answerable_approvals(self, session_id: str, digest: str, now: float) -> list[ApprovalRecord]:
        return await self.held.run(crud.answerable_approvals, session_id, digest, now)

    # -- run on the held connection ---------------------------------------
    def _snapshot(self, conn: Connection, user_day: str) -> Snapshot:
        self._raw = self._read_raw(conn, user_day)
        return self._from_raw(self._raw, user_day)

    def _read_raw(self, conn: Connection, user_day: str) -> Raw:
        """Every row a snapshot is built from (one round trip on PostgreSQL).

        On PostgreSQL the owner's lock is taken first and held until the transaction
        ends: the owner's state and cost of the day this evaluation sees stay as they
        are until it commits (every writer of them holds that lock), so a budget
        shared by the owner's sessions stays exact on this path too."""
        owner_key = self.row["owner"] or ""
        steps: list[Step] = []
        if conn.dialect.name == "postgresql":
            steps.append(("lock.user", {"a": USER_LOCK, "b": owner_key}))
        steps += [
            ("kv", {"sid": self.row["id"], "owner": owner_key}),
            ("day_cost", {"owner": owner_key, "day": user_day}),
        ]
        kv, day_rows = batch(conn, steps)[-2:]
        return [tuple(r) for r in kv], [tuple(r) for r in day_rows]

    def _from_raw(self, raw: Raw, user_day: str) -> Snapshot:
        """The snapshot built from the session row and ``_read_raw``'s rows."""
        kv, day_rows = raw
        found = SessionRows(kv)
        self._state, self._policy_states = found.state, found.policy_states
        day_cost = round(float(day_rows[0][0]), 10) if day_rows else 0.0
        return build_snapshot(self.row, found, found.user_state, user_day, day_cost)

    def _commit(self, conn: Connection, c: Commit) -> None:
        """Two batches (one round trip each on PostgreSQL): what must be read
        under a lock, then every write."""
        scopes = self._scopes(c)
        self.owner_written = self.owner_written or bool(c.user_updates) or c.usage is not None
        reads, read_at = self._reads(conn, scopes, c)
        results = batch(conn, reads)
        writes: list[Step] = []
        for i, (table, where, upds, known) in enumerate(scopes):
            if known is None:
                known = {k: loads(v) for k, v in results[read_at[i]]}
            writes += state_writes(table, where, upds, known)
        writes += row_writes(self.row, c)
        if c.audit is not None:
            head_rows = results[-1]
            writes.append(("audit.put", sealed_audit(c.audit, tuple(head_rows[0]) if head_rows else None)))
        writes += record_steps(self.row, c)
        batch(conn, writes)
        self._state = self._policy_states = None  # a second commit reads afresh

    def _scopes(self, c: Commit) -> list[Scope]:
        """Each state table ``c`` changes, with its values when the snapshot has them."""
        sid = self.row["id"]
        scopes: list[Scope] = []
        if c.session_updates:
            scopes.append(("session_state", {"sid": sid}, c.session_updates, self._state))
        for ns, upds in c.policy_updates.items():
            known = None if self._policy_states is None else updatable(self._policy_states, ns, kept=False)
            scopes.append(("policy_state", {"sid": sid, "ns": ns}, upds, known))
        if c.user_updates:
            # User state spans sessions: read it afresh under the owner's lock.
            scopes.append(("user_state", {"owner": self.row["owner"] or ""}, c.user_updates, None))
        return scopes

    def _reads(self, conn: Connection, scopes: list[Scope], c: Commit) -> tuple[list[Step], dict[int, int]]:
        """The locks and reads the writes depend on; ``read_at``: scope → its read."""
        pg = conn.dialect.name == "postgresql"
        reads: list[Step] = []
        if (c.user_updates or c.usage is not None) and pg:
            # Every writer of the owner's rows (user state, daily cost) holds this lock.
            reads.append(("lock.user", {"a": USER_LOCK, "b": self.row["owner"] or ""}))
        read_at: dict[int, int] = {}
        for i, (table, where, _, known) in enumerate(scopes):
            if known is None:
                read_at[i] = len(reads)
                reads.append((f"{table}.get", where))
        if c.audit is not None:
            # The chain has one writer at a time: SQLite's write lock, or this advisory lock.
            if pg:
                reads.append(("lock.audit", {"k": AUDIT_LOCK}))
            reads.append(("audit.head", None))
        return reads, read_at


def build_snapshot(
    row: SessionRow,
    found: SessionRows,
    user_state: Mapping[str, JsonValue],
    user_day: str,
    day_cost: float,
    usage: JsonObject | None = None,
) -> Snapshot:
    """A snapshot sharing no mutable state value with ``found`` and ``user_state``
    (the SQL stores cache them: ``engine.state.detached``; the runtime's own
    namespaces are shared, ``engine.state.snapshot_states``).  History entries are
    shared: they are ``engine.state.ReadOnlyEntry`` values, and commits append entries,
    never change one.  As the memory store's, the labels, the grants and the usage
    totals (``usage``: ``row_usage_totals(row)`` when None) are shared: a commit replaces
    the row's labels dict and ``found.grants``, never changes them, and the totals are
    rebuilt after a usage record."""
    # Positional, in the fields' order (keywords cost a name match each, on every decision).
    return Snapshot(
        row["id"],  # session_id
        row["owner"],
        row["agent"],
        row["labels"],
        detached(found.state) if found.state else {},  # state
        snapshot_states(found.policy_states),
        detached(user_state) if user_state else {},  # user_state
        usage if usage is not None else row_usage_totals(row),
        {"user_id": row["owner"], "day": user_day, "cost_usd": day_cost},  # user_daily_cost
        list(found.history),
        row["model"],
        row["harness"],
        row["ended"],
        found.grants,
    )
