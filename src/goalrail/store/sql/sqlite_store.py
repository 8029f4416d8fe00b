"""SqliteStore: the SQL store on SQLite, with decisions committed in groups.

SQLite has one writer per file.  Holding it for a whole evaluation (snapshot →
policies → commit) made every session wait for the slowest policy of any
session, and each decision paid a dozen statements.  Here an evaluation
(``transaction(…, optimistic=True)``, which the runtime asks for and retries on
:class:`StaleSnapshot`) holds only its session's lock: the snapshot comes from
the cache (``sqlite_cache``), the commit is applied to the cache and handed to
the group commit (``sqlite_commit``), and the session's lock is released when
that batch is committed, so the next decision of the session sees it.

Every other transaction (approvals, usage records, reads of a snapshot, and an
evaluation retried after ``StaleSnapshot``) holds the writer throughout, as
``SqlStore`` does, under the session's lock too; what it wrote is dropped from
the cache afterwards, and named in the change log: its session, and its owner
only when it wrote the owner's state or cost of the day (a decision evaluated
again that changed neither leaves every store's view of the owner as it was).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any, TypeVar, TypeVarTuple

from sqlalchemy import Connection

from goalrail.engine.snapshot import Snapshot
from goalrail.engine.spec import PolicySpec
from goalrail.engine.state import read_only, updatable
from goalrail.errors import Conflict, NotFound
from goalrail.jsontypes import JsonObject
from goalrail.runtime.ports import HISTORY_LIMIT, ApprovalRecord, Commit, SessionInfo
from goalrail.runtime.quota import SessionCap
from goalrail.store.sql import crud, rows
from goalrail.store.sql.changes import SessionRows, lock_session, row_usage_totals
from goalrail.store.sql.crud import NewSession
from goalrail.store.sql.errors import STORE_ERRORS, translate
from goalrail.store.sql.new_sessions import created_capped_rows
from goalrail.store.sql.owners import Effect
from goalrail.store.sql.rows import SessionRow
from goalrail.store.sql.runner import Fn, SqliteRunner
from goalrail.store.sql.sqlite_cache import Cache, Entry
from goalrail.store.sql.sqlite_commit import GroupCommit, Pending, Views
from goalrail.store.sql.sqlite_log import Changes, admin_changes
from goalrail.store.sql.sqlite_values import row_values, state_values
from goalrail.store.sql.statements import loads, query
from goalrail.store.sql.store import SqlStore
from goalrail.store.sql.tx import SqlTx, build_snapshot

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


class SqliteStore(SqlStore):
    runner: SqliteRunner

    def __init__(self, runner: SqliteRunner, url: str) -> None:
        super().__init__(runner, url)
        self.cache = Cache(runner, str(runner.engine.url.database))
        self.group = GroupCommit(runner, self.cache)
        self._locks: dict[str, tuple[asyncio.Lock, list[int]]] = {}
        self._ensuring: dict[str, asyncio.Future[SessionInfo]] = {}

    async def close(self) -> None:
        await self.new_sessions.close()
        await self.group.close()
        self.cache.close()
        await super().close()

    async def _write(self, fn: Fn[*Ts, T], *args: *Ts) -> T:
        """Administration (policies, agents, tokens): no state rows, only policy lists change."""
        try:
            return await self._logged(admin_changes(fn, args), fn, *args)
        finally:
            self.cache.clear_policies()

    # New rows nothing cached depends on: no cache to drop; the rows created seed it.  Written
    # on the loop as a decision batch is (``_held_write``), capped ones too (``new_sessions``).
    async def _create_many(
        self, requests: list[NewSession], caps: list[SessionCap | None]
    ) -> list[SessionInfo | Conflict]:
        mark = self.cache.mark()
        found, created = await self._held_write(Changes({r[0] for r in requests}), created_capped_rows, requests, caps)
        infos = iter(self.cache.seed(([r for r in found if not isinstance(r, Conflict)], created), mark))
        return [r if isinstance(r, Conflict) else next(infos) for r in found]

    async def _create_one(self, request: NewSession, cap: SessionCap | None = None) -> SessionInfo:
        mark = self.cache.mark()
        made = await self._held_write(Changes({request[0]}), crud.create_session_rows, [request], cap)
        return self.cache.seed(made, mark)[0]

    async def _held_write(self, changes: Changes, fn: Fn[*Ts, T], *args: *Ts) -> T:
        """``fn`` in a transaction of its own, run on the loop like a decision batch: it holds
        the store's writer for the statements' own microseconds, not for the worker thread's
        turns at the GIL (``runner.write``: 15-35 ms each under load, every batch waiting)."""
        try:
            async with self.runner.hold() as held:
                held.changes = changes
                return await held.run(fn, *args)
        except STORE_ERRORS as exc:
            raise translate(exc) from None

    async def _logged(self, changes: Changes, fn: Fn[*Ts, T], *args: *Ts) -> T:
        try:
            return await self.runner.write(fn, *args, changes=changes)
        except STORE_ERRORS as exc:
            raise translate(exc) from None

    # -- cached reads ------------------------------------------------------
    async def ensure_session(
        self,
        session_id: str,
        *,
        owner: str | None = None,
        agent: str | None = None,
        labels: dict[str, str] | None = None,
        cap: SessionCap | None = None,
    ) -> SessionInfo:
        self.cache.current()
        entry = self.cache.sessions.get(session_id)
        if entry is not None:
            return rows.session_info(entry.row)
        info = self.cache.infos.get(session_id)
        if info is None:
            # Concurrent first events of a session wait for one read (and one insert).
            task = self._ensuring.get(session_id)
            if task is None:
                task = asyncio.ensure_future(self._ensure(session_id, owner, agent, labels, cap))
                self._ensuring[session_id] = task
                task.add_done_callback(lambda _: self._ensuring.pop(session_id, None))
            info = await asyncio.shield(task)
        return replace(info, labels=dict(info.labels))

    async def _ensure(
        self,
        session_id: str,
        owner: str | None,
        agent: str | None,
        labels: dict[str, str] | None,
        cap: SessionCap | None,
    ) -> SessionInfo:
        epoch, seen = self.cache.epoch, self.cache.seen
        info = await self._read(crud.get_session, session_id)
        if info is None:  # (created with the others asked for meanwhile, capped or not: ``new_sessions``)
            info = await self.new_sessions.create((session_id, owner, agent, dict(labels or {})), cap)
        if self.cache.unchanged(("s", session_id), seen, epoch):
            if len(self.cache.infos) > 10_000:
                self.cache.infos.clear()
            self.cache.infos[session_id] = info
        return info

    async def session_policies(self, session_id: str) -> tuple[int, list[PolicySpec]]:
        found = self.cache.session_policies.get(session_id)
        if found is None:
            epoch, seen = self.cache.epoch, self.cache.seen
            found = await SqlStore.session_policies(self, session_id)
            if len(self.cache.session_policies) > 10_000:
                self.cache.session_policies.clear()
            if self.cache.unchanged(("s", session_id), seen, epoch):
                self.cache.session_policies[session_id] = found
        return found[0], list(found[1])

    async def server_policies(self) -> tuple[int, list[PolicySpec]]:
        found = self.cache.server_policies
        if found is None:
            epoch, seen = self.cache.epoch, self.cache.seen
            found = await SqlStore.server_policies(self)
            if self.cache.unchanged(("p", ""), seen, epoch):
                self.cache.server_policies = found
        return found[0], list(found[1])

    async def entry(self, session_id: str) -> Entry | None:
        entry = self.cache.sessions.get(session_id)
        if entry is None:
            cache = self.cache
            epoch, seen = cache.epoch, cache.seen
            landings = cache.owners.landings
            loaded = await self._read(_load_session, session_id)
            if loaded is None:
                return None
            entry = Entry(*loaded)
            if len(cache.sessions) > 10_000:
                cache.sessions.clear()
                cache.infos.clear()
            if cache.unchanged(("s", session_id), seen, epoch):  # (else: used once, by the caller)
                cache.sessions[session_id] = entry
            owner_key = entry.row["owner"] or ""
            if cache.owners.landings == landings and cache.unchanged(("o", owner_key), seen, epoch):
                cache.owners.get(owner_key).learn(entry.found.user_state, None, None)  # (read with the session)
        return entry

    def owner_known(self, owner_key: str, user_day: str) -> tuple[JsonObject, float | None] | None:
        """``owner_view``'s answer when the cache knows it (no read), else None."""
        owner = self.cache.owners.get(owner_key)
        if owner.user is None or user_day not in owner.costs:
            return None
        return owner.predicted(user_day)

    async def owner_view(self, owner_key: str, user_day: str) -> tuple[JsonObject, float | None]:
        """The owner's state and cost of ``user_day`` (None: no row) as this store's
        queued decisions will leave them (``sqlite_owners``)."""
        cache = self.cache
        owner = cache.owners.get(owner_key)
        if owner.user is None or user_day not in owner.costs:
            epoch, seen, landings = cache.epoch, cache.seen, cache.owners.landings
            user, cost = await self._read(_owner_rows, owner_key, user_day)
            kept = cache.owners.known.get(owner_key) is owner and cache.owners.landings == landings
            if not (kept and cache.unchanged(("o", owner_key), seen, epoch)):
                return owner.shown(user, user_day, cost)  # something changed meanwhile: keep nothing
            owner.learn(user, user_day, cost)
        return owner.predicted(user_day)

    # -- transactions ------------------------------------------------------
    def transaction(self, session_id: str, *, optimistic: bool = False) -> Any:
        if optimistic and session_id not in self.cache.fallback:
            return _Grouped(self, session_id)
        return self._held(session_id)

    @asynccontextmanager
    async def _held(self, session_id: str) -> AsyncIterator[SqlTx]:
        lock = self.lock_for(session_id)
        await lock.acquire()
        self.cache.fallback.discard(session_id)
        owner: str | None = None
        try:
            async with self.runner.hold() as held:
                held.changes = changes = Changes({session_id})
                row = await held.run(lock_session, session_id)
                if row is None:
                    raise NotFound(f"session `{session_id}` not found")
                tx = SqlTx(held, row)
                try:
                    yield tx
                finally:  # the owner is named (and dropped) only when its rows were written
                    if tx.owner_written:
                        owner = row["owner"] or ""
                        changes.owners.add(owner)
        except STORE_ERRORS as exc:
            raise translate(exc) from None
        finally:
            self.cache.drop(session_id, owner)
            self.unlock(session_id, lock)

    def lock_for(self, session_id: str) -> asyncio.Lock:
        lock, users = self._locks.setdefault(session_id, (asyncio.Lock(), [0]))
        users[0] += 1
        return lock

    def unlock(self, session_id: str, lock: asyncio.Lock) -> None:
        lock.release()
        found = self._locks.get(session_id)
        if found is not None and found[0] is lock:
            found[1][0] -= 1
            if not found[1][0]:
                del self._locks[session_id]

    def pending(self, entry: Entry, c: Commit, epoch: int, seen: int, views: Views | None = None) -> Pending:
        """``c`` applied to the cached session (write-through) and its statements (``views``:
        what the decision's snapshots showed of its owner's state)."""
        row, found, sid = entry.row, entry.found, entry.row["id"]
        texts = found.texts
        steps, values = row_values(row, c)
        if c.session_updates:
            known = found.state
            state_values("session_state", (sid,), c.session_updates, known, texts.setdefault(("s", ""), {}), values)
        for ns, upds in c.policy_updates.items():
            known = updatable(found.policy_states, ns)
            state_values("policy_state", (sid, ns), upds, known, texts.setdefault(("p", ns), {}), values)
        if c.history is not None:
            found.history.append(read_only(c.history))  # shared by the snapshots: read-only
            del found.history[:-HISTORY_LIMIT]
        if c.grants:  # (replaced, not changed: snapshots share the set)
            found.grants = found.grants | set(c.grants)
        if c.usage is not None:
            entry.usage = None  # (the row's totals changed)
        for a in (c.approval, c.resolve_approval):  # (the runtime's are pending or applied)
            if a is None:
                continue
            if a.status == "approved":
                entry.approved.add(a.digest)
            if a.status == "pending":
                entry.pending.add(a.id, a.expires_at, a.digest)
            else:  # (answered in the client, used)
                entry.pending.remove(a.id)
        return Pending(sid, row["owner"] or "", epoch, seen, steps, c, row, values, views, Effect.of(c))


