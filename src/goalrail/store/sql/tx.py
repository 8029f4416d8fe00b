"""One session's serialized transaction: snapshot → (evaluate) → commit.

The session row is already locked when this object exists (``SELECT … FOR
UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite); the DB transaction
commits when the ``transaction()`` block exits, before the runtime answers.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from goalrail.engine.snapshot import Snapshot
from goalrail.runtime import audit
from goalrail.runtime.ports import Commit
from goalrail.store.memory import HISTORY_LIMIT
from goalrail.store.sql import rows, tables as t
from goalrail.store.sql.state import apply_updates, insert_ignore, upsert

USER_LOCK = 0x67720001
AUDIT_LOCK = 0x67720002


class SqlTx:
    def __init__(self, conn: AsyncConnection, row: Any) -> None:
        self.conn = conn
        self.row: dict[str, Any] = dict(row._mapping)
        self.pg = conn.dialect.name == "postgresql"
        self._state: dict[str, Any] | None = None
        self._policy_states: dict[str, dict[str, Any]] | None = None

    @property
    def session_id(self) -> str:
        return str(self.row["id"])

    async def snapshot(self, *, user_day: str) -> Snapshot:
        conn, sid, owner = self.conn, self.session_id, self.row["owner"]
        state = {k: v for k, v in await conn.execute(
            select(t.session_state.c.key, t.session_state.c.value).where(t.session_state.c.session_id == sid))}
        policy_states: dict[str, dict[str, Any]] = {}
        for ns, k, v in await conn.execute(
            select(t.policy_state.c.namespace, t.policy_state.c.key, t.policy_state.c.value)
            .where(t.policy_state.c.session_id == sid)
        ):
            policy_states.setdefault(ns, {})[k] = v
        user_state = {k: v for k, v in await conn.execute(
            select(t.user_state.c.key, t.user_state.c.value).where(t.user_state.c.owner == (owner or "")))}
        history = [e for (e,) in await conn.execute(
            select(t.history.c.entry).where(t.history.c.session_id == sid).order_by(t.history.c.n))]
        grants = {k for (k,) in await conn.execute(select(t.grants.c.key).where(t.grants.c.session_id == sid))}
        usage = await self._usage_totals()
        day_cost = (await conn.execute(
            select(func.sum(t.usage.c.cost_usd)).where(t.usage.c.owner == (owner or ""), t.usage.c.day == user_day)
        )).scalar()
        self._state, self._policy_states = state, policy_states
        return Snapshot(
            session_id=sid, owner=owner, agent=self.row["agent"], labels=dict(self.row["labels"] or {}),
            state=_copy(state), policy_states=_copy(policy_states), user_state=user_state, usage=usage,
            user_daily_cost={"user_id": owner, "day": user_day, "cost_usd": round(float(day_cost or 0.0), 10)},
            history=history, model=self.row["model"], harness=self.row["harness"], ended=self.row["ended"],
            grants=grants,
        )

    async def _usage_totals(self) -> dict[str, Any]:
        u = t.usage.c
        tokens = u.input_tokens + u.output_tokens + u.cache_read_tokens + u.cache_write_tokens
        r = (await self.conn.execute(
            select(
                func.count(), func.coalesce(func.sum(u.input_tokens), 0), func.coalesce(func.sum(u.output_tokens), 0),
                func.coalesce(func.sum(u.cache_read_tokens), 0), func.coalesce(func.sum(u.cache_write_tokens), 0),
                func.coalesce(func.sum(u.cost_usd), 0.0),
                func.coalesce(func.sum(tokens).filter(u.cost_usd.is_(None)), 0),
            ).where(u.session_id == self.session_id)
        )).one()
        calls, inp, out, cr, cw, cost, unpriced = (int(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4]),
                                                   float(r[5]), int(r[6]))
        priced = round(cost, 10)
        return {
            "input_tokens": inp, "output_tokens": out, "total_tokens": inp + out, "cache_read_input_tokens": cr,
            "cache_creation_input_tokens": cw, "total_cost_usd": priced if unpriced == 0 else None,
            "unpriced_tokens": unpriced, "llm_calls": calls, "priced_cost_usd": priced,
        }

    async def commit(self, c: Commit) -> None:
        conn, sid, owner = self.conn, self.session_id, self.row["owner"]
        await apply_updates(conn, t.session_state, {"session_id": sid}, c.session_updates, self._state)
        for ns, upds in c.policy_updates.items():
            known = None if self._policy_states is None else self._policy_states.get(ns, {})
            await apply_updates(conn, t.policy_state, {"session_id": sid, "namespace": ns}, upds, known)
        if c.user_updates:
            # User state spans sessions: serialize its writers by owner, then read it afresh.
            if self.pg:
                await conn.execute(text("SELECT pg_advisory_xact_lock(:a, hashtext(:b))"),
                                   {"a": USER_LOCK, "b": owner or ""})
            await apply_updates(conn, t.user_state, {"owner": owner or ""}, c.user_updates)
        values: dict[str, Any] = {"last_activity": time.time()}
        if c.labels:
            values["labels"] = {**(self.row["labels"] or {}), **c.labels}
        if c.history is not None:
            n = int(self.row["history_count"])
            await conn.execute(upsert(conn, t.history, [
                {"session_id": sid, "slot": n % HISTORY_LIMIT, "n": n, "entry": c.history}], ["session_id", "slot"]))
            values["history_count"] = n + 1
        if c.end_session:
            values["ended"] = c.end_session
        if c.model:
            values["model"] = c.model
        if c.harness:
            values["harness"] = c.harness
        await conn.execute(update(t.sessions).where(t.sessions.c.id == sid).values(values))
        self.row.update(values)
        for key in dict.fromkeys(c.grants):
            await conn.execute(insert_ignore(conn, t.grants, {"session_id": sid, "key": key}, ["session_id", "key"]))
        if c.usage is not None:
            await conn.execute(insert(t.usage).values(rows.usage_values(sid, owner, c.usage)))
        if c.approval is not None:
            await conn.execute(insert(t.approvals).values(rows.approval_values(c.approval)))
        if c.resolve_approval is not None:
            done = rows.approval_values(c.resolve_approval)
            await conn.execute(update(t.approvals).where(t.approvals.c.id == done.pop("id")).values(done))
        if c.audit is not None:
            await append_audit(conn, c.audit)
        self._state = self._policy_states = None  # a second commit would read afresh


async def append_audit(conn: AsyncConnection, entry: dict[str, Any]) -> None:
    """Seal ``entry`` onto the chain head.  The chain has one writer at a time:
    SQLite's write lock, or a transaction-level advisory lock on PostgreSQL."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK})
    head = (await conn.execute(select(t.audit.c.seq, t.audit.c.hash).order_by(t.audit.c.seq.desc()).limit(1))).first()
    seq, prev = (int(head[0]) + 1, str(head[1])) if head else (1, audit.GENESIS)
    sealed = audit.seal({**entry, "payload": entry.get("payload")}, prev, seq)
    await conn.execute(insert(t.audit).values(
        seq=seq, at=sealed.get("at"), kind=sealed.get("kind"), session_id=sealed.get("session_id"),
        payload=rows.payload_text(sealed.get("payload")), prev_hash=prev, hash=sealed["hash"],
    ))


def _copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data (cheaper than ``copy.deepcopy``)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value

