"""One session's serialized transaction: snapshot → (evaluate) → commit.

The session row is locked when this object exists (``SELECT … FOR UPDATE`` on
PostgreSQL; the single writer on SQLite).  The snapshot and the commit each run
as one batch on the held connection; the DB transaction commits when the
``transaction()`` block exits, before the runtime answers.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, insert, update

from goalrail.engine.snapshot import Snapshot
from goalrail.engine.state import apply_update
from goalrail.policies.schema import StateUpdate
from goalrail.runtime import audit
from goalrail.runtime.ports import HISTORY_LIMIT, Commit, StaleSnapshot, UsageRecord
from goalrail.store.sql import rows
from goalrail.store.sql import tables as t
from goalrail.store.sql.runner import Held
from goalrail.store.sql.statements import (
    SESSION_FIELDS,
    USAGE_FIELDS,
    Step,
    batch,
    dumps,
    load_history_entry,
    loads,
    query,
)

USER_LOCK = 0x67720001
AUDIT_LOCK = 0x67720002


def lock_session(conn: Connection, session_id: str) -> dict[str, Any] | None:
    """The session row, locked for this transaction (``FOR UPDATE`` on PostgreSQL)."""
    found = query(conn, "lock_session", {"id": session_id})
    return session_row(found[0] if found else None)


def session_row(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    out = dict(zip(SESSION_FIELDS, row, strict=True))
    out["labels"] = loads(out["labels"]) or {}
    return out


class SqlTx:
    """Snapshot and commit on the held connection; or, optimistic (``writer`` given):
    the snapshot is a plain read and the commit one writing transaction that first
    checks the session row and the snapshot are unchanged (StaleSnapshot if not)."""

    def __init__(self, held: Held, row: dict[str, Any], writer: Held | None = None) -> None:
        self.held = held
        self.writer = writer
        self.row = row
        self._row_read = dict(row)
        self._day: str | None = None
        self._raw: Any = None
        self._state: dict[str, Any] | None = None
        self._policy_states: dict[str, dict[str, Any]] | None = None

    async def snapshot(self, *, user_day: str) -> Snapshot:
        self._day = user_day
        return await self.held.run(self._snapshot, user_day)

    async def commit(self, commit: Commit) -> None:
        if self.writer is None:
            await self.held.run(self._commit, commit)
        else:
            await self.writer.run(self._checked_commit, commit)

    def _checked_commit(self, conn: Connection, c: Commit) -> None:
        if lock_session(conn, self.row["id"]) != self._row_read:
            raise StaleSnapshot(self.row["id"])
        if self._day is not None and self._read_raw(conn, self._day) != self._raw:
            raise StaleSnapshot(self.row["id"])
        self._commit(conn, c)

    def _read_raw(self, conn: Connection, user_day: str) -> Any:
        """Every row a snapshot is built from (one round trip on PostgreSQL)."""
        owner_key = self.row["owner"] or ""
        kv, day_rows = batch(
            conn,
            [
                ("kv", {"sid": self.row["id"], "owner": owner_key}),
                ("day_cost", {"owner": owner_key, "day": user_day}),
            ],
        )
        return [tuple(r) for r in kv], [tuple(r) for r in day_rows]

    # -- run on the held connection ---------------------------------------
    def _snapshot(self, conn: Connection, user_day: str) -> Snapshot:
        self._raw = self._read_raw(conn, user_day)
        return self._from_raw(self._raw, user_day)

    def _from_raw(self, raw: Any, user_day: str) -> Snapshot:
        """The snapshot built from the session row and ``_read_raw``'s rows."""
        row, sid = self.row, self.row["id"]
        state: dict[str, Any] = {}
        policy_states: dict[str, dict[str, Any]] = {}
        user_state: dict[str, Any] = {}
        history: list[tuple[int, Any]] = []
        grants: set[str] = set()
        kv, day_rows = raw
        for kind, ns, key, value in kv:
            if kind == "s":
                state[key] = loads(value)
            elif kind == "p":
                policy_states.setdefault(ns, {})[key] = loads(value)
            elif kind == "u":
                user_state[key] = loads(value)
            elif kind == "h":
                history.append((int(key), load_history_entry(value)))
            else:
                grants.add(key)
        history.sort(key=lambda item: item[0])
        usage = usage_totals(row)
        day_cost = round(float(day_rows[0][0]), 10) if day_rows else 0.0
        self._state, self._policy_states = state, policy_states
        return Snapshot(
            session_id=sid,
            owner=row["owner"],
            agent=row["agent"],
            labels=dict(row["labels"]),
            state=_copy(state),
            policy_states=_copy(policy_states),
            user_state=user_state,
            usage=usage,
            user_daily_cost={"user_id": row["owner"], "day": user_day, "cost_usd": day_cost},
            history=[entry for _, entry in history],
            model=row["model"],
            harness=row["harness"],
            ended=row["ended"],
            grants=grants,
        )

    def _commit(self, conn: Connection, c: Commit) -> None:
        """Two batches (one round trip each on PostgreSQL): what must be read
        under a lock, then every write."""
        row, sid, owner_key = self.row, self.row["id"], self.row["owner"] or ""
        scopes: list[tuple[str, dict[str, Any], list[StateUpdate], dict[str, Any] | None]] = []
        if c.session_updates:
            scopes.append(("session_state", {"sid": sid}, c.session_updates, self._state))
        for ns, upds in c.policy_updates.items():
            known = None if self._policy_states is None else self._policy_states.get(ns, {})
            scopes.append(("policy_state", {"sid": sid, "ns": ns}, upds, known))
        if c.user_updates:
            # User state spans sessions: read it afresh under the owner's lock.
            scopes.append(("user_state", {"owner": owner_key}, c.user_updates, None))
        pg = conn.dialect.name == "postgresql"
        reads: list[Step] = []
        if (c.user_updates or c.usage is not None) and pg:
            # Every writer of the owner's rows (user state, daily cost) holds this lock.
            reads.append(("lock.user", {"a": USER_LOCK, "b": owner_key}))
        read_at: dict[int, int] = {}  # scope → its position in `reads`
        for i, (table, where, _, known) in enumerate(scopes):
            if known is None:
                read_at[i] = len(reads)
                reads.append((f"{table}.get", where))
        if c.audit is not None:
            # The chain has one writer at a time: SQLite's write lock, or this advisory lock.
            if pg:
                reads.append(("lock.audit", {"k": AUDIT_LOCK}))
            reads.append(("audit.head", None))
        results = batch(conn, reads)

        writes: list[Step] = []
        for i, (table, where, upds, known) in enumerate(scopes):
            if known is None:
                known = {k: loads(v) for k, v in results[read_at[i]]}
            writes += state_writes(table, where, upds, known)
        if c.history is not None:
            n = int(row["history_count"])
            entry = {"sid": sid, "slot": n % HISTORY_LIMIT, "n": n, "entry": dumps(c.history)}
            writes.append(("history.put", entry))
            row["history_count"] = n + 1
        if c.labels:
            row["labels"] = {**row["labels"], **c.labels}
        for name, value in (("ended", c.end_session), ("model", c.model), ("harness", c.harness)):
            if value:
                row[name] = value
        row["last_activity"] = time.time()
        if c.usage is not None:
            add_usage(row, c.usage)
            day = {"owner": owner_key, "day": c.usage.day, "cost": c.usage.cost_usd or 0.0}
            writes.append(("day_cost.add", day))
        writes.append(
            (
                "session.update",
                {
                    "id": sid,
                    "labels": dumps(row["labels"]),
                    "model": row["model"],
                    "harness": row["harness"],
                    "ended": row["ended"],
                    "last_activity": row["last_activity"],
                    "history_count": row["history_count"],
                    **{name: row[name] for name in USAGE_FIELDS},
                },
            )
        )
        if c.grants:
            writes.append(("grant.put", [{"sid": sid, "key": key} for key in dict.fromkeys(c.grants)]))
        if c.audit is not None:
            head_rows = results[-1]
            writes.append(("audit.put", sealed_audit(c.audit, head_rows[0] if head_rows else None)))
        batch(conn, writes)
        if c.usage is not None:
            conn.execute(insert(t.usage).values(rows.usage_values(sid, row["owner"], c.usage)))
        if c.approval is not None:
            conn.execute(insert(t.approvals).values(rows.approval_values(c.approval)))
        if c.resolve_approval is not None:
            done = rows.approval_values(c.resolve_approval)
            approval_id = done.pop("id")
            conn.execute(update(t.approvals).where(t.approvals.c.id == approval_id).values(done))
        self._state = self._policy_states = None  # a second commit reads afresh