class _Grouped:
    """``async with``: the session's lock, released once its commit is written."""

    __slots__ = ("session_id", "store", "tx")

    def __init__(self, store: SqliteStore, session_id: str) -> None:
        self.store, self.session_id = store, session_id
        self.tx: GroupedTx | None = None

    async def __aenter__(self) -> GroupedTx:
        store = self.store
        lock = store.lock_for(self.session_id)
        await lock.acquire()
        try:  # (the runtime's ensure_session just checked the cache is current)
            cache = store.cache
            epoch, seen = cache.epoch, cache.seen
            entry = cache.sessions.get(self.session_id)  # (the usual case, without a coroutine)
            if entry is None:
                entry = await store.entry(self.session_id)
        except BaseException:
            store.unlock(self.session_id, lock)
            raise
        if entry is None:
            store.unlock(self.session_id, lock)
            raise NotFound(f"session `{self.session_id}` not found")
        self.tx = GroupedTx(store, entry, epoch, seen, lock)
        return self.tx

    async def __aexit__(self, *exc: object) -> None:
        tx, store = self.tx, self.store
        assert tx is not None
        pending = tx.pending
        if pending is not None and not pending.landed:  # cancelled while waiting: unlock once written
            pending.after = lambda: store.unlock(self.session_id, tx.lock)
        else:
            store.unlock(self.session_id, tx.lock)


