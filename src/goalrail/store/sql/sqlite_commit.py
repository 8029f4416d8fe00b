"""Group commit on SQLite: the pending decisions of every session in one transaction.

A decision's commit is computed on the event loop (``sqlite_store``) and handed
here as a :class:`Pending`; one writer task takes everything pending, writes it
in one ``BEGIN IMMEDIATE … COMMIT`` (on the loop, as every SQLite write that
holds the lock: see ``runner.py``) and only then resolves each decision's
future — acknowledged ⇒ committed.  While a batch is being written the next
one gathers.  Each session has at most one pending
decision (its lock is held until the future resolves), so per-session order
is the order of the futures.

The audit chain is sealed here, in the batch's order: hashing
stays off the request path and happens before any acknowledgement.  The
owner's state spans sessions: it is checked and changed in the batch's order
(``sqlite_owners``), and written once per key.

The batch first reads the change log under the write lock
(``Cache.catch_up``): a decision whose session another process changed since
its snapshot (or evaluated on caches dropped whole since) is not written and
fails with :class:`StaleSnapshot` (it is evaluated again, holding the writer
throughout).  Then each decision's view of its owner's state is checked in
order against the state the batch computes (``sqlite_owners.check``): one that
does not hold fails the same way.  The others are written.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from goalrail.jsontypes import JsonObject
from goalrail.runtime.ports import Commit, StaleSnapshot
from goalrail.store.sql import rows
from goalrail.store.sql.changes import sealed_values
from goalrail.store.sql.errors import STORE_ERRORS, translate
from goalrail.store.sql.owners import Effect
from goalrail.store.sql.rows import SessionRow
from goalrail.store.sql.runner import SqliteRunner, sqlite_conn
from goalrail.store.sql.sqlite_log import Changes
from goalrail.store.sql.sqlite_owners import Checked, check

if TYPE_CHECKING:
    from goalrail.store.sql.sqlite_cache import Cache

from goalrail.store.sql.sqlite_values import POSITIONAL, Positional, approval_row, execute_rows
from goalrail.store.sql.statements import Params, Step, for_dialect, query

log = logging.getLogger("goalrail.store")


#: What a decision's snapshots showed of its owner's state: (day, user state, cost of the day or None).
Views = list[tuple[str, JsonObject, float | None]]


class Pending:
    """One decision's writes, waiting for the next batch."""

    __slots__ = (
        "after",
        "commit",
        "effect",
        "epoch",
        "future",
        "landed",
        "owner_key",
        "row",
        "seen",
        "session_id",
        "steps",
        "values",
        "views",
    )

    def __init__(
        self,
        session_id: str,
        owner_key: str,
        epoch: int,
        seen: int,
        steps: list[Step],
        commit: Commit,
        row: SessionRow,
        values: list[Positional],
        views: Views | None = None,
        effect: Effect | None = None,
    ) -> None:
        self.session_id = session_id
        self.owner_key = owner_key
        self.epoch = epoch  # the cache generation its snapshot came from
        self.seen = seen  # the newest write generation applied to the cache then
        self.steps = steps  # day cost, grants
        self.commit = commit  # user updates, audit entry, usage record and approvals are taken from it
        self.row = row  # the session row (usage and approval rows need id and owner)
        self.values = values  # state, history entry and session row (``POSITIONAL``'s statements)
        self.views: Views = [] if views is None else views
        self.effect = effect  # what it changes in the owner's state
        self.future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.landed = False  # its batch ended (written, stale or failed): ``future`` is resolved unless cancelled
        #: called then (its waiter was cancelled: the session's unlock)
        self.after: Callable[[], None] | None = None


class AuditHead:
    """The audit chain's head as this store's last batch left it, ``(seq, hash)`` or None
    (an empty chain), with what the cache saw once it committed (its look count and the
    generation committed).  A later batch that finds the same (nothing committed since by
    this store or by any other connection: ``Cache.catch_up``, ``Cache.own_commit``) seals
    onto it without reading it."""

    __slots__ = ("known", "leaves", "left")

    def __init__(self) -> None:
        self.known: tuple[tuple[int, str] | None, int, int] | None = None
        self.left: tuple[int, str] | None = None  # the head the batch being written leaves
        self.leaves = False  # ... when known

    def current(self, cache: Cache) -> tuple[bool, tuple[int, str] | None]:
        """(True, the head) when it is the one the last batch left; else (False, None)."""
        known = self.known
        if known is None or known[1] != cache.looks or known[2] != cache.seen:
            return False, None
        return True, known[0]

    def committed(self, cache: Cache, gen: int | None) -> None:
        """After a batch, which committed generation ``gen`` (None: not committed, or nothing)."""
        ok = self.leaves and gen is not None and gen == cache.seen
        self.known = (self.left, cache.looks, gen) if ok and gen is not None else None
        self.leaves, self.left = False, None