def state_writes(table: str, where: dict[str, Any], updates: list[StateUpdate], known: dict[str, Any]) -> list[Step]:
    """The upserts and deletes that apply ``updates`` to the current values ``known``.

    The caller holds the lock that serializes these rows' writers, so
    read-modify-write with the reference ``apply_update`` is exact.
    """
    keys = list(dict.fromkeys(u["key"] for u in updates))
    work = {k: known[k] for k in keys if k in known}
    for upd in updates:
        apply_update(work, upd)
    present = [{**where, "key": k, "value": dumps(work[k])} for k in keys if k in work]
    gone = [{**where, "key": k} for k in keys if k not in work and k in known]
    steps: list[Step] = []
    if present:
        steps.append((f"{table}.put", present))
    if gone:
        steps.append((f"{table}.del", gone))
    return steps


def usage_totals(row: dict[str, Any]) -> dict[str, Any]:
    """The session row's running totals, shaped like ``runtime.usage.usage_totals``."""
    inp, out, unpriced = int(row["usage_input"]), int(row["usage_output"]), int(row["usage_unpriced"])
    priced = round(float(row["usage_cost"]), 10)
    return {
        "input_tokens": inp,
        "output_tokens": out,
        "total_tokens": inp + out,
        "cache_read_input_tokens": int(row["usage_cache_read"]),
        "cache_creation_input_tokens": int(row["usage_cache_write"]),
        "total_cost_usd": priced if unpriced == 0 else None,
        "unpriced_tokens": unpriced,
        "llm_calls": int(row["usage_calls"]),
        "priced_cost_usd": priced,
    }


