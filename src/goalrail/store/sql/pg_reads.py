"""What an optimistic evaluation reads on PostgreSQL (``pg_tx.py``): one statement,
sent straight to psycopg, and a per-session cache of the session's own rows.

**One statement.**  The session row, the owner's cost of the day and state, the
session's key/value state, history and grants (and, read ahead, the server-wide
policies' version) come back as one result, one row per value told apart by
``kind``.  It runs on a pooled autocommit connection through the driver itself
(no SQLAlchemy statement, result or greenlet on the path).

**The session's rows, cached.**  A session's state, policy state, history and
grants are what a decision reads most (the runtime's provenance namespace alone
holds a row per recorded request or tool result: thousands in a long session),
and between two decisions of one session they change only by what the first
one wrote.  So each replica keeps them per session, parsed, with a *version*:
the ``xmin`` of the ``sessions`` row, the id of the transaction that last wrote
it.  Every transaction that writes those rows also updates the session row
(both commit paths write it whole), so while the row keeps its ``xmin`` the
rows are as that transaction left them.  The statement reads the version and,
only when it differs from the one the replica holds, the rows themselves: in
one statement, hence from one snapshot of the database.  After a group commit
the replica knows the rows exactly (what the snapshot showed, with the batch's
writes applied, parsed from the JSON text written) and the version (the
``UPDATE … RETURNING xmin`` of the batch), so the next decision of the session
reads no session rows at all.  A write by another replica or on the row-lock
path changes the version: the next read brings the rows.  Transaction ids wrap
around after 2^32 transactions; an entry is trusted only within ``MAX_AGE_S``
of the read that last proved it current, far less than any database takes to
use 2^32 transaction ids.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import orjson
import psycopg
from psycopg.rows import TupleRow
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import QueuePool

from goalrail.jsontypes import JsonObject, JsonValue
from goalrail.runtime.ports import HISTORY_LIMIT, ApprovalRecord
from goalrail.store.sql.changes import SessionRows
from goalrail.store.sql.pg_conn import Kept, connect, discard
from goalrail.store.sql.pg_queue import Queued
from goalrail.store.sql.pg_wire import Driver, round_trip
from goalrail.store.sql.rows import SessionRow
from goalrail.store.sql.runner import PostgresRunner
from goalrail.store.sql.statements import APPROVAL_FIELDS, APPROVAL_JSON, SESSION_FIELDS, Params, load_history_entry
from goalrail.store.sql.tables import SERVER_POLICIES_VERSION

_S = ", ".join(f"s.{name}" for name in SESSION_FIELDS)
#: Everything the decisions of several sessions read, in one statement (one snapshot):
#: one row per value, told apart by `kind` and by `i`, the position of the read in
#: the arrays (0 for what every read shares).  'r' is the session row as a JSON array,
#: its version in `key`; 'd' the owner's cost of the day; 'u' the owner's state; the
#: session's own rows ('s', 'p', 'h', 'g') only when its version is not the one this
#: replica holds (`known`); 'a' whether it has an approved approval (without one, an
#: ASK needs no lookup); 'v' the server-wide policies' version.
READ_DECISIONS = (
    "WITH q AS (SELECT * FROM unnest(CAST(%(sids)s AS text[]), CAST(%(known)s AS text[]), "
    "CAST(%(days)s AS text[])) WITH ORDINALITY AS q(sid, known, day, i)), "
    "r AS (SELECT q.i, q.sid, q.day, COALESCE(s.owner, '') AS owner, CAST(s.xmin AS text) AS version, "
    "q.known IS DISTINCT FROM CAST(s.xmin AS text) AS changed, "
    f"CAST(json_build_array({_S}) AS text) AS row FROM q JOIN sessions s ON s.id = q.sid) "
    "SELECT r.i, 'r' AS kind, '' AS ns, r.version AS key, r.row AS value FROM r "
    "UNION ALL SELECT r.i, 'd', '', '', CAST(x.cost_usd AS text) FROM r "
    "JOIN usage_days x ON x.owner = r.owner AND x.day = r.day "
    "UNION ALL SELECT r.i, 'u', '', x.key, CAST(x.value AS text) FROM r JOIN user_state x ON x.owner = r.owner "
    "UNION ALL SELECT r.i, 's', '', x.key, CAST(x.value AS text) FROM r "
    "JOIN session_state x ON x.session_id = r.sid WHERE r.changed "
    "UNION ALL SELECT r.i, 'p', x.namespace, x.key, CAST(x.value AS text) FROM r "
    "JOIN policy_state x ON x.session_id = r.sid WHERE r.changed "
    "UNION ALL SELECT r.i, 'h', '', CAST(x.n AS VARCHAR(20)), CAST(x.entry AS text) FROM r "
    "JOIN history x ON x.session_id = r.sid WHERE r.changed "
    "UNION ALL SELECT r.i, 'g', '', x.key, NULL FROM r JOIN grants x ON x.session_id = r.sid WHERE r.changed "
    "UNION ALL SELECT r.i, 'a', '', '', NULL FROM r WHERE EXISTS "
    "(SELECT 1 FROM approvals x WHERE x.session_id = r.sid AND x.status = 'approved') "
    "UNION ALL SELECT 0, 'v', '', '', CAST(value AS text) FROM meta WHERE key = %(meta)s"
)
#: One read's rows: (kind, namespace, key, value).
Found = list[TupleRow]

LIST_APPROVALS = (
    "SELECT "
    + ", ".join(f"CAST({n} AS text)" if n in APPROVAL_JSON else n for n in APPROVAL_FIELDS)
    + " FROM approvals WHERE status = %(status)s AND session_id = %(sid)s ORDER BY created_at, id"
)

#: The approvals of several sessions waiting for an answer, each counted up to its limit
#: (``crud.waiting_approvals``' statement, ``approvals.waiting``, once per session):
#: through ``ix_approvals_waiting``, no row decoded; `i` the count's place in the arrays.
WAITING = (
    "SELECT q.i, (SELECT count(*) FROM (SELECT 1 FROM approvals a WHERE a.session_id = q.sid "
    "AND a.status = 'pending' AND a.expires_at > CAST(q.now AS float8) LIMIT CAST(q.lim AS integer)) AS w) "
    "FROM unnest(CAST(%(sids)s AS text[]), CAST(%(nows)s AS text[]), CAST(%(limits)s AS text[])) "
    "WITH ORDINALITY AS q(sid, now, lim, i)"
)


class Reader:
    """This replica's decision reads: autocommit connections of the read engine kept
    checked out between reads (a checkout and its return through SQLAlchemy's pool cost
    more than the read itself), at most all but two of its pool, so other reads
    always find one; and the sessions' rows (``cache``)."""

    LIMIT = 64  # decision reads per statement

    def __init__(self, runner: PostgresRunner) -> None:
        self.runner = runner
        self.cache = SessionCache()
        size = (
            runner.read_engine.sync_engine.pool.size()
            if isinstance(runner.read_engine.sync_engine.pool, QueuePool)
            else 3
        )
        self._slots = asyncio.Semaphore(max(1, size - 2))
        self._idle: list[Kept] = []
        self._decisions: Queued[tuple[str, str, str | None], Found] = Queued(self._read, self.LIMIT)
        self._waiting: Queued[tuple[str, float, int], int] = Queued(self._count_waiting, self.LIMIT)
        self.reads = 0  # statements run (for tests and profiling)
        self.decisions = 0  # decision reads they answered

    async def decision(self, session_id: str, day: str, known: str | None) -> Found:
        """``READ_DECISIONS``' rows for one session (its own rows only if its version is
        not ``known``), read in one statement with the decision reads queued while the
        one before was in flight."""
        return await self._decisions.get((session_id, day, known))

    async def waiting(self, session_id: str, now: float, limit: int) -> int:
        """``crud.waiting_approvals``: the session's pending approvals unexpired at ``now``,
        counted up to ``limit``, in one statement with the counts queued meanwhile (an
        ASK asks it, between its snapshot and its commit: a plain read)."""
        return await self._waiting.get((session_id, now, limit))

    async def _read(self, items: list[tuple[str, str, str | None]]) -> list[Found]:
        params = {
            "sids": [sid for sid, _, _ in items],
            "known": [known for _, _, known in items],
            "days": [day for _, day, _ in items],
            "meta": SERVER_POLICIES_VERSION,
        }
        found = await self.fetch(READ_DECISIONS, params)
        self.decisions += len(items)
        out: list[Found] = [[] for _ in items]
        shared: Found = []
        for i, kind, ns, key, value in found:
            (out[i - 1] if i else shared).append((kind, ns, key, value))
        return [rows + shared for rows in out]

    async def _count_waiting(self, items: list[tuple[str, float, int]]) -> list[int]:
        params = {
            "sids": [sid for sid, _, _ in items],
            "nows": [repr(float(now)) for _, now, _ in items],
            "limits": [str(int(limit)) for _, _, limit in items],
        }
        counts: dict[int, int] = dict(await self.fetch(WAITING, params))
        return [counts[i + 1] for i in range(len(items))]

    async def fetch(self, sql: str, params: Params) -> list[TupleRow]:
        """One statement, through libpq directly (``pg_wire``)."""
        (found,) = await self.round_trip([(sql, params)])
        return found

    async def round_trip(self, steps: list[tuple[str, Params]]) -> list[list[TupleRow]]:
        """Statements in one round trip on a kept connection (in one transaction, which
        ends with it: ``pg_wire.round_trip``); each one's rows."""
        self.reads += 1
        async with self._slots:
            conn, driver = self._idle.pop() if self._idle else await connect(self.runner.read_engine)
            try:
                found = await round_trip(driver, steps)
            except BaseException:  # broken, or cancelled mid-read: its state is unknown
                await discard(conn)
                raise
            self._idle.append((conn, driver))
            return found

    @asynccontextmanager
    async def kept(self) -> AsyncIterator[Driver]:
        """A kept connection for a transaction over several round trips (the block's own
        ``BEGIN`` … ``COMMIT``), rolled back if the block fails, thrown away if that fails
        too or the block is cancelled (its state unknown)."""
        self.reads += 1
        async with self._slots:
            conn, driver = self._idle.pop() if self._idle else await connect(self.runner.read_engine)
            try:
                yield driver
            except psycopg.Error:
                if await _rolled_back(conn, driver):
                    self._idle.append((conn, driver))
                raise
            except BaseException:
                await discard(conn)
                raise
            self._idle.append((conn, driver))

    async def close(self) -> None:
        """Wait for the decision reads in flight (and those queued), then close the connections."""
        await self._decisions.close()
        await self._waiting.close()
        idle, self._idle = self._idle, []
        for conn, _ in idle:
            await conn.close()