class GroupCommit:
    """The writer task.  ``cache.done(items, error)`` lets the store update or
    drop cache entries before the futures resolve."""

    def __init__(self, runner: SqliteRunner, cache: Cache) -> None:
        self.runner = runner
        self.cache = cache
        self._pending: list[Pending] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.head = AuditHead()
        self.batches = self.decisions = self.stale = 0  # counters (what a batch holds on average)

    def submit(self, item: Pending) -> asyncio.Future[None]:
        self._pending.append(item)
        if item.effect is not None:  # shown to the snapshots taken from now on (``sqlite_owners``)
            self.cache.owners.queue(item.owner_key, item.effect)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="goalrail-sqlite-commit")
        self._wake.set()
        return item.future

    async def close(self) -> None:
        """Write what is pending, then stop."""
        task = self._task
        if task is None:
            return
        self._closing = True
        self._wake.set()
        await task

    async def _run(self) -> None:
        while True:
            if not self._pending:
                if self._closing:
                    return
                await self._wake.wait()
                self._wake.clear()
                continue
            items, self._pending = self._pending, []
            await self._flush(items)

    async def _flush(self, items: list[Pending]) -> None:
        error: BaseException | None = None
        stale: list[Pending] = []
        owners = self.cache.owners
        keys = {item.owner_key for item in items}
        owners.take_off(keys)
        found: Checked | None = None
        gen: int | None = None
        try:
            async with self.runner.hold() as held:
                held.changes = changes = Changes()
                stale, found = await held.run(write_batch, items, self.cache, changes, self.head)
            gen = held.gen
            if len(stale) < len(items):
                self.batches += 1
                self.decisions += len(items) - len(stale)
        except STORE_ERRORS as exc:
            error = translate(exc)
        except Exception as exc:  # never leave a decision waiting
            log.exception("group commit failed")
            error = exc
        finally:  # (committed, or not: nothing is known of what the database holds)
            owners.landed(found if error is None else None, keys)
            self.head.committed(self.cache, gen if error is None else None)
        if stale:
            ids = {id(item) for item in stale}
            items = [item for item in items if id(item) not in ids]
        self.cache.done(items, error)
        _resolve(items, error)
        if stale:
            self.stale += len(stale)
            changed = StaleSnapshot("evaluated on data another writer changed")
            self.cache.done(stale, changed)
            _resolve(stale, changed)


def _resolve(items: list[Pending], error: BaseException | None) -> None:
    for item in items:
        item.landed = True
        if item.future.done():  # cancelled: the decision is written all the same
            if item.after is not None:
                item.after()
            continue
        if error is None:
            item.future.set_result(None)
        elif isinstance(error, StaleSnapshot):
            item.future.set_exception(StaleSnapshot(item.session_id))
        else:
            item.future.set_exception(error)


def write_batch(
    conn: Connection, items: list[Pending], cache: Cache, changes: Changes, known: AuditHead | None = None
) -> tuple[list[Pending], Checked]:
    """Every write of ``items`` still current, in one transaction (``changes``: what
    it changed, for the log); the stale ones are returned, not written, with what the
    batch found and left of its owners' state.  ``known``: the audit head this store's
    last batch left (read only when something else may have committed since)."""
    raw = sqlite_conn(conn)
    cache.catch_up(raw)
    epoch, floor, touched = cache.epoch, cache.floor, cache.touched  # (nobody else wrote: nothing touched)
    current = [
        i
        for i in items
        if i.epoch == epoch and not ((touched or i.seen < floor) and cache.changed(("s", i.session_id), i.seen))
    ]
    held, found = check(raw, current, cache.owners)
    stale: list[Pending] = []
    if len(held) < len(items):
        ids = {id(item) for item in held}
        stale = [item for item in items if id(item) not in ids]
        items = held
    changes.sessions.update(item.session_id for item in items)
    changes.owners.update(item.owner_key for item in items if item.effect is not None)
    by_name: dict[str, list[Params]] = {}
    for item in items:
        for name, params in item.steps:
            by_name.setdefault(name, []).extend([params] if isinstance(params, Mapping) else params or [])
    for name, params in found.writes:
        by_name.setdefault(name, []).extend(params)
    positional: dict[str, list[tuple[object, ...]]] = {}
    for item in items:
        for name, row in item.values:
            positional.setdefault(name, []).append(row)
    audits = [item.commit.audit for item in items if item.commit.audit is not None]
    found_head, head = known.current(cache) if known is not None else (False, None)
    if audits:
        if not found_head:
            head_rows = query(conn, "audit.head")
            head = (int(head_rows[0][0]), str(head_rows[0][1])) if head_rows else None
        sealed: list[tuple[object, ...]] = []
        for entry in audits:
            row = sealed_values(entry, head)
            sealed.append(row)
            head = (row[0], row[6])
        positional["audit.put"] = sealed
        found_head = True
    if known is not None:
        known.leaves, known.left = found_head, head
    # Usage records and approvals last; an approval is inserted before any resolution.
    usage: list[Params] = []
    approvals: list[tuple[object, ...]] = []
    resolved: list[tuple[object, ...]] = []
    for item in items:
        c = item.commit
        if c.usage is not None:
            usage.append(rows.usage_values(item.row["id"], item.row["owner"], c.usage))
        if c.approval is not None:
            approvals.append(approval_row(c.approval))
        if c.resolve_approval is not None:
            resolved.append(approval_row(c.resolve_approval, resolve=True))
    # One driver connection and statement table for the batch (not one lookup per statement).
    sql = for_dialect("sqlite")
    for name, params in by_name.items():
        raw.executemany(sql[name], params)
    for name, values in positional.items():
        execute_rows(raw, name, values)
    if usage:
        raw.executemany(sql["usage.put"], usage)
    if approvals:
        execute_rows(raw, "approval.put", approvals)
    if resolved:
        raw.executemany(POSITIONAL["approval.resolve"], resolved)
    return stale, found
