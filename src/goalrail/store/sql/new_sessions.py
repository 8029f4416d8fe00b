"""New sessions created in groups: the first events of sessions that start at
once share one write transaction.

A session's row is created by its first event (``crud.create_sessions``: an
``INSERT`` that leaves an existing row alone, then the row read back, so a
session is created once even by two processes at once, with the owner, agent
and labels of whoever wrote it first).  One transaction per new session made N
sessions starting together wait for N transactions in turn on SQLite, whose
writer is one per file.  Here one transaction at a time is in flight per store;
the creations asked for meanwhile (up to ``LIMIT``) make the next one, and each
caller gets its own ``SessionInfo``.

A creation may carry its owner's cap (``runtime.quota.SessionCap``), and is
batched with the others: each cap is counted in the batch's order, the rows the
batch creates before it included, and a creation past its cap fails its own
caller only (``Conflict``).  On SQLite the transaction holds the file's one write
lock (``created_capped_rows``); on PostgreSQL it first takes the advisory lock of
every owner the caps name, in one order (``pg_capped``).

Errors reach the callers concerned: a statement of the batch that fails (a row
refused) rolls the batch back, and each of its creations is written again in a
transaction of its own, so the refusal reaches its caller only.  A transaction
that fails by itself (no write lock in time, I/O, no connection) fails every
caller of the batch, each of whom would have met it alone.  A caller cancelled
before its batch is written is left out of it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy import Connection, func, select

from goalrail.errors import Conflict
from goalrail.runtime.ports import SessionInfo
from goalrail.runtime.quota import SessionCap
from goalrail.store.sql import activity, crud
from goalrail.store.sql import tables as t
from goalrail.store.sql.crud import NewSession
from goalrail.store.sql.rows import SessionRow

#: One transaction for the requests (and their caps): their sessions, in order, or the
#: ``Conflict`` of one refused by its cap.
WriteMany = Callable[[list[NewSession], list[SessionCap | None]], Awaitable[list[SessionInfo | Conflict]]]
#: One transaction for one request (as every creation was written before batches).
WriteOne = Callable[[NewSession, SessionCap | None], Awaitable[SessionInfo]]
Queued = tuple[NewSession, SessionCap | None, "asyncio.Future[SessionInfo]"]


class RowsRefused(Exception):
    """A statement of a batch failed (its ``__cause__``): each creation is written alone."""


def create_rows(conn: Connection, requests: list[NewSession]) -> list[SessionInfo]:
    """``crud.create_sessions``, its failures told apart from the transaction's own."""
    try:
        return crud.create_sessions(conn, requests)
    except Exception as exc:
        raise RowsRefused from exc


def created_rows(conn: Connection, requests: list[NewSession]) -> tuple[list[SessionRow], bool]:
    """``crud.create_session_rows`` (the rows, and whether this batch created them all),
    its failures told apart from the transaction's own."""
    try:
        return crud.create_session_rows(conn, requests)
    except Exception as exc:
        raise RowsRefused from exc


def in_batch_order(
    requests: Sequence[NewSession],
    caps: Sequence[SessionCap | None],
    existing: set[str],
    held: Callable[[SessionCap, int], int],
) -> tuple[list[Conflict | None], list[NewSession]]:
    """Each request's ``Conflict`` (None: not refused) and the requests that create a row, the
    caps counted in the batch's order (SQLite's ``_capped_rows``, PostgreSQL's ``pg_capped``):
    a capped request that would create a row holds ``held(cap, made)`` sessions, its owner's live
    ones stored plus the ``made`` rows the batch creates for that owner before it, and past its
    cap it is refused and creates nothing.  An existing session is never refused.  ``existing``
    gains the ids created."""
    made: Counter[str | None] = Counter()  # new rows of the batch so far, by owner
    outcomes: list[Conflict | None] = []
    created: list[NewSession] = []
    for request, cap in zip(requests, caps, strict=True):
        session_id, owner = request[0], request[1]
        if session_id not in existing:
            if cap is not None and (count := held(cap, made[cap.owner])) >= cap.limit:
                outcomes.append(cap.refused(count))
                continue
            existing.add(session_id)
            made[owner] += 1
            created.append(request)
        outcomes.append(None)
    return outcomes, created


