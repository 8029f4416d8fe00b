"""One session's serialized transaction: snapshot → (evaluate) → commit.

The session row is locked when this object exists (``SELECT … FOR UPDATE`` on
PostgreSQL; the single writer on SQLite).  The snapshot and the commit each run
as one batch on the held connection; the DB transaction commits when the
``transaction()`` block exits, before the runtime answers.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, func, insert, literal, select, text, union_all, update

from goalrail.engine.snapshot import Snapshot
from goalrail.runtime import audit
from goalrail.runtime.ports import Commit
from goalrail.store.memory import HISTORY_LIMIT
from goalrail.store.sql import rows, tables as t
from goalrail.store.sql.runner import Held
from goalrail.store.sql.state import apply_updates, insert_ignore, upsert

USER_LOCK = 0x67720001
AUDIT_LOCK = 0x67720002


def lock_session(conn: Connection, session_id: str) -> dict[str, Any] | None:
    query = select(t.sessions).where(t.sessions.c.id == session_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    return dict(row._mapping) if row else None


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
        ss, ps, us, h, g = t.session_state.c, t.policy_state.c, t.user_state.c, t.history.c, t.grants.c
        # All key/value rows of the session in one round trip, told apart by `kind`.
        kv = union_all(
            select(literal("s").label("kind"), literal("").label("ns"), ss.key, ss.value).where(ss.session_id == sid),
            select(literal("p"), ps.namespace, ps.key, ps.value).where(ps.session_id == sid),
            select(literal("u"), literal(""), us.key, us.value).where(us.owner == owner_key),
        )
        state: dict[str, Any] = {}
        policy_states: dict[str, dict[str, Any]] = {}
        user_state: dict[str, Any] = {}
        for kind, ns, key, value in conn.execute(kv):
            if kind == "s":
                state[key] = value
            elif kind == "p":
                policy_states.setdefault(ns, {})[key] = value
            else:
                user_state[key] = value
        history = [e for (e,) in conn.execute(select(h.entry).where(h.session_id == sid).order_by(h.n))]
        grants = {k for (k,) in conn.execute(select(g.key).where(g.session_id == sid))}
        usage, day_cost = _usage(conn, sid, owner_key, user_day)
        self._state, self._policy_states = state, policy_states
        return Snapshot(
            session_id=sid, owner=row["owner"], agent=row["agent"], labels=dict(row["labels"] or {}),
            state=_copy(state), policy_states=_copy(policy_states), user_state=user_state, usage=usage,
            user_daily_cost={"user_id": row["owner"], "day": user_day, "cost_usd": day_cost},
            history=history, model=row["model"], harness=row["harness"], ended=row["ended"], grants=grants,
        )

    def _commit(self, conn: Connection, c: Commit) -> None:
        sid, owner = self.row["id"], self.row["owner"]
        apply_updates(conn, t.session_state, {"session_id": sid}, c.session_updates, self._state)
        for ns, upds in c.policy_updates.items():
            known = None if self._policy_states is None else self._policy_states.get(ns, {})
            apply_updates(conn, t.policy_state, {"session_id": sid, "namespace": ns}, upds, known)
        if c.user_updates:
            # User state spans sessions: serialize its writers by owner, then read it afresh.
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:a, hashtext(:b))"), {"a": USER_LOCK, "b": owner or ""})
            apply_updates(conn, t.user_state, {"owner": owner or ""}, c.user_updates)
        values: dict[str, Any] = {"last_activity": time.time()}
        if c.labels:
            values["labels"] = {**(self.row["labels"] or {}), **c.labels}
        if c.history is not None:
            n = int(self.row["history_count"])
            conn.execute(upsert(conn, t.history, [
                {"session_id": sid, "slot": n % HISTORY_LIMIT, "n": n, "entry": c.history}], ["session_id", "slot"]))
            values["history_count"] = n + 1
        if c.end_session:
            values["ended"] = c.end_session
        if c.model:
            values["model"] = c.model
        if c.harness:
            values["harness"] = c.harness
        conn.execute(update(t.sessions).where(t.sessions.c.id == sid).values(values))
        self.row.update(values)
        for key in dict.fromkeys(c.grants):
            conn.execute(insert_ignore(conn, t.grants, {"session_id": sid, "key": key}, ["session_id", "key"]))
        if c.usage is not None:
            conn.execute(insert(t.usage).values(rows.usage_values(sid, owner, c.usage)))
        if c.approval is not None:
            conn.execute(insert(t.approvals).values(rows.approval_values(c.approval)))
        if c.resolve_approval is not None:
            done = rows.approval_values(c.resolve_approval)
            conn.execute(update(t.approvals).where(t.approvals.c.id == done.pop("id")).values(done))
        if c.audit is not None:
            append_audit(conn, c.audit)
        self._state = self._policy_states = None  # a second commit reads afresh


def _usage(conn: Connection, sid: str, owner_key: str, day: str) -> tuple[dict[str, Any], float]:
    """The session's usage totals (same shape as ``memory.usage_totals``) and the owner's cost on ``day``."""
    u = t.usage.c
    tokens = u.input_tokens + u.output_tokens + u.cache_read_tokens + u.cache_write_tokens
    day_cost = (select(func.coalesce(func.sum(u.cost_usd), 0.0))
                .where(u.owner == owner_key, u.day == day).scalar_subquery())
    r = conn.execute(select(
        func.count(), func.coalesce(func.sum(u.input_tokens), 0), func.coalesce(func.sum(u.output_tokens), 0),
        func.coalesce(func.sum(u.cache_read_tokens), 0), func.coalesce(func.sum(u.cache_write_tokens), 0),
        func.coalesce(func.sum(u.cost_usd), 0.0), func.coalesce(func.sum(tokens).filter(u.cost_usd.is_(None)), 0),
        day_cost,
    ).where(u.session_id == sid)).one()
    calls, inp, out, cr, cw, unpriced = (int(r[i]) for i in (0, 1, 2, 3, 4, 6))
    priced = round(float(r[5]), 10)
    totals = {
        "input_tokens": inp, "output_tokens": out, "total_tokens": inp + out, "cache_read_input_tokens": cr,
        "cache_creation_input_tokens": cw, "total_cost_usd": priced if unpriced == 0 else None,
        "unpriced_tokens": unpriced, "llm_calls": calls, "priced_cost_usd": priced,
    }
    return totals, round(float(r[7]), 10)


def append_audit(conn: Connection, entry: dict[str, Any]) -> None:
    """Seal ``entry`` onto the chain head.  The chain has one writer at a time:
    SQLite's write lock, or a transaction-level advisory lock on PostgreSQL."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK})
    head = conn.execute(select(t.audit.c.seq, t.audit.c.hash).order_by(t.audit.c.seq.desc()).limit(1)).first()
    seq, prev = (int(head[0]) + 1, str(head[1])) if head else (1, audit.GENESIS)
    sealed = audit.seal(dict(entry), prev, seq)
    conn.execute(insert(t.audit).values(
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
