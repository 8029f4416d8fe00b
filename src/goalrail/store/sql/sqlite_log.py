"""The change log on SQLite: what each write transaction changed, for the other
processes sharing the file.

Every write transaction of a SQLite store bumps the write generation
(``meta.write_gen``) and, in the same transaction, appends one ``change_log``
row: ``seq`` = that generation, ``writer`` = the store's random id, ``keys`` =
what it changed that a store caches (sessions, owners, the server's policy list,
or "everything" when the writer cannot tell).  So the rows are numbered without
gaps: a store that last applied generation ``n`` reads the rows after ``n`` and
drops only what they name (``sqlite_cache.Cache.catch_up``).  A gap (the log
was trimmed past ``n``, or a writer that keeps no log bumped the generation)
cannot be told apart from "anything changed": every cache is dropped.

The log is kept bounded: every ``TRIM_EVERY`` generations the writer deletes
the rows older than ``KEEP`` generations.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Sequence

from goalrail.store.sql import crud

#: Rows kept: a store that reads the log less often than every ``KEEP``
#: transactions (an idle one) drops every cache instead.
KEEP = 4096
TRIM_EVERY = 256

_PUT = "INSERT INTO change_log (seq, writer, keys) VALUES (?, ?, ?)"
_TRIM = "DELETE FROM change_log WHERE seq <= ?"
# One statement (one read snapshot): the rows after a generation, and the generation now.
_SINCE = (
    "SELECT seq, writer, keys FROM change_log WHERE seq > ? "
    "UNION ALL SELECT value, NULL, NULL FROM meta WHERE key = 'write_gen'"
)


#: ``json.dumps(value, separators=(",", ":"))``, without building an encoder per call.
_COMPACT = json.JSONEncoder(separators=(",", ":")).encode


def new_writer_id() -> int:
    """A random id for one store (two stores in one process are two writers)."""
    return int.from_bytes(os.urandom(7), "big")


class Changes:
    """What one write transaction changed that a store may cache."""

    __slots__ = ("everything", "owners", "server_policies", "sessions")

    def __init__(
        self,
        sessions: set[str] | None = None,
        owners: set[str] | None = None,
        *,
        server_policies: bool = False,
        everything: bool = False,
    ) -> None:
        self.sessions = sessions if sessions is not None else set()
        self.owners = owners if owners is not None else set()
        self.server_policies = server_policies
        self.everything = everything

    def encode(self) -> str:
        if self.everything:
            return '{"*":1}'
        found: dict[str, object] = {"s": list(self.sessions), "o": list(self.owners)}
        if self.server_policies:
            found["p"] = 1
        return _COMPACT(found)

    @classmethod
    def decode(cls, text: str) -> Changes:
        """The row's changes; anything unreadable is "everything"."""
        try:
            found = json.loads(text)
            if not isinstance(found, dict) or "*" in found:
                return cls(everything=True)
            sessions, owners = found.get("s", []), found.get("o", [])
            if not isinstance(sessions, list) or not isinstance(owners, list):
                return cls(everything=True)
            return cls({str(s) for s in sessions}, {str(o) for o in owners}, server_policies=bool(found.get("p")))
        except ValueError:
            return cls(everything=True)


#: A log row: (generation, writer id, keys).
Row = tuple[int, int, str]


def read_since(conn: sqlite3.Connection, seen: int) -> tuple[int, list[Row]]:
    """The database's write generation (0 before the first logged write) and the log rows after ``seen``."""
    gen = 0
    rows: list[Row] = []
    for seq, writer, keys in conn.execute(_SINCE, (seen,)).fetchall():
        if writer is None:
            gen = int(seq)
        else:
            rows.append((int(seq), int(writer), str(keys)))
    rows.sort()
    return gen, rows


def append(conn: sqlite3.Connection, gen: int, writer: int, changes: Changes) -> None:
    """Log generation ``gen`` (inside its transaction), and trim the log now and then."""
    conn.execute(_PUT, (gen, writer, changes.encode()))
    if gen % TRIM_EVERY == 0:
        conn.execute(_TRIM, (gen - KEEP,))


_SESSION_POLICY_WRITES = (crud.add_session_policy, crud.update_session_policy, crud.delete_session_policy)
# an agent spec's upload moves the server-wide version too (each process then reads the specs again)
_SERVER_POLICY_WRITES = (crud.add_server_policy, crud.update_server_policy, crud.delete_server_policy, crud.put_agent)
_UNCACHED_WRITES = (crud.create_token, crud.revoke_token)  # nothing a store caches


def admin_changes(fn: Callable[..., object], args: Sequence[object]) -> Changes:
    """What the administrative write ``fn(conn, *args)`` changes (any other: everything)."""
    if fn is crud.create_session or fn in _SESSION_POLICY_WRITES:
        return Changes({str(args[0])})
    if fn in _SERVER_POLICY_WRITES:
        return Changes(server_policies=True)
    if fn in _UNCACHED_WRITES:
        return Changes()
    return Changes(everything=True)
