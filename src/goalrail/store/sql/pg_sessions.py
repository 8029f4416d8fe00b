"""New sessions on PostgreSQL in one round trip (``new_sessions.NewSessions``' writes).

The rows asked for are inserted by one statement, in id order (two writers of
overlapping sets lock them in the same order), an existing row left alone, then
read back by a second one: both sent at once on one of the decision reads' kept
connections (``pg_reads.Reader``), in the one transaction a round trip without
``BEGIN`` is, as ``crud.create_sessions`` does in a transaction through the pool
(four round trips: ``BEGIN``, the inserts, the read, ``COMMIT``).  The read,
a statement of its own under READ COMMITTED, sees a row another writer created
meanwhile: the stored row, with its first writer's owner, agent and labels.

A statement the database refuses for what a row holds (a data exception or a
constraint, SQLSTATE classes 22 and 23) is ``RowsRefused``: each creation of the
batch is then written alone; any other failure is the transaction's own.  So is a NUL
character, which PostgreSQL's text cannot hold (refused before anything is sent).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

import psycopg
from psycopg.rows import TupleRow

from goalrail.runtime.ports import SessionInfo
from goalrail.store.sql import rows
from goalrail.store.sql.crud import NewSession
from goalrail.store.sql.new_sessions import RowsRefused
from goalrail.store.sql.pg_queue import Queued
from goalrail.store.sql.pg_reads import Reader
from goalrail.store.sql.statements import SESSION_FIELDS, USAGE_FIELDS

_ZEROS = ("policies_version", "history_count", *USAGE_FIELDS)
CREATE = (
    "INSERT INTO sessions (id, owner, agent, labels, model, harness, ended, created_at, last_activity, "
    + ", ".join(_ZEROS)
    + ") SELECT q.id, q.owner, q.agent, CAST(q.labels AS json), NULL, NULL, NULL, CAST(q.at AS float8), "
    + "CAST(q.at AS float8), "
    + ", ".join("0" for _ in _ZEROS)
    + " FROM unnest(CAST(%(ids)s AS text[]), CAST(%(owners)s AS text[]), CAST(%(agents)s AS text[]), "
    "CAST(%(labels)s AS text[]), CAST(%(ats)s AS text[])) AS q(id, owner, agent, labels, at) "
    "ORDER BY q.id ON CONFLICT (id) DO NOTHING"
)
READ = (
    "SELECT CAST(json_build_array("
    + ", ".join(f"s.{name}" for name in SESSION_FIELDS)
    + ") AS text) FROM sessions s WHERE s.id = ANY(CAST(%(ids)s AS text[]))"
)
_REFUSED = ("22", "23")  # SQLSTATE classes: data exception, integrity constraint violation


async def create_sessions(reader: Reader, requests: list[NewSession]) -> list[SessionInfo]:
    """Each session of ``requests`` created unless its row exists (the first request of an
    id gives its owner, agent and labels), then the stored rows; a refused row fails the
    whole batch as ``RowsRefused`` (nothing of it written)."""
    params = values(requests)
    try:
        _, found = await reader.round_trip([(CREATE, params), (READ, {"ids": params["ids"]})])
    except psycopg.Error as exc:
        if is_refused(exc):
            raise RowsRefused from exc
        raise
    stored = infos(found)
    return [stored[request[0]] for request in requests]


def values(requests: Sequence[NewSession]) -> dict[str, Sequence[str | None]]:
    """``CREATE``'s parameters for ``requests`` (the first request of an id gives its
    row); ``RowsRefused`` for a NUL character, before anything is sent."""
    made: dict[str, tuple[str | None, str | None, str, str]] = {}
    for session_id, owner, agent, labels in requests:
        if session_id not in made:
            made[session_id] = (owner, agent, json.dumps(labels), repr(time.time()))  # (each its own time)
    ids = sorted(made)
    owners, agents = [made[k][0] for k in ids], [made[k][1] for k in ids]
    if any("\x00" in text for text in [*ids, *owners, *agents] if text is not None):
        # (as psycopg refuses such a parameter, before sending; inside an array the server
        # would stop reading it there and refuse the array)
        raise RowsRefused from psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
    return {
        "ids": ids,
        "owners": owners,
        "agents": agents,
        "labels": [made[k][2] for k in ids],
        "ats": [made[k][3] for k in ids],
    }


def is_refused(exc: psycopg.Error) -> bool:
    """Whether the database refused what a row holds (not the transaction's own failure)."""
    return (exc.sqlstate or "")[:2] in _REFUSED


def infos(found: list[TupleRow]) -> dict[str, SessionInfo]:
    """``READ``'s rows by session id."""
    stored = {}
    for (text,) in found:
        row = dict(zip(SESSION_FIELDS, json.loads(text), strict=True))
        stored[row["id"]] = rows.session_info(row)
    return stored


class SessionReads:
    """``get_session`` on PostgreSQL: the sessions asked for while one read is in flight
    read together by the next one (``READ``, one statement on a kept connection of the
    decision reads), not each through the pool.  Over HTTP a new session's first event
    looks its session up before and after it is created."""

    LIMIT = 64  # sessions per statement at most

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self._queued: Queued[str, SessionInfo | None] = Queued(self._read, self.LIMIT)
        self.reads = 0  # statements run (for tests and benchmarks)

    async def get(self, session_id: str) -> SessionInfo | None:
        return await self._queued.get(session_id)

    async def close(self) -> None:
        await self._queued.close()

    async def _read(self, ids: list[str]) -> list[SessionInfo | None]:
        self.reads += 1
        stored = infos(await self.reader.fetch(READ, {"ids": sorted(set(ids))}))
        return [stored.get(sid) for sid in ids]