def add_usage(row: dict[str, Any], r: UsageRecord) -> None:
    """Add one record to the locked session row's totals (as ``RunningTotals.add`` does)."""
    row["usage_calls"] = int(row["usage_calls"]) + 1
    row["usage_input"] = int(row["usage_input"]) + r.input_tokens
    row["usage_output"] = int(row["usage_output"]) + r.output_tokens
    row["usage_cache_read"] = int(row["usage_cache_read"]) + r.cache_read_tokens
    row["usage_cache_write"] = int(row["usage_cache_write"]) + r.cache_write_tokens
    if r.cost_usd is None:
        tokens = r.input_tokens + r.output_tokens + r.cache_read_tokens + r.cache_write_tokens
        row["usage_unpriced"] = int(row["usage_unpriced"]) + tokens
    else:
        row["usage_cost"] = float(row["usage_cost"]) + r.cost_usd


def sealed_audit(entry: audit.AuditEntry, head: Any) -> dict[str, Any]:
    """The audit row for ``entry`` sealed onto ``head`` (``(seq, hash)`` or None)."""
    seq, prev = (int(head[0]) + 1, str(head[1])) if head else (1, audit.GENESIS)
    payload = rows.payload_text(entry.payload)  # encoded once: stored and hashed
    row = audit.seal(entry, prev, seq, payload)
    return {
        "seq": seq,
        "at": row.at,
        "kind": row.kind,
        "session_id": row.session_id,
        "payload": payload,
        "prev_hash": prev,
        "hash": row.hash,
    }


def _copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data (cheaper than ``copy.deepcopy``)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