async def _rolled_back(conn: AsyncConnection, driver: Driver) -> bool:
    """Whether ``driver``'s failed transaction rolled back (else ``conn`` is thrown away)."""
    try:
        await round_trip(driver, [("ROLLBACK", None)])  # (not psycopg's: it would deallocate)
    except Exception:
        await discard(conn)
        return False
    except BaseException:
        await discard(conn)
        raise
    return True


async def list_approvals(reader: Reader, status: str, session_id: str) -> list[ApprovalRecord]:
    """``crud.list_approvals`` for one status of one session (what an evaluation asks), in one statement."""
    out = []
    for found in await reader.fetch(LIST_APPROVALS, {"status": status, "sid": session_id}):
        values = dict(zip(APPROVAL_FIELDS, found, strict=True))
        for name in APPROVAL_JSON:
            values[name] = json.loads(values[name]) if values[name] is not None else None
        values["policies"] = list(values["policies"] or [])
        values["grant_keys"] = list(values["grant_keys"] or [])
        out.append(ApprovalRecord(**values))
    return out


@dataclass
class Cached:
    """A session's own rows (``SessionRows`` without the owner's state) at ``version``,
    known current at ``at`` (``time.monotonic``).  Never changed once made: snapshots
    share its runtime namespaces."""

    version: str
    rows: SessionRows
    at: float


