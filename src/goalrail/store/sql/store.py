"""SqlStore: the ``AdminStore`` on SQLite or PostgreSQL (SQLAlchemy 2).

A thin async facade: queries live in ``crud.py`` and ``tx.py`` as plain
functions and run through a runner (``runner.py``).  On PostgreSQL each
session's evaluations are serialized by a row lock (``SELECT … FOR UPDATE``
on its ``sessions`` row), so several replicas stay exact; an optimistic
evaluation there goes through ``pg_tx.py`` (group commit).  Reads a caller needs
inside ``transaction()`` are methods of the transaction object (they run on its
connection).  On SQLite, ``open_store`` opens its subclass ``SqliteStore``
(``sqlite_store.py``: write-through caches and group commit).  Driver errors leave as
``goalrail.errors``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import TypeVar, TypeVarTuple, cast

from sqlalchemy.ext.asyncio import AsyncEngine

from goalrail.engine.spec import PolicySpec
from goalrail.errors import Conflict, NotFound
from goalrail.jsontypes import JsonObject
from goalrail.runtime.ports import ApprovalRecord, SessionInfo, TokenRecord, UsageRecord
from goalrail.runtime.quota import SessionCap, TokenCap
from goalrail.store.records import new_policy_id
from goalrail.store.sql import counts, crud, migrate, pg_capped, pg_sessions, rows
from goalrail.store.sql.changes import lock_session
from goalrail.store.sql.crud import NewSession
from goalrail.store.sql.engine import create_engine, create_read_engine, normalize_url
from goalrail.store.sql.errors import STORE_ERRORS, translate
from goalrail.store.sql.new_sessions import NewSessions, RowsRefused, create_rows
from goalrail.store.sql.pg_tx import PgDecisions
from goalrail.store.sql.runner import Fn, PostgresRunner, Runner, SqliteRunner
from goalrail.store.sql.tx import SqlTx

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


class SqlStore:
    def __init__(self, runner: Runner, url: str) -> None:
        self.runner = runner
        self.url = url  # with the password hidden
        # Policy lists by version: an evaluation then only reads the version number.
        self._server_policies: crud.Versioned | None = None
        self._session_policies: dict[str, crud.Versioned] = {}
        # PostgreSQL: optimistic evaluations and their group commit (pg_tx.py).
        self._pg = PgDecisions(runner) if isinstance(runner, PostgresRunner) else None
        # PostgreSQL: sessions looked up meanwhile read by one statement (pg_sessions.py).
        self._session_reads = pg_sessions.SessionReads(self._pg.reader) if self._pg is not None else None
        # First events of new sessions: one transaction for those that start together.
        self.new_sessions = NewSessions(self._create_many, self._create_one)

    @classmethod
    async def open(cls, database_url: str) -> SqlStore:
        """Connect and apply migrations."""
        url = normalize_url(database_url)
        engine = create_engine(url)
        runner: Runner = (
            PostgresRunner(engine, create_read_engine(url)) if isinstance(engine, AsyncEngine) else SqliteRunner(engine)
        )
        try:
            await migrate.upgrade(runner)
            if isinstance(runner, SqliteRunner):
                await runner.start()
        except BaseException as exc:
            await runner.close()
            if isinstance(exc, STORE_ERRORS):
                raise translate(exc) from None
            raise
        return cls(runner, url.render_as_string(hide_password=True))

    async def close(self) -> None:
        await self.new_sessions.close()
        if self._session_reads is not None:
            await self._session_reads.close()
        if self._pg is not None:
            await self._pg.close()
        await self.runner.close()

    # running queries -----------------------------------------------------
    async def _read(self, fn: Fn[*Ts, T], *args: *Ts) -> T:
        try:
            return await self.runner.read(fn, *args)
        except STORE_ERRORS as exc:
            raise translate(exc) from None

    async def _pg_read(self, fn: Callable[[*Ts], Awaitable[T]], *args: *Ts) -> T:
        try:
            return await fn(*args)
        except STORE_ERRORS as exc:
            raise translate(exc) from None

    async def _write(self, fn: Fn[*Ts, T], *args: *Ts) -> T:
        try:
            return await self.runner.write(fn, *args)
        except STORE_ERRORS as exc:
            raise translate(exc) from None

    @asynccontextmanager
    async def transaction(self, session_id: str, *, optimistic: bool = False) -> AsyncIterator[SqlTx]:
        """The session's row locked until the block exits; on PostgreSQL an
        ``optimistic`` one holds only a lock in this process (``pg_tx.py``)."""
        if optimistic and self._pg is not None:
            async with self._pg.transaction(session_id) as pg_tx:
                yield pg_tx
            return
        try:
            async with self.runner.hold() as held:
                row = await held.run(lock_session, session_id)
                if row is None:
                    raise NotFound(f"session `{session_id}` not found")
                yield SqlTx(held, row)
        except STORE_ERRORS as exc:
            raise translate(exc) from None

    # sessions -----------------------------------------------------------
    async def ensure_session(
        self,
        session_id: str,
        *,
        owner: str | None = None,
        agent: str | None = None,
        labels: dict[str, str] | None = None,
        cap: SessionCap | None = None,
    ) -> SessionInfo:
        if self._pg is not None:
            row = await self._pg_read(self._pg.read_ahead, session_id)
            found = rows.session_info(row) if row else None
        else:
            found = await self._read(crud.get_session, session_id)
        if found is not None:
            return found
        request = (session_id, owner, agent, dict(labels or {}))
        # (created with the others asked for meanwhile, capped or not: ``new_sessions``, ``pg_capped``)
        created = await self.new_sessions.create(request, cap)
        if self._pg is not None:
            # Read ahead again, now that the row exists: the policy versions and the snapshot
            # come with the other decision reads' statement (one for the sessions created
            # together), not from a read each through the pool.
            row = await self._pg_read(self._pg.read_ahead, session_id)
            if row:
                return rows.session_info(row)
        return created

    async def _create_many(
        self, requests: list[NewSession], caps: list[SessionCap | None]
    ) -> list[SessionInfo | Conflict]:
        capped = any(cap is not None for cap in caps)
        if self._pg is not None:  # (in one round trip: pg_sessions.py; capped, in one transaction: pg_capped.py)
            if capped:
                return await self._pg_read(pg_capped.create_capped, self._pg.reader, requests, caps)
            return [*await self._pg_read(pg_sessions.create_sessions, self._pg.reader, requests)]
        if capped:  # each counted in a transaction of its own (``capped``)
            raise RowsRefused
        return [*await self._write(create_rows, requests)]

    async def _create_one(self, request: NewSession, cap: SessionCap | None = None) -> SessionInfo:
        if self._pg is not None:
            info: SessionInfo | Conflict
            try:
                if cap is None:
                    (info,) = await self._pg_read(pg_sessions.create_sessions, self._pg.reader, [request])
                else:
                    (info,) = await self._pg_read(pg_capped.create_capped, self._pg.reader, [request], [cap])
            except RowsRefused as exc:
                raise translate(exc.__cause__ or exc) from None
            if isinstance(info, Conflict):
                raise info
            return info
        if cap is not None:
            return await self._create_capped(request, cap)
        return await self._write(crud.create_session, *request)

    async def _create_capped(self, request: NewSession, cap: SessionCap) -> SessionInfo:
        found, _ = await self._write(crud.create_session_rows, [request], cap)
        return rows.session_info(found[0])

    async def get_session(self, session_id: str) -> SessionInfo | None:
        if self._session_reads is not None and "\x00" not in session_id:  # (NUL: refused as through the pool)
            return await self._pg_read(self._session_reads.get, session_id)
        return await self._read(crud.get_session, session_id)

    async def list_sessions(self, *, owner: str | None = None, limit: int = 100) -> list[SessionInfo]:
        return await self._read(crud.list_sessions, owner, limit)

    async def count_sessions(self, owner: str, active_since: float) -> int:
        return await self._read(crud.count_sessions, owner, active_since)

    # policies -----------------------------------------------------------
    async def server_policies(self) -> tuple[int, list[PolicySpec]]:
        cached = self._server_policies
        ahead = self._pg.ahead("server_version") if self._pg is not None else None
        if ahead is not None and cached is not None and cached[0] == ahead.server_version:
            return cached[0], list(cached[1])
        found = await self._read(crud.server_policies_since, self._server_policies)
        self._server_policies = found
        return found[0], list(found[1])

    async def add_server_policy(self, spec: PolicySpec) -> PolicySpec:
        spec = replace(spec, level="server", id=spec.id or new_policy_id("server"))
        return await self._write(crud.add_server_policy, spec)

    async def get_server_policy(self, policy_id: str) -> PolicySpec | None:
        return await self._read(crud.get_server_policy, policy_id)

    async def update_server_policy(self, policy_id: str, **changes: object) -> PolicySpec:
        return await self._write(crud.update_server_policy, policy_id, changes)

    async def delete_server_policy(self, policy_id: str) -> None:
        await self._write(crud.delete_server_policy, policy_id)

    async def session_policies(self, session_id: str) -> tuple[int, list[PolicySpec]]:
        cached = self._session_policies.get(session_id)
        ahead = self._pg.ahead("session_version", session_id) if self._pg is not None else None
        if ahead is not None and not ahead.row["policies_version"]:
            return 0, []
        if ahead is not None and cached is not None and cached[0] == ahead.row["policies_version"]:
            return cached[0], list(cached[1])
        found = await self._read(crud.session_policies_since, session_id, cached)
        if found is not cached and found[0]:
            if len(self._session_policies) > 10_000:
                self._session_policies.clear()
            self._session_policies[session_id] = found
        return found[0], list(found[1])

    async def add_session_policy(self, session_id: str, spec: PolicySpec) -> PolicySpec:
        spec = replace(spec, level="session", id=spec.id or new_policy_id("session"))
        return await self._write(crud.add_session_policy, session_id, spec)

    async def update_session_policy(self, session_id: str, policy_id: str, **changes: object) -> PolicySpec:
        return await self._write(crud.update_session_policy, session_id, policy_id, changes)

    async def delete_session_policy(self, session_id: str, policy_id: str) -> None:
        await self._write(crud.delete_session_policy, session_id, policy_id)

    # approvals and audit --------------------------------------------------
    async def get_approval(self, approval_id: str) -> ApprovalRecord | None:
        return await self._read(crud.get_approval, approval_id)

    async def list_approvals(
        self,
        *,
        status: str | None = None,
        owner: str | None = None,
        session_id: str | None = None,
        limit: int | None = None,
    ) -> list[ApprovalRecord]:
        filters = {"status": status, "owner": owner, "session_id": session_id}
        return await self._read(crud.list_approvals, filters, limit)

    async def approved_approvals(self, session_id: str, digest: str) -> list[ApprovalRecord]:
        """The session's approved, unused approvals of the action ``digest`` (``SessionTx``'s)."""
        return await self._read(crud.approved_approvals, session_id, digest)

    async def waiting_approvals(self, session_id: str, now: float, limit: int) -> int:
        """The session's pending approvals unexpired at ``now``, counted up to ``limit`` (``SessionTx``'s)."""
        return await self._read(crud.waiting_approvals, session_id, now, limit)

    async def answerable_approvals(self, session_id: str, digest: str, now: float) -> list[ApprovalRecord]:
        """What a ``tool_result`` of the call ``digest`` may answer (``SessionTx``'s)."""
        return await self._read(crud.answerable_approvals, session_id, digest, now)

    async def audit_entries(self, **filters: object) -> list[JsonObject]:
        session_id, owner, before, limit = (filters.get(k) for k in ("session_id", "owner", "before", "limit"))
        return await self._read(
            crud.audit_entries,
            None if session_id is None else str(session_id),
            None if owner is None else str(owner),
            None if before is None else int(cast("int", before)),
            None if limit is None else int(cast("int", limit)),
        )

    # agents, usage, tokens ------------------------------------------------
    async def put_agent(self, name: str, yaml_text: str) -> None:
        await self._write(crud.put_agent, name, yaml_text)

    async def list_agents(self) -> list[tuple[str, str]]:
        return await self._read(crud.list_agents)

    async def usage_records(self, session_id: str) -> list[UsageRecord]:
        return await self._read(crud.usage_records, session_id)

    async def usage_totals(self, session_ids: list[str]) -> dict[str, JsonObject]:
        return await self._read(crud.running_totals, session_ids)

    async def pending_counts(self, session_ids: list[str]) -> dict[str, int]:
        return await self._read(counts.pending_counts, session_ids)

    async def pending_total(self) -> int:
        return await self._read(counts.pending_total)

    async def create_token(self, record: TokenRecord, cap: TokenCap | None = None) -> None:
        await self._write(crud.create_token, record, cap)

    async def find_token(self, token_hash: str) -> TokenRecord | None:
        return await self._read(crud.find_token, token_hash)

    async def get_token(self, token_id: str) -> TokenRecord | None:
        return await self._read(crud.get_token, token_id)

    async def list_tokens(self, user: str | None = None) -> list[TokenRecord]:
        return await self._read(crud.list_tokens, user)

    async def revoke_token(self, token_id: str) -> None:
        await self._write(crud.revoke_token, token_id)