class GroupedTx:
    def __init__(self, store: SqliteStore, entry: Entry, epoch: int, seen: int, lock: asyncio.Lock) -> None:
        self.store, self.entry, self.epoch, self.seen, self.lock = store, entry, epoch, seen, lock
        self.pending: Pending | None = None  # its commit, once handed to the group commit
        self.views: Views = []  # what its snapshots showed of the owner

    async def snapshot(self, *, user_day: str) -> Snapshot:
        entry = self.entry
        row = entry.row
        owner_key = row["owner"] or ""
        known = self.store.owner_known(owner_key, user_day)  # (the usual case, without a coroutine)
        user_state, cost = known if known is not None else await self.store.owner_view(owner_key, user_day)
        self.views.append((user_day, user_state, cost))  # (checked by the group commit)
        shown = round(cost, 10) if cost is not None else 0.0
        if entry.usage is None:
            entry.usage = row_usage_totals(row)
        return build_snapshot(row, entry.found, user_state, user_day, shown, entry.usage)

    async def commit(self, commit: Commit) -> None:
        try:
            pending = self.store.pending(self.entry, commit, self.epoch, self.seen, self.views)
        except BaseException:  # half applied to the cache: forget the session
            self.store.cache.drop(self.entry.row["id"], None)
            raise
        # Awaited as it is: a cancelled wait cancels the future, which the group commit then
        # leaves as it is (the decision is written all the same, and the session's lock
        # released once it is: ``Pending.after``).
        future = self.store.group.submit(pending)
        self.pending = pending
        await future

    async def get_approval(self, approval_id: str) -> ApprovalRecord | None:
        return await self.store.get_approval(approval_id)

    async def list_approvals(self, *, status: str | None = None, session_id: str | None = None) -> list[ApprovalRecord]:
        return await self.store.list_approvals(status=status, session_id=session_id)

    async def approved_approvals(self, session_id: str, digest: str) -> list[ApprovalRecord]:
        if session_id == self.entry.row["id"] and digest not in self.entry.approved:
            return []  # (the entry knows its session's approved digests: no read)
        return await self.store.approved_approvals(session_id, digest)

    async def waiting_approvals(self, session_id: str, now: float, limit: int) -> int:
        if session_id == self.entry.row["id"]:
            return self.entry.pending.count(now, limit)  # (the entry knows its session's pending approvals: no read)
        return await self.store.waiting_approvals(session_id, now, limit)

    async def answerable_approvals(self, session_id: str, digest: str, now: float) -> list[ApprovalRecord]:
        if session_id == self.entry.row["id"] and not self.entry.pending.may_answer(digest, now):
            return []  # (none of its call is pending: no read)
        return await self.store.answerable_approvals(session_id, digest, now)


def _owner_rows(conn: Connection, owner_key: str, day: str) -> tuple[JsonObject, float | None]:
    """The owner's state and cost of ``day`` (None: no row)."""
    user = {k: loads(v) for k, v in query(conn, "user_state.get", {"owner": owner_key})}
    found = query(conn, "day_cost", {"owner": owner_key, "day": day})
    return user, float(found[0][0]) if found else None


def _load_session(
    conn: Connection, session_id: str
) -> tuple[SessionRow, SessionRows, set[str], dict[str, tuple[float, str]]] | None:
    row = lock_session(conn, session_id)
    if row is None:
        return None
    found = SessionRows(query(conn, "kv", {"sid": session_id, "owner": row["owner"] or ""}))
    approved = {r[0] for r in query(conn, "approvals.approved_digests", {"sid": session_id})}
    pending = {i: (float(at), digest) for i, at, digest in query(conn, "approvals.pending_of", {"sid": session_id})}
    return row, found, approved, pending
