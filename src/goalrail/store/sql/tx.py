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
from goalrail.runtime.ports import Commit
from goalrail.store.memory import HISTORY_LIMIT
from goalrail.store.sql import rows
from goalrail.store.sql import tables as t
from goalrail.store.sql.runner import Held
from goalrail.store.sql.statements import (
    SESSION_FIELDS,
    dumps,
    execute_many,
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
    def __init__(self, held: Held, row: dict[str, Any]) -> None:
        self.held = held
        self.row = row
        self._state: dict[str, Any] | None = None
        self._policy_states: dict[str, dict[str, Any]] | None = None

    async def snapshot(self, *, user_day: str) -> Snapshot:
        return await self.held.run(self._snapshot, user_day)

    async def commit(self, commit: Commit) -> None:
        await self.held.run(self._commit, commit)

    # -- run on the held connection ---------------------------------------
    def _snapshot(self, conn: Connection, user_day: str) -> Snapshot:
        row, sid = self.row, self.row["id"]
        owner_key = row["owner"] or ""
        state: dict[str, Any] = {}
        policy_states: dict[str, dict[str, Any]] = {}
        user_state: dict[str, Any] = {}
        history: list[tuple[int, Any]] = []
        grants: set[str] = set()
        for kind, ns, key, value in query(conn, "kv", {"sid": sid, "owner": owner_key}):
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
        usage, day_cost = _usage(conn, sid, owner_key, user_day)
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
        pg = conn.dialect.name == "postgresql"
        row, sid, owner = self.row, self.row["id"], self.row["owner"]
        _apply(conn, "session_state", {"sid": sid}, c.session_updates, self._state)
        for ns, upds in c.policy_updates.items():
            known = None if self._policy_states is None else self._policy_states.get(ns, {})
            _apply(conn, "policy_state", {"sid": sid, "ns": ns}, upds, known)
        if c.user_updates:
            # User state spans sessions: serialize its writers by owner, then read it afresh.
            if pg:
                query(conn, "lock.user", {"a": USER_LOCK, "b": owner or ""})
            _apply(conn, "user_state", {"owner": owner or ""}, c.user_updates, None)
        if c.history is not None:
            n = int(row["history_count"])
            entry = {"sid": sid, "slot": n % HISTORY_LIMIT, "n": n, "entry": dumps(c.history)}
            query(conn, "history.put", entry)
            row["history_count"] = n + 1
        if c.labels:
            row["labels"] = {**row["labels"], **c.labels}
        for name, value in (("ended", c.end_session), ("model", c.model), ("harness", c.harness)):
            if value:
                row[name] = value
        row["last_activity"] = time.time()
        query(
            conn,
            "session.update",
            {
                "id": sid,
                "labels": dumps(row["labels"]),
                "model": row["model"],
                "harness": row["harness"],
                "ended": row["ended"],
                "last_activity": row["last_activity"],
                "history_count": row["history_count"],
            },
        )
        if c.grants:
            grants = [{"sid": sid, "key": key} for key in dict.fromkeys(c.grants)]
            execute_many(conn, "grant.put", grants)
        if c.usage is not None:
            conn.execute(insert(t.usage).values(rows.usage_values(sid, owner, c.usage)))
        if c.approval is not None:
            conn.execute(insert(t.approvals).values(rows.approval_values(c.approval)))
        if c.resolve_approval is not None:
            done = rows.approval_values(c.resolve_approval)
            approval_id = done.pop("id")
            conn.execute(update(t.approvals).where(t.approvals.c.id == approval_id).values(done))
        if c.audit is not None:
            append_audit(conn, c.audit)
        self._state = self._policy_states = None  # a second commit reads afresh


def _apply(
    conn: Connection,
    table: str,
    where: dict[str, Any],
    updates: list[StateUpdate],
    known: dict[str, Any] | None,
) -> None:
    """Apply ``updates`` to one state table's rows selected by ``where``.

    The caller holds the lock that serializes these rows' writers, so
    read-modify-write with the reference ``apply_update`` is exact.  ``known``
    is the current key → value mapping when this transaction already read it.
    """
    if not updates:
        return
    if known is None:
        known = {k: loads(v) for k, v in query(conn, f"{table}.get", where)}
    keys = list(dict.fromkeys(u["key"] for u in updates))
    work = {k: known[k] for k in keys if k in known}
    for upd in updates:
        apply_update(work, upd)
    present = [{**where, "key": k, "value": dumps(work[k])} for k in keys if k in work]
    gone = [{**where, "key": k} for k in keys if k not in work and k in known]
    if present:
        execute_many(conn, f"{table}.put", present)
    if gone:
        execute_many(conn, f"{table}.del", gone)


def _usage(conn: Connection, sid: str, owner_key: str, day: str) -> tuple[dict[str, Any], float]:
    """The session's usage totals (shaped like ``memory.usage_totals``) and the owner's day cost."""
    r = query(conn, "usage", {"sid": sid, "owner": owner_key, "day": day})[0]
    calls, inp, out, cr, cw, unpriced = (int(r[i]) for i in (0, 1, 2, 3, 4, 6))
    priced = round(float(r[5]), 10)
    totals = {
        "input_tokens": inp,
        "output_tokens": out,
        "total_tokens": inp + out,
        "cache_read_input_tokens": cr,
        "cache_creation_input_tokens": cw,
        "total_cost_usd": priced if unpriced == 0 else None,
        "unpriced_tokens": unpriced,
        "llm_calls": calls,
        "priced_cost_usd": priced,
    }
    return totals, round(float(r[7]), 10)


def append_audit(conn: Connection, entry: dict[str, Any]) -> None:
    """Seal ``entry`` onto the chain head.  The chain has one writer at a time:
    SQLite's write lock, or a transaction-level advisory lock on PostgreSQL."""
    if conn.dialect.name == "postgresql":
        query(conn, "lock.audit", {"k": AUDIT_LOCK})
    found = query(conn, "audit.head")
    head = found[0] if found else None
    seq, prev = (int(head[0]) + 1, str(head[1])) if head else (1, audit.GENESIS)
    sealed = audit.seal(dict(entry), prev, seq)
    query(
        conn,
        "audit.put",
        {
            "seq": seq,
            "at": sealed.get("at"),
            "kind": sealed.get("kind"),
            "session_id": sealed.get("session_id"),
            "payload": rows.payload_text(sealed.get("payload")),
            "prev_hash": prev,
            "hash": sealed["hash"],
        },
    )


def _copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data (cheaper than ``copy.deepcopy``)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
