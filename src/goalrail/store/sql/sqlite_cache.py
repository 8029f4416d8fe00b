"""What a SQLite store keeps in memory between decisions: session rows and
state, each owner's user state and daily cost, policy lists.

Every write to these rows made by this process goes through the store, which
updates (decisions: write-through) or drops (everything else) what is cached,
so a decision reads nothing from the database.  Another process may write the
same file (a second replica, a CLI opening the database): each decision first
asks SQLite whether anything was committed since (``PRAGMA data_version`` on a
connection of our own, and, when something was, the write generation), and the
group commit checks the generation under the write lock before writing.  A
write we did not make drops every cache; ``epoch`` counts those drops, so a
decision evaluated on data from before one is evaluated again.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from goalrail.jsontypes import JsonObject
from goalrail.runtime.ports import SessionInfo, StaleSnapshot
from goalrail.store.sql.changes import SessionRows
from goalrail.store.sql.crud import Versioned
from goalrail.store.sql.rows import SessionRow
from goalrail.store.sql.runner import SqliteRunner

if TYPE_CHECKING:
    from goalrail.store.sql.sqlite_commit import Pending


class Entry:
    """One session: its row and its rows of state (the group commit writes both through)."""

    __slots__ = ("found", "row")

    def __init__(self, row: SessionRow, found: SessionRows) -> None:
        self.row = row
        self.found = found


class Cache:
    def __init__(self, runner: SqliteRunner, path: str) -> None:
        self.runner = runner
        self.sessions: dict[str, Entry] = {}
        # Sessions read but not cached in `sessions` (yet, or any more: dropped together).
        self.infos: dict[str, SessionInfo] = {}
        self.user_state: dict[str, JsonObject] = {}
        self.day_cost: dict[str, dict[str, float]] = {}  # owner → UTC day → cost
        self.session_policies: dict[str, Versioned] = {}
        self.server_policies: Versioned | None = None
        self.fallback: set[str] = set()  # sessions whose next decision holds the writer throughout
        self.epoch = 0
        self._watch = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._data_version = self._read_data_version()

    def close(self) -> None:
        self._watch.close()

    def _read_data_version(self) -> int:
        return int(self._watch.execute("PRAGMA data_version").fetchone()[0])

    def check(self) -> None:
        """Drop everything if another process committed since we last looked."""
        try:
            version = self._read_data_version()
            if version == self._data_version:
                return
            self._data_version = version
            found = self._watch.execute("SELECT value FROM meta WHERE key = 'write_gen'").fetchall()
        except sqlite3.Error:  # cannot tell: assume the worst
            self.clear()
            return
        gen = int(found[0][0]) if found else None
        if gen not in (self.runner.gen, self.runner.prev_gen):
            self.clear()

    def clear(self) -> None:
        self.sessions.clear()
        self.infos.clear()
        self.user_state.clear()
        self.day_cost.clear()
        self.clear_policies()
        self.epoch += 1

    def clear_policies(self) -> None:
        self.session_policies.clear()
        self.server_policies = None

    def stranger(self, gen: int | None) -> None:
        """The group commit met a write it did not expect (see ``sqlite_commit``)."""
        self.clear()
        self.runner.gen, self.runner.prev_gen = gen, None

    def drop(self, session_id: str, owner_key: str | None) -> None:
        """Forget a session (and its owner's rows) written outside the group commit."""
        self.sessions.pop(session_id, None)
        self.infos.pop(session_id, None)
        if owner_key is not None:
            self.drop_owner(owner_key)

    def drop_owner(self, owner_key: str) -> None:
        self.user_state.pop(owner_key, None)
        self.day_cost.pop(owner_key, None)

    def done(self, items: list[Pending], error: BaseException | None) -> None:
        """After a batch: its owners' rows are read afresh next time (they changed in
        the transaction, not here); a failed decision's session is forgotten."""
        for item in items:
            c = item.commit
            if c.user_updates or c.usage is not None:
                self.drop_owner(item.owner_key)
            if error is not None:
                self.sessions.pop(item.session_id, None)
                self.infos.pop(item.session_id, None)
                if isinstance(error, StaleSnapshot):
                    self.fallback.add(item.session_id)