def _capped_rows(
    conn: Connection, requests: Sequence[NewSession], caps: Sequence[SessionCap | None]
) -> tuple[list[SessionRow | Conflict], bool]:
    """``crud.create_session_rows`` for a batch whose requests may carry caps (SQLite: the
    transaction holds the file's write lock).  Each capped request that would create a row
    is counted in the batch's order, as if it ran alone after those before it: its owner's
    live sessions stored, plus the rows the batch creates before it; past its cap it is
    its ``Conflict`` and creates nothing.  An existing session is never refused.  Also
    whether the batch created every row it was asked for (False: some existed)."""
    s = t.sessions
    ids = sorted({request[0] for request in requests})
    existing = {row[0] for row in conn.execute(select(s.c.id).where(s.c.id.in_(ids)))}
    # One count per owner, from the earliest ``active_since`` of the batch's caps (it counts
    # every session a later one does, or more): below the limit it settles each request
    # alone; only near it is a request counted exactly, with its own ``active_since``.
    since: dict[str, float] = {}
    for cap in caps:
        if cap is not None:
            since[cap.owner] = min(since.get(cap.owner, cap.active_since), cap.active_since)
    wide: dict[str, int] = {}

    def held(cap: SessionCap, made: int) -> int:
        if cap.owner not in wide:
            wide[cap.owner] = _live(conn, cap.owner, since[cap.owner])
        if wide[cap.owner] + made < cap.limit:
            return wide[cap.owner] + made  # (below the cap even counted wide: settled)
        return _live(conn, cap.owner, cap.active_since) + made

    outcomes, _ = in_batch_order(requests, caps, existing, held)
    accepted = [request for request, outcome in zip(requests, outcomes, strict=True) if outcome is None]
    found, created = crud.create_session_rows(conn, accepted) if accepted else ([], True)
    rows = iter(found)
    return [outcome or next(rows) for outcome in outcomes], created


def _live(conn: Connection, owner: str, active_since: float) -> int:
    """``owner``'s live sessions stored (``capped.check_session``'s count)."""
    live = activity.live_sessions(owner, active_since)
    return int(conn.execute(select(func.count()).select_from(t.sessions).where(*live)).scalar() or 0)


def created_capped_rows(
    conn: Connection, requests: list[NewSession], caps: list[SessionCap | None]
) -> tuple[list[SessionRow | Conflict], bool]:
    """``_capped_rows``, its failures told apart from the transaction's own."""
    try:
        return _capped_rows(conn, requests, caps)
    except Exception as exc:
        raise RowsRefused from exc


class NewSessions:
    """The queue of creations and its writer task (one batch in flight)."""

    LIMIT = 64  # creations per transaction at most (it holds the writer that long)

    def __init__(self, many: WriteMany, one: WriteOne) -> None:
        self._many, self._one = many, one
        self._queue: list[Queued] = []
        self._task: asyncio.Task[None] | None = None
        self.transactions = self.created = 0  # counters (for tests and benchmarks)

    async def create(self, request: NewSession, cap: SessionCap | None = None) -> SessionInfo:
        """``request``'s session as stored (created unless it exists; ``cap``'s ``Conflict``
        when it would be new past it)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[SessionInfo] = loop.create_future()
        self._queue.append((request, cap, future))
        if self._task is None:
            self._task = loop.create_task(self._drain(), name="goalrail-new-sessions")
        return await future

    async def close(self) -> None:
        """Wait for the creations asked for."""
        if self._task is not None:
            await asyncio.wait([self._task])

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch = [item for item in self._queue[: self.LIMIT] if not item[2].done()]
                del self._queue[: self.LIMIT]
                if batch:
                    await self._write(batch)
        finally:
            self._task = None
            for _, _, future in self._queue:  # (only when cancelled: the loop is closing)
                future.cancel()

    async def _write(self, batch: list[Queued]) -> None:
        requests = [request for request, _, _ in batch]
        try:
            if len(requests) == 1:
                infos: list[SessionInfo | Conflict] = [await self._one(requests[0], batch[0][1])]
            else:
                try:
                    infos = await self._many(requests, [cap for _, cap, _ in batch])
                except RowsRefused:
                    for item in batch:
                        await self._write([item])
                    return
        except Exception as exc:
            for _, _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        except BaseException:
            for _, _, future in batch:
                future.cancel()
            raise
        self.transactions += 1
        for (_, _, future), info in zip(batch, infos, strict=True):
            if isinstance(info, Conflict):
                if not future.done():
                    future.set_exception(info)
                continue
            self.created += 1
            if not future.done():
                future.set_result(info)
