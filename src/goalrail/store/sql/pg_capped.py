"""New sessions under their owners' caps on PostgreSQL, in one transaction for a batch
(``new_sessions.NewSessions``' writes when any creation carries a ``SessionCap``).

Two round trips on one of the decision reads' kept connections (``pg_reads.Reader``),
in the transaction between this module's ``BEGIN`` and ``COMMIT``:

1. ``BEGIN``; the advisory lock of every owner the batch's caps name (the key
   ``capped.check_session`` takes for one creation, so replicas running either
   path count under the same lock), taken in the database's sort order of the keys
   (two batches sharing owners wait for each other, never deadlock); then, a
   statement of its own (READ COMMITTED: its snapshot is taken once the locks are
   held, so it sees every capped creation of those owners committed before), the
   batch's sessions that exist and each owner's live sessions: the count at the
   earliest ``active_since`` of its caps, and the last activity of those live
   sessions that the later ``active_since`` values do not count (active within the
   few milliseconds between the batch's caps) -- each cap's own count, exactly.
2. The rows the batch creates (``pg_sessions.CREATE``, in id order), the stored rows
   read back (``pg_sessions.READ``) and ``COMMIT``: the answer waits for the commit.

Between the two, each capped creation is counted in the batch's order as if it ran
alone after those before it (``new_sessions.created_capped_rows``, SQLite's): its
owner's live sessions stored plus the rows the batch creates before it; past its cap
it is its ``Conflict`` and creates nothing.  An existing session is never refused.
A row the database refuses (SQLSTATE classes 22 and 23, a NUL character) rolls the
batch back as ``RowsRefused``: each creation is then written alone.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

import psycopg
from psycopg.rows import TupleRow

from goalrail.errors import Conflict
from goalrail.runtime.ports import SessionInfo
from goalrail.runtime.quota import LOCK_KEY, SessionCap
from goalrail.store.sql import pg_sessions
from goalrail.store.sql.activity import active_minute
from goalrail.store.sql.crud import NewSession
from goalrail.store.sql.new_sessions import RowsRefused, in_batch_order
from goalrail.store.sql.pg_reads import Reader
from goalrail.store.sql.pg_wire import Step, round_trip

#: Every key's advisory lock (``capped._lock``'s), in the keys' sort order.
LOCKS = (
    "SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) "
    "FROM (SELECT unnest(CAST(%(keys)s AS text[])) AS k ORDER BY 1) AS ordered"
)
_LIVE = "s.owner = o.owner AND s.active_minute >= o.minute AND s.last_activity >= o.lo AND s.ended IS NULL"
#: Under the locks, one snapshot: 'e' a session of the batch that exists; 'c' an owner's
#: live sessions at its earliest ``active_since`` (``activity.live_sessions``); 'a' the
#: last activity of one of those that a later ``active_since`` of the batch leaves out.
COUNTS = (
    "WITH o AS (SELECT q.owner, CAST(q.lo AS float8) AS lo, CAST(q.hi AS float8) AS hi, "
    "CAST(q.minute AS bigint) AS minute FROM unnest(CAST(%(owners)s AS text[]), CAST(%(los)s AS text[]), "
    "CAST(%(his)s AS text[]), CAST(%(minutes)s AS text[])) AS q(owner, lo, hi, minute)) "
    "SELECT 'e' AS kind, s.id AS name, 0 AS n, CAST(NULL AS float8) AS at FROM sessions s "
    "WHERE s.id = ANY(CAST(%(ids)s AS text[])) "
    f"UNION ALL SELECT 'c', o.owner, (SELECT count(*) FROM sessions s WHERE {_LIVE}), NULL FROM o "
    f"UNION ALL SELECT 'a', o.owner, 0, s.last_activity FROM o JOIN sessions s ON {_LIVE} AND s.last_activity < o.hi"
)


async def create_capped(
    reader: Reader, requests: Sequence[NewSession], caps: Sequence[SessionCap | None]
) -> list[SessionInfo | Conflict]:
    """Each session of ``requests`` as stored (created unless it exists), or the
    ``Conflict`` of its cap when it would be new past it, counted in the batch's order."""
    pg_sessions.values(requests)  # (a NUL character is refused before anything is sent)
    ids = sorted({request[0] for request in requests})
    spans: dict[str, tuple[float, float]] = {}
    for cap in caps:
        if cap is not None:
            lo, hi = spans.get(cap.owner, (cap.active_since, cap.active_since))
            spans[cap.owner] = (min(lo, cap.active_since), max(hi, cap.active_since))
    owners = sorted(spans)
    counted = {
        "ids": ids,
        "owners": owners,
        "los": [repr(spans[o][0]) for o in owners],
        "his": [repr(spans[o][1]) for o in owners],
        "minutes": [str(active_minute(spans[o][0])) for o in owners],
    }
    keys = [LOCK_KEY.format(kind="sessions", user=o) for o in owners]
    try:
        async with reader.kept() as driver:
            _, _, found = await round_trip(driver, [("BEGIN", None), (LOCKS, {"keys": keys}), (COUNTS, counted)])
            outcomes, created = _counted(requests, caps, found)
            steps: list[Step] = [(pg_sessions.CREATE, pg_sessions.values(created))] if created else []
            kept = sorted({request[0] for request, outcome in zip(requests, outcomes, strict=True) if outcome is None})
            steps += [(pg_sessions.READ, {"ids": kept}), ("COMMIT", None)]
            written = await round_trip(driver, steps)
    except psycopg.Error as exc:
        if pg_sessions.is_refused(exc):
            raise RowsRefused from exc
        raise
    stored = pg_sessions.infos(written[-2])
    return [outcome or stored[request[0]] for request, outcome in zip(requests, outcomes, strict=True)]


def _counted(
    requests: Sequence[NewSession], caps: Sequence[SessionCap | None], found: list[TupleRow]
) -> tuple[list[Conflict | None], list[NewSession]]:
    """Each request's ``Conflict`` (None: not refused) and the requests that create a
    row, from ``COUNTS``' rows: the caps counted in the batch's order."""
    existing: set[str] = set()
    wide: dict[str, int] = {}
    between: dict[str, list[float]] = {}
    for kind, name, n, at in found:
        if kind == "e":
            existing.add(name)
        elif kind == "c":
            wide[name] = int(n)
        else:
            between.setdefault(name, []).append(float(at))
    for values in between.values():
        values.sort()

    def held(cap: SessionCap, made: int) -> int:
        # live at its own ``active_since``: those at the earliest, less those active before it
        return wide.get(cap.owner, 0) - bisect_left(between.get(cap.owner, []), cap.active_since) + made

    return in_batch_order(requests, caps, existing, held)
