"""What a SQLite store keeps in memory between decisions: session rows and
state, each owner's user state and daily cost (``sqlite_owners``), policy lists.

Every write to these rows made by this process goes through the store, which
updates (decisions: write-through) or drops (everything else) what is cached,
so a decision reads nothing from the database.  Another process may write the
same file (a second replica, a CLI opening the database): each decision first
asks SQLite whether another connection committed since (``PRAGMA data_version``
on the loop's writing connection, which this store's own commits there leave as
it was) and, when one did, reads the change log after the last generation it
applied (``sqlite_log``) and drops only what other writers changed: those
sessions, owners and policy lists.  ``touched`` remembers the generation of each
such change, so a decision evaluated on a session before
another writer changed it is evaluated again (the group commit asks, under the
write lock, after reading the log there too).  A gap in the log, or a writer
that could not say what it changed, drops everything; ``epoch`` counts those
drops, and a decision evaluated on data from before one is evaluated again.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from goalrail.jsontypes import JsonObject
from goalrail.runtime.ports import SessionInfo, StaleSnapshot
from goalrail.store.sql import rows
from goalrail.store.sql.changes import SessionRows
from goalrail.store.sql.crud import Versioned
from goalrail.store.sql.rows import SessionRow
from goalrail.store.sql.runner import SqliteRunner
from goalrail.store.sql.sqlite_log import Changes, Row, read_since
from goalrail.store.sql.sqlite_owners import Owners
from goalrail.store.waiting import Waiting

if TYPE_CHECKING:
    from goalrail.store.sql.sqlite_commit import Pending


class Entry:
    """One session: its row and its rows of state (the group commit writes both through),
    the digests of its approvals whose status is ``approved`` (an ASK looks for one of
    its action's; without it, the lookup is answered here) and its pending approvals
    (``store.waiting``: an ASK counts those unexpired, a ``tool_result`` looks for its call's:
    answered here, or read only when there is one).  An approval becomes approved, or leaves
    pending other than by a decision's commit (which the group commit writes through), only in
    a transaction of its own session that holds the writer, after which the entry is dropped
    (``SqliteStore._held``; another process's: the change log names the session)."""

    __slots__ = ("approved", "found", "pending", "row", "usage")

    def __init__(
        self,
        row: SessionRow,
        found: SessionRows,
        approved: set[str],
        pending: dict[str, tuple[float, str]] | None = None,
    ) -> None:
        self.row = row
        self.found = found
        self.approved = approved
        self.pending = Waiting(pending)  # unless seen expired (``Waiting.count``)
        self.usage: JsonObject | None = None  # the row's usage totals as snapshots show them (built once)


#: ``Cache.mark``: the epoch, the generation seen and the count of local drops.
Mark = tuple[int, int, int]
#: A changed thing in ``Cache.touched``: ("s", session id), ("o", owner), ("p", "").
Key = tuple[str, str]
#: Changes remembered (more: forgotten at once, and older snapshots count as stale).
TOUCHED_LIMIT = 4096


class Cache:
    def __init__(self, runner: SqliteRunner, path: str) -> None:
        self.runner = runner
        self.sessions: dict[str, Entry] = {}
        # Sessions read but not cached in `sessions` (yet, or any more: dropped together).
        self.infos: dict[str, SessionInfo] = {}
        self.owners = Owners()
        self.session_policies: dict[str, Versioned] = {}
        self.server_policies: Versioned | None = None
        self.fallback: set[str] = set()  # sessions whose next decision holds the writer throughout
        self.epoch = 0
        self.dropped = 0  # sessions or policy lists forgotten after this process wrote them (``seed``)
        self.seen = runner.start_gen  # the newest write generation applied (nothing cached yet)
        self.touched: dict[Key, int] = {}  # what other writers changed → in which generation
        self.floor = self.seen  # `touched` holds every change made after this generation
        # (connection, its ``PRAGMA data_version``) when the log was last read on it: while it
        # reads the same there, no other connection committed since (``check``).
        self._look: tuple[sqlite3.Connection, int] | None = None
        self.looks = 0  # times the log was read, or the look given up (``AuditHead``)
        self._looked = False  # `check` ran since the event loop last polled for I/O (``current``)
        runner.on_commit = self.own_commit

    def close(self) -> None:
        self.runner.on_commit = None

    def check(self) -> None:
        """Apply what other writers committed since we last looked.

        Asked on the loop's writing connection: its ``data_version`` moves with every
        commit but its own, which are this store's (the group commit's, its held
        transactions'), whose log rows name nothing to drop and which ``own_commit``
        already counted; so while it reads the same, the log is not read."""
        try:
            self._read_log(self.runner.loop_conn())
        except (sqlite3.Error, SQLAlchemyError):  # cannot tell: assume the worst, and look again next time
            self._look = None
            self.looks += 1
            self.clear()

    def _read_log(self, conn: sqlite3.Connection) -> bool:
        """The log read on ``conn`` and applied, unless no connection but ``conn`` committed
        since it was last read there (then True)."""
        version = int(conn.execute("PRAGMA data_version").fetchall()[0][0])
        look = self._look
        if look is not None and look[0] is conn and look[1] == version:
            return True
        self._look = None  # (until applied)
        self.looks += 1
        self.apply(*read_since(conn, self.seen))
        self._look = conn, version
        return False

    def own_commit(self, gen: int) -> None:
        """This store committed generation ``gen``: when every one before it was applied, so
        is it (its log row is this store's own: nothing to drop), and the log is not read for it."""
        if self.seen == gen - 1:
            self.seen = gen

    def current(self) -> None:
        """``check``, unless one ran since the event loop last ran a callback queued
        before it.

        A decision must see what was committed before its request could be sent
        (a write another process acknowledged first), so before its bytes were
        read.  Bytes read before a check: it saw that commit.  Bytes read after
        one: whatever runs in response (a task step, a woken future) is queued
        after the ``_expire`` that check queued, and the loop runs its queue in
        order (asyncio's and uvloop's ``call_soon`` are first in, first out), so
        it looks again.  One look then serves every decision the loop handles in
        the meantime (with many connections, several)."""
        if self._looked:
            return
        self.check()
        self._looked = True
        asyncio.get_running_loop().call_soon(self._expire)

    def _expire(self) -> None:
        self._looked = False

    def catch_up(self, conn: sqlite3.Connection) -> bool:
        """``check`` on ``conn``, which holds the write lock (nothing can commit meanwhile):
        ``seen`` is then the database's write generation.  True: nothing but this store's
        own commits on ``conn`` since the last look there."""
        return self._read_log(conn)

    def apply(self, gen: int, rows: list[Row]) -> None:
        """Drop what the log rows after ``seen`` name, up to generation ``gen``."""
        me, at = self.runner.writer, self.seen
        whole = gen < at
        for seq, writer, keys in rows:
            at += 1
            if seq != at:  # trimmed past what we saw
                whole = True
                break
            if writer != me:
                whole = self._drop_changed(seq, Changes.decode(keys)) or whole
        if whole or at != gen:  # a gap: a writer that keeps no log
            self.clear()
        self.seen = gen
        if whole or at != gen or len(self.touched) > TOUCHED_LIMIT:
            self.touched.clear()
            self.floor = gen

    def _drop_changed(self, seq: int, changes: Changes) -> bool:
        """Drop what another writer changed in generation ``seq``; True: everything."""
        if changes.everything:
            return True
        for sid in changes.sessions:
            self.sessions.pop(sid, None)
            self.infos.pop(sid, None)
            self.session_policies.pop(sid, None)
            self.touched["s", sid] = seq
        for owner in changes.owners:
            self.drop_owner(owner)
            self.touched["o", owner] = seq
        if changes.server_policies:
            self.server_policies = None
            self.touched["p", ""] = seq
        return False

    def changed(self, key: Key, since: int) -> bool:
        """Did another writer change ``key`` after generation ``since``? (True when unsure.)"""
        return since < self.floor or self.touched.get(key, 0) > since

    def unchanged(self, key: Key, since: int, epoch: int) -> bool:
        """May a read begun at (``since``, ``epoch``) be cached?"""
        return epoch == self.epoch and not self.changed(key, since)

    def clear(self) -> None:
        self.sessions.clear()
        self.infos.clear()
        self.owners.forget_all()
        self.clear_policies()
        self.epoch += 1

    def clear_policies(self) -> None:
        self.dropped += 1
        self.session_policies.clear()
        self.server_policies = None

    def drop(self, session_id: str, owner_key: str | None) -> None:
        """Forget a session (and its owner's rows) written outside the group commit."""
        self.dropped += 1
        self.sessions.pop(session_id, None)
        self.infos.pop(session_id, None)
        if owner_key is not None:
            self.drop_owner(owner_key)

    def mark(self) -> Mark:
        """What ``seed`` compares: taken before the creation transaction."""
        return self.epoch, self.seen, self.dropped

    def seed(self, made: tuple[list[SessionRow], bool], mark: Mark) -> list[SessionInfo]:
        """The infos of sessions just created (``crud.create_session_rows``: their rows as
        read back), and their entries, so their first decisions read nothing.

        Only rows this transaction created are known to have nothing else (no state,
        history, grants or approvals, policy version 0); a row that existed (another
        writer's, whose owner, agent and labels it keeps) is read as before.  Nor is a
        session seeded that another writer changed since ``mark`` (the change log, as
        for a read), or when this process forgot a session or the policy lists meanwhile
        (a write of its own may have followed the creation); a later write by another
        writer drops the entry as any other (``apply``)."""
        found, created = made
        infos = [rows.session_info(row) for row in found]
        epoch, seen, dropped = mark
        if not created or dropped != self.dropped:
            return infos
        if len(self.sessions) > 10_000:
            self.sessions.clear()
            self.infos.clear()
        if len(self.session_policies) > 10_000:
            self.session_policies.clear()
        for row in found:
            sid = row["id"]
            if sid not in self.sessions and self.unchanged(("s", sid), seen, epoch):
                self.sessions[sid] = Entry({**row, "labels": dict(row["labels"])}, SessionRows(()), set())
                self.session_policies[sid] = (0, [])
        return infos

    def drop_owner(self, owner_key: str) -> None:
        self.owners.forget(owner_key)

    def done(self, items: list[Pending], error: BaseException | None) -> None:
        """After a batch (its owners: ``Owners.landed``): a failed decision's session
        is forgotten."""
        for item in items:
            if error is not None:
                self.sessions.pop(item.session_id, None)
                self.infos.pop(item.session_id, None)
                if isinstance(error, StaleSnapshot):
                    self.fallback.add(item.session_id)
