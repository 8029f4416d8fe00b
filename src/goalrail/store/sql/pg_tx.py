"""Optimistic evaluations on PostgreSQL: one read, no lock while policies run,
and a group commit.

The decision path of a session on PostgreSQL used to lock the session row
(``SELECT … FOR UPDATE``) before its snapshot and hold it, with a connection,
until its commit: a dozen statements and a transaction per decision.  Here
(``transaction(optimistic=True)``):

* the snapshot is **one statement** on an autocommit connection: the session
  row, its state, the owner's state and the owner's cost of the day;
* policies run holding only this process's lock on the session (decisions of
  one session in one replica never overlap, so they never go stale against
  each other);
* the owner's state and cost of the day are shown as this replica's queued
  decisions will leave them (``pg_owners.py``), so decisions of one owner in
  one replica do not go stale against each other;
* the commit joins the replica's next **group commit** (``pg_batch.py``): one
  transaction locks every session row of the batch, checks that each snapshot
  still holds, writes every decision and its audit row, and commits once.  A
  snapshot that no longer holds (another replica committed on the same session
  or owner meanwhile) raises :class:`StaleSnapshot`, unless only the owner's
  state changed and the decision says exactly the same on it (``stands``:
  ``Commit.recheck``); the runtime evaluates again holding the row lock
  throughout, so each replica stays exact.

A decision is acknowledged only once its batch has committed.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from goalrail.engine.snapshot import Snapshot
from goalrail.errors import NotFound
from goalrail.jsontypes import JsonObject
from goalrail.policies.schema import StateUpdate
from goalrail.runtime.ports import ApprovalRecord, Commit
from goalrail.store.sql import crud
from goalrail.store.sql.changes import SessionRows
from goalrail.store.sql.errors import STORE_ERRORS, translate
from goalrail.store.sql.owners import same_decision
from goalrail.store.sql.pg_group import GroupCommit
from goalrail.store.sql.pg_owners import Effect, Owners, same_state
from goalrail.store.sql.pg_reads import Ahead, Reader, list_approvals, read_decision
from goalrail.store.sql.runner import PostgresRunner
from goalrail.store.sql.tx import SqlTx, build_snapshot

T = TypeVar("T")


class _NotHeld:
    """Nothing is held between the snapshot and the commit."""

    async def run(self, fn: Any, *args: Any) -> Any:  # pragma: no cover - never called
        raise RuntimeError("an optimistic PostgreSQL transaction holds no connection")


class PgTx(SqlTx):
    """One evaluation's snapshot (one statement) and commit (through the group commit)."""

    def __init__(self, reader: Reader, group: GroupCommit, session_id: str, ahead: Ahead | None) -> None:
        super().__init__(_NotHeld(), {"id": session_id})
        self.reader = reader
        self.runner = reader.runner
        self.group = group
        self.ahead = ahead
        self.rows = SessionRows(())  # what the snapshot read (its session rows are the cache's: never changed)
        self.written: list[tuple[str, str, str, str | None]] = []  # the state rows its commit wrote (``pg_batch``)
        self.history_written: str | None = None  # and its history entry (JSON text)
        self.approved = True  # whether the snapshot's read found an approved approval of the session
        self.committed = False
        self.effect: Effect | None = None  # what the commit changes in the owner's state (``pg_owners``)
        self.user_seen: JsonObject = {}  # the owner's state and cost of the day the snapshot showed
        self.cost_seen: float | None = None

    async def snapshot(self, *, user_day: str) -> Snapshot:
        sid, found = self.row["id"], self.ahead
        self.ahead = None
        if found is None or found.day != user_day:
            try:
                found = await read_decision(self.reader, sid, user_day)
            except STORE_ERRORS as exc:
                raise translate(exc) from None
        if not found.row:
            raise NotFound(f"session `{sid}` not found")
        self.row, self._row_read, self._day = found.row, dict(found.row), user_day
        read, self.approved = found.rows, found.approved
        self.rows = read
        self._state, self._policy_states = read.state, read.policy_states
        owner = self.row["owner"] or ""
        self.user_seen, self.cost_seen = self.group.owners.predict(owner, user_day, read.user_state, found.day_cost)
        shown = round(self.cost_seen, 10) if self.cost_seen is not None else 0.0
        return build_snapshot(self.row, read, self.user_seen, user_day, shown)

    async def commit(self, commit: Commit) -> None:
        if self._day is None or self.committed:
            raise RuntimeError("an optimistic PostgreSQL transaction commits once, after its snapshot")
        self.committed = True
        await self.group.commit(self, commit)

    async def get_approval(self, approval_id: str) -> ApprovalRecord | None:
        return await self._read(crud.get_approval, approval_id)

    async def list_approvals(self, *, status: str | None = None, session_id: str | None = None) -> list[ApprovalRecord]:
        if status == "approved" and session_id == self.row["id"] and not self.approved:
            return []  # the snapshot's read found none (read a moment earlier, as the snapshot itself)
        if status is not None and session_id is not None:  # what evaluations ask: no SQLAlchemy on the path
            try:
                return await list_approvals(self.reader, status, session_id)
            except STORE_ERRORS as exc:
                raise translate(exc) from None
        return await self._read(crud.list_approvals, {"status": status, "session_id": session_id})

    async def approved_approvals(self, session_id: str, digest: str) -> list[ApprovalRecord]:
        if session_id == self.row["id"] and not self.approved:
            return []  # the snapshot's read found none: no round trip between snapshot and commit
        return await self._read(crud.approved_approvals, session_id, digest)

    async def waiting_approvals(self, session_id: str, now: float, limit: int) -> int:
        try:  # (what an ASK asks: no SQLAlchemy on the path)
            return await self.reader.waiting(session_id, now, limit)
        except STORE_ERRORS as exc:
            raise translate(exc) from None

    async def answerable_approvals(self, session_id: str, digest: str, now: float) -> list[ApprovalRecord]:
        return await self._read(crud.answerable_approvals, session_id, digest, now)

    async def _read(self, fn: Callable[..., T], *args: Any) -> T:
        """Reads inside an optimistic transaction hold nothing: plain reads."""
        try:
            return await self.runner.read(fn, *args)
        except STORE_ERRORS as exc:
            raise translate(exc) from None

    @property
    def day(self) -> str:
        return str(self._day)

    def holds(self, row: dict[str, Any] | None, user: JsonObject, day_cost: float | None) -> bool:
        """Whether the snapshot still holds: the session row unchanged, the owner's state
        (parsed values) and cost of the day as it showed them."""
        return row == self._row_read and day_cost == self.cost_seen and same_state(user, self.user_seen)

    def stands(self, row: dict[str, Any] | None, user: JsonObject, day_cost: float | None, commit: Commit) -> bool:
        """Whether the decision may be written: its snapshot holds, or the session row is
        unchanged and the decision, evaluated again on the owner's state and cost of the
        day as the batch has them at its place, says exactly what it said
        (``owners.same_decision``: another replica's reservation it did not depend on)."""
        if self.holds(row, user, day_cost):
            return True
        return row == self._row_read and same_decision(commit, user, day_cost)

    def known(self, updates: Sequence[StateUpdate], ns: str | None = None) -> dict[str, Any]:
        """The values of the keys ``updates`` touch in the session's state (``ns`` None) or
        a policy's state, as the snapshot read them: a copy of those keys only (an update
        reads and writes its own key; a namespace may hold thousands)."""
        values = (self._state or {}) if ns is None else (self._policy_states or {}).get(ns, {})
        return {u["key"]: values[u["key"]] for u in updates if u["key"] in values}