@dataclass
class SessionCache:
    """Each session's rows as this replica last read or wrote them."""

    MAX_AGE_S = 600.0
    LIMIT = 4096
    entries: dict[str, Cached] = field(default_factory=dict)
    hits: int = 0  # reads that brought no session rows (for tests and profiling)

    def known(self, session_id: str, now: float) -> Cached | None:
        entry = self.entries.get(session_id)
        return entry if entry is not None and now - entry.at < self.MAX_AGE_S else None

    def put(self, session_id: str, entry: Cached) -> None:
        self.entries.pop(session_id, None)
        self.entries[session_id] = entry  # most recently used last
        if len(self.entries) > self.LIMIT:
            del self.entries[next(iter(self.entries))]

    def drop(self, session_id: str) -> None:
        self.entries.pop(session_id, None)


@dataclass
class Ahead:
    """One read of a session: what the snapshot is built from."""

    session_id: str
    day: str
    row: SessionRow
    rows: SessionRows  # the session's rows (from the cache when unchanged) and the owner's state
    day_cost: float | None
    server_version: int | None
    approved: bool = True  # whether the session had an approved approval


async def read_decision(reader: Reader, session_id: str, user_day: str, ahead: bool = False) -> Ahead:
    """The session row (``row`` empty if there is none), its rows, the owner's state and
    cost of the day and, ``ahead``, the server-wide policies' version: one read (two if
    the cached rows changed under a concurrent read of the same session), made in one
    statement with the other decision reads queued meanwhile (``Reader.decision``)."""
    cache = reader.cache
    while True:
        now = time.monotonic()
        entry = cache.known(session_id, now)
        known = entry.version if entry is not None else None
        found = await reader.decision(session_id, user_day, known)
        row: SessionRow = {}
        version, day_cost, server_version, kv, user, approved = None, None, None, [], [], False
        for kind, ns, key, value in found:
            if kind == "r":
                row = dict(zip(SESSION_FIELDS, json.loads(value), strict=True))
                row["labels"] = row["labels"] or {}
                version = key
            elif kind == "d":
                day_cost = float(value)
            elif kind == "a":
                approved = True
            elif kind == "v":
                server_version = int(value) if ahead else None
            elif kind == "u":
                user.append((kind, ns, key, value))
            else:
                kv.append((kind, ns, key, value))
        if entry is None or version != entry.version:
            rows = SessionRows(kv)
            if version is not None:
                cache.put(session_id, Cached(version, rows, now))
        elif cache.entries.get(session_id) is entry:
            rows = entry.rows
            entry.at = now
            cache.hits += 1
        else:  # this replica wrote the session since the read was sent: read its rows again
            continue
        out = SessionRows(user)
        out.state, out.policy_states = rows.state, rows.policy_states
        out.history, out.grants = rows.history, rows.grants
        return Ahead(session_id, user_day, row, out, day_cost, server_version, approved)


