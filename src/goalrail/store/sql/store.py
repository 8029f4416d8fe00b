"""SqlStore: the ``AdminStore`` on SQLite or PostgreSQL (SQLAlchemy 2, async).

Writers: on PostgreSQL each session's evaluations are serialized by a row lock
(``SELECT … FOR UPDATE`` on its ``sessions`` row), so several replicas stay
exact.  SQLite has one writer per file: a writing transaction starts with
``BEGIN IMMEDIATE`` and, inside one process, waits its turn on an asyncio lock
instead of polling the file lock.  Store calls made inside ``transaction()``
(by the same task) reuse its connection, so they see its writes and never
need a second pooled connection while a lock is held.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import replace
from typing import Any

from sqlalchemy import delete, func, insert, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from goalrail.engine.spec import PolicySpec
from goalrail.errors import Conflict, NotFound
from goalrail.runtime.ports import ApprovalRecord, SessionInfo, TokenRecord, UsageRecord
from goalrail.store.records import changed_spec, new_policy_id
from goalrail.store.sql import migrate, rows, tables as t
from goalrail.store.sql.engine import WRITE_OPTION, create_engine, normalize_url
from goalrail.store.sql.errors import STORE_ERRORS, translate
from goalrail.store.sql.state import insert_ignore, upsert
from goalrail.store.sql.tx import SqlTx

_CURRENT: ContextVar[tuple[SqlStore, AsyncConnection] | None] = ContextVar("goalrail_sql_tx", default=None)


class SqlStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.pg = engine.dialect.name == "postgresql"
        self._writer = asyncio.Lock()  # SQLite: one writing transaction per process at a time

    @classmethod
    async def open(cls, database_url: str) -> SqlStore:
        """Connect and apply migrations."""
        engine = create_engine(normalize_url(database_url))
        try:
            await migrate.upgrade(engine)
        except STORE_ERRORS as exc:
            await engine.dispose()
            raise translate(exc) from None
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine)

    async def close(self) -> None:
        await self.engine.dispose()

    # connections ---------------------------------------------------------
    @asynccontextmanager
    async def _connect(self, *, write: bool = False) -> AsyncIterator[AsyncConnection]:
        current = _CURRENT.get()
        if current is not None and current[0] is self:
            yield current[1]
            return
        try:
            if write and not self.pg:
                async with self._writer, self.engine.connect() as conn:
                    conn = await conn.execution_options(**{WRITE_OPTION: True})
                    async with conn.begin():
                        yield conn
            elif write:
                async with self.engine.begin() as conn:
                    yield conn
            else:
                async with self.engine.connect() as conn:
                    yield conn
        except STORE_ERRORS as exc:
            raise translate(exc) from None

    @asynccontextmanager
    async def transaction(self, session_id: str) -> AsyncIterator[SqlTx]:
        async with self._connect(write=True) as conn:
            query = select(t.sessions).where(t.sessions.c.id == session_id)
            row = (await conn.execute(query.with_for_update() if self.pg else query)).first()
            if row is None:
                raise NotFound(f"session `{session_id}` not found")
            token = _CURRENT.set((self, conn))
            try:
                yield SqlTx(conn, row)
            finally:
                _CURRENT.reset(token)

    # sessions -----------------------------------------------------------
    async def ensure_session(self, session_id: str, *, owner: str | None = None, agent: str | None = None,
                             labels: dict[str, str] | None = None) -> SessionInfo:
        found = await self.get_session(session_id)
        if found is not None:
            return found
        now = time.time()
        row = {"id": session_id, "owner": owner, "agent": agent, "labels": dict(labels or {}), "model": None,
               "harness": None, "ended": None, "created_at": now, "last_activity": now, "policies_version": 0,
               "history_count": 0}
        async with self._connect(write=True) as conn:
            await conn.execute(insert_ignore(conn, t.sessions, row, ["id"]))
            got = (await conn.execute(select(t.sessions).where(t.sessions.c.id == session_id))).one()
        return rows.session_info(got)

    async def get_session(self, session_id: str) -> SessionInfo | None:
        async with self._connect() as conn:
            row = (await conn.execute(select(t.sessions).where(t.sessions.c.id == session_id))).first()
        return rows.session_info(row) if row else None

    async def list_sessions(self, *, owner: str | None = None, limit: int = 100) -> list[SessionInfo]:
        query = select(t.sessions).order_by(t.sessions.c.last_activity.desc(), t.sessions.c.created_at).limit(limit)
        if owner is not None:
            query = query.where(t.sessions.c.owner == owner)
        async with self._connect() as conn:
            return [rows.session_info(r) for r in await conn.execute(query)]

    # server-wide policies ---------------------------------------------------
    async def server_policies(self) -> tuple[int, list[PolicySpec]]:
        m = t.meta
        query = (select(m.c.value.label("version"), t.server_policies)
                 .select_from(m.outerjoin(t.server_policies, true()))
                 .where(m.c.key == t.SERVER_POLICIES_VERSION).order_by(t.server_policies.c.position))
        async with self._connect() as conn:
            result = (await conn.execute(query)).all()
        version = int(result[0]._mapping["version"]) if result else 0
        return version, [rows.policy_spec(r._mapping, "server") for r in result if r._mapping["id"] is not None]

    async def _bump_server_version(self, conn: AsyncConnection) -> None:
        # The UPDATE also locks the meta row: policy writers queue behind each other.
        await conn.execute(update(t.meta).where(t.meta.c.key == t.SERVER_POLICIES_VERSION)
                           .values(value=t.meta.c.value + 1))

    async def add_server_policy(self, spec: PolicySpec) -> PolicySpec:
        spec = replace(spec, level="server", id=spec.id or new_policy_id("server"))
        async with self._connect(write=True) as conn:
            await self._bump_server_version(conn)
            if await _exists(conn, t.server_policies.c.name == spec.name):
                raise Conflict(f"a server-wide policy named `{spec.name}` already exists")
            pos = (await conn.execute(select(func.coalesce(func.max(t.server_policies.c.position), 0)))).scalar()
            await conn.execute(insert(t.server_policies).values(
                id=spec.id, created_at=time.time(), position=int(pos or 0) + 1, **rows.policy_values(spec)))
        return spec

    async def get_server_policy(self, policy_id: str) -> PolicySpec | None:
        async with self._connect() as conn:
            row = (await conn.execute(select(t.server_policies).where(t.server_policies.c.id == policy_id))).first()
        return rows.policy_spec(row._mapping, "server") if row else None

    async def update_server_policy(self, policy_id: str, **changes: Any) -> PolicySpec:
        sp = t.server_policies
        async with self._connect(write=True) as conn:
            await self._bump_server_version(conn)
            row = (await conn.execute(select(sp).where(sp.c.id == policy_id))).first()
            if row is None:
                raise NotFound(f"server-wide policy `{policy_id}` not found")
            new = changed_spec(rows.policy_spec(row._mapping, "server"), changes)
            if await _exists(conn, sp.c.name == new.name, sp.c.id != policy_id):
                raise Conflict(f"a server-wide policy named `{new.name}` already exists")
            await conn.execute(update(sp).where(sp.c.id == policy_id).values(rows.policy_values(new)))
        return new

    async def delete_server_policy(self, policy_id: str) -> None:
        async with self._connect(write=True) as conn:
            await self._bump_server_version(conn)
            gone = await conn.execute(delete(t.server_policies).where(t.server_policies.c.id == policy_id))
            if gone.rowcount == 0:
                raise NotFound(f"server-wide policy `{policy_id}` not found")

    # session policies -------------------------------------------------------
    async def session_policies(self, session_id: str) -> tuple[int, list[PolicySpec]]:
        s, p = t.sessions, t.session_policies
        query = (select(s.c.policies_version.label("version"), p)
                 .select_from(s.outerjoin(p, p.c.session_id == s.c.id))
                 .where(s.c.id == session_id).order_by(p.c.position))
        async with self._connect() as conn:
            result = (await conn.execute(query)).all()
        if not result:
            return 0, []
        version = int(result[0]._mapping["version"])
        return version, [rows.policy_spec(r._mapping, "session") for r in result if r._mapping["id"] is not None]

    async def _bump_session_version(self, conn: AsyncConnection, session_id: str) -> None:
        bumped = await conn.execute(update(t.sessions).where(t.sessions.c.id == session_id)
                                    .values(policies_version=t.sessions.c.policies_version + 1))
        if bumped.rowcount == 0:
            raise NotFound(f"session `{session_id}` not found")

    async def add_session_policy(self, session_id: str, spec: PolicySpec) -> PolicySpec:
        p = t.session_policies
        spec = replace(spec, level="session", id=spec.id or new_policy_id("session"))
        async with self._connect(write=True) as conn:
            await self._bump_session_version(conn, session_id)
            if await _exists(conn, p.c.session_id == session_id, p.c.name == spec.name):
                raise Conflict(f"session `{session_id}` already has a policy named `{spec.name}`")
            pos = (await conn.execute(select(func.coalesce(func.max(p.c.position), 0))
                                      .where(p.c.session_id == session_id))).scalar()
            await conn.execute(insert(p).values(id=spec.id, session_id=session_id, created_at=time.time(),
                                                position=int(pos or 0) + 1, **rows.policy_values(spec)))
        return spec

    async def update_session_policy(self, session_id: str, policy_id: str, **changes: Any) -> PolicySpec:
        p = t.session_policies
        async with self._connect(write=True) as conn:
            await self._bump_session_version(conn, session_id)
            row = (await conn.execute(select(p).where(p.c.session_id == session_id, p.c.id == policy_id))).first()
            if row is None:
                raise NotFound(f"session `{session_id}` has no policy `{policy_id}`")
            new = changed_spec(rows.policy_spec(row._mapping, "session"), changes)
            if await _exists(conn, p.c.session_id == session_id, p.c.name == new.name, p.c.id != policy_id):
                raise Conflict(f"session `{session_id}` already has a policy named `{new.name}`")
            await conn.execute(update(p).where(p.c.id == policy_id).values(rows.policy_values(new)))
        return new

    async def delete_session_policy(self, session_id: str, policy_id: str) -> None:
        p = t.session_policies
        async with self._connect(write=True) as conn:
            await self._bump_session_version(conn, session_id)
            gone = await conn.execute(delete(p).where(p.c.session_id == session_id, p.c.id == policy_id))
            if gone.rowcount == 0:
                raise NotFound(f"session `{session_id}` has no policy `{policy_id}`")

    # approvals --------------------------------------------------------------
    async def get_approval(self, approval_id: str) -> ApprovalRecord | None:
        async with self._connect() as conn:
            row = (await conn.execute(select(t.approvals).where(t.approvals.c.id == approval_id))).first()
        return rows.approval_record(row._mapping) if row else None

    async def list_approvals(self, *, status: str | None = None, owner: str | None = None,
                             session_id: str | None = None) -> list[ApprovalRecord]:
        a = t.approvals
        query = select(a).order_by(a.c.created_at, a.c.id)
        for col, value in ((a.c.status, status), (a.c.owner, owner), (a.c.session_id, session_id)):
            if value is not None:
                query = query.where(col == value)
        async with self._connect() as conn:
            return [rows.approval_record(r._mapping) for r in await conn.execute(query)]

    # audit ------------------------------------------------------------------
    async def audit_entries(self, **filters: Any) -> list[dict[str, Any]]:
        query = select(t.audit).order_by(t.audit.c.seq)
        if filters.get("session_id") is not None:
            query = query.where(t.audit.c.session_id == filters["session_id"])
        async with self._connect() as conn:
            return [rows.audit_entry(r._mapping) for r in await conn.execute(query)]

    # agents, usage, tokens --------------------------------------------------
    async def put_agent(self, name: str, yaml_text: str) -> None:
        async with self._connect(write=True) as conn:
            await conn.execute(upsert(conn, t.agents, [{"name": name, "yaml": yaml_text, "updated_at": time.time()}],
                                      ["name"]))

    async def list_agents(self) -> list[tuple[str, str]]:
        async with self._connect() as conn:
            return [(n, y) for n, y in await conn.execute(select(t.agents.c.name, t.agents.c.yaml)
                                                          .order_by(t.agents.c.name))]

    async def usage_records(self, session_id: str) -> list[UsageRecord]:
        query = select(t.usage).where(t.usage.c.session_id == session_id).order_by(t.usage.c.id)
        async with self._connect() as conn:
            return [rows.usage_record(r._mapping) for r in await conn.execute(query)]

    async def create_token(self, record: TokenRecord) -> None:
        tk = t.tokens
        async with self._connect(write=True) as conn:
            if await _exists(conn, (tk.c.id == record.id) | (tk.c.token_hash == record.token_hash)):
                raise Conflict("a token with this id or hash already exists")
            await conn.execute(insert(tk).values(
                id=record.id, token_hash=record.token_hash, user=record.user, role=record.role, label=record.label,
                created_at=record.created_at, revoked=record.revoked))

    async def find_token(self, token_hash: str) -> TokenRecord | None:
        async with self._connect() as conn:
            row = (await conn.execute(select(t.tokens).where(t.tokens.c.token_hash == token_hash))).first()
        return rows.token_record(row._mapping) if row else None

    async def list_tokens(self) -> list[TokenRecord]:
        async with self._connect() as conn:
            return [rows.token_record(r._mapping)
                    for r in await conn.execute(select(t.tokens).order_by(t.tokens.c.created_at, t.tokens.c.id))]

    async def revoke_token(self, token_id: str) -> None:
        async with self._connect(write=True) as conn:
            done = await conn.execute(update(t.tokens).where(t.tokens.c.id == token_id).values(revoked=True))
            if done.rowcount == 0:
                raise NotFound(f"token `{token_id}` not found")


async def _exists(conn: AsyncConnection, *where: Any) -> bool:
    return (await conn.execute(select(true()).where(*where).limit(1))).first() is not None