class PgDecisions:
    """This process's optimistic transactions on PostgreSQL: per-session locks, the
    group commit, and the read-ahead.

    An evaluation asks, in turn, for its session, the session's and the server's
    policy versions, then opens its transaction and takes a snapshot.
    ``read_ahead`` (called for the session) reads all of that in one statement
    and keeps it for the task that asked; the calls that follow in the same task
    use it once each, until the task next waits (then what is left is dropped: a
    later call of the task, after other tasks may have written, reads again).
    Reading them together is reading them a moment earlier: the commit checks the
    snapshot still holds, as it does for one read later.
    """

    def __init__(self, runner: PostgresRunner) -> None:
        self.runner = runner
        self.reader = Reader(runner)
        self.group = GroupCommit(runner, Owners(), self.reader.cache)
        self._locks: dict[str, tuple[asyncio.Lock, list[int]]] = {}
        self._ahead: weakref.WeakKeyDictionary[asyncio.Task[Any], dict[str, Any]] = weakref.WeakKeyDictionary()

    async def read_ahead(self, session_id: str) -> dict[str, Any]:
        """The session row (empty if there is none), keeping the rest for this task."""
        day = time.strftime("%Y-%m-%d", time.gmtime())
        found = await read_decision(self.reader, session_id, day, True)
        task = asyncio.current_task()
        if found.row and task is not None:
            self._ahead[task] = {"session": found, "session_version": found, "server_version": found}
            # Forgotten once the task lets the loop run (it waits: other tasks may write).  A read
            # always waits, so this cannot drop the parts of a later read-ahead of the task.
            asyncio.get_running_loop().call_soon(self._ahead.pop, task, None)
        elif task is not None:
            self._ahead.pop(task, None)
        return found.row

    def ahead(self, part: str, session_id: str | None = None) -> Ahead | None:
        """The read-ahead's ``part`` if this task has it unused (for ``session_id``)."""
        task = asyncio.current_task()
        parts = self._ahead.get(task) if task is not None else None
        found: Ahead | None = parts.pop(part, None) if parts else None
        if found is None or (session_id is not None and found.session_id != session_id):
            return None
        return found

    async def close(self) -> None:
        """Wait for the group commit in flight, then close the read connections."""
        await self.group.close()
        await self.reader.close()

    @asynccontextmanager
    async def transaction(self, session_id: str) -> AsyncIterator[PgTx]:
        lock, users = self._locks.setdefault(session_id, (asyncio.Lock(), [0]))
        users[0] += 1
        ahead = self.ahead("session", session_id)
        if lock.locked():  # an evaluation of this session runs now: what was read ahead will not hold
            ahead = None
        try:
            async with lock:
                yield PgTx(self.reader, self.group, session_id, ahead)
        finally:
            users[0] -= 1
            if not users[0]:
                self._locks.pop(session_id, None)