def written(
    before: SessionRows, writes: Sequence[tuple[str, str, str, str | None]], history: str | None, grants: list[str]
) -> SessionRows:
    """The session's rows once ``writes`` are applied to ``before`` (which is not changed):
    ``(table, namespace, key, JSON text or None for a delete)``, the history entry's JSON
    text and the grants added; values parsed from the text written, as a read would."""
    out = SessionRows(())
    out.state, out.history, out.grants = before.state, before.history, before.grants
    policies = dict(before.policy_states)
    copied: set[str] = set()  # namespaces copied before being changed
    for table, ns, key, text in writes:
        if table == "session_state":
            if out.state is before.state:
                out.state = dict(before.state)
            values = out.state
        else:
            if ns not in copied:
                policies[ns] = dict(policies.get(ns, {}))
                copied.add(ns)
            values = policies[ns]
        _set(values, key, text)
    out.policy_states = {ns: values for ns, values in policies.items() if values}
    if history is not None:
        out.history = [*out.history, load_history_entry(history)][-HISTORY_LIMIT:]
    if grants:
        out.grants = out.grants | set(grants)
    return out


def _set(values: JsonObject, key: str, text: str | None) -> None:
    if text is None:
        values.pop(key, None)
    else:
        values[key] = parse(text)


def parse(text: str) -> JsonValue:
    """``json.loads(text)``: by orjson (a few times faster on these values; the same
    values), by the stdlib for what orjson refuses (``NaN``, an integer past 64 bits)."""
    try:
        value: JsonValue = orjson.loads(text)
    except orjson.JSONDecodeError:
        value = json.loads(text)
    return value
