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

Errors reach the callers concerned: a statement of the batch that fails (a row
refused) rolls the batch back, and each of its creations is written again in a
transaction of its own, so the refusal reaches its caller only.  A transaction
that fails by itself (no write lock in time, I/O, no connection) fails every
caller of the batch, each of whom would have met it alone.  A caller cancelled
before its batch is written is left out of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy import Connection

from goalrail.runtime.ports import SessionInfo
from goalrail.store.sql import crud
from goalrail.store.sql.crud import NewSession
from goalrail.store.sql.rows import SessionRow

#: One transaction for the requests: their sessions, in order.
WriteMany = Callable[[list[NewSession]], Awaitable[list[SessionInfo]]]
#: One transaction for one request (as every creation was written before batches).
WriteOne = Callable[[NewSession], Awaitable[SessionInfo]]


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


class NewSessions:
    """The queue of creations and its writer task (one batch in flight)."""

    LIMIT = 64  # creations per transaction at most (it holds the writer that long)

    def __init__(self, many: WriteMany, one: WriteOne) -> None:
        self._many, self._one = many, one
        self._queue: list[tuple[NewSession, asyncio.Future[SessionInfo]]] = []
        self._task: asyncio.Task[None] | None = None
        self.transactions = self.created = 0  # counters (for tests and benchmarks)

    async def create(self, request: NewSession) -> SessionInfo:
        """``request``'s session as stored (created unless it exists)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[SessionInfo] = loop.create_future()
        self._queue.append((request, future))
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
                batch = [item for item in self._queue[: self.LIMIT] if not item[1].done()]
                del self._queue[: self.LIMIT]
                if batch:
                    await self._write(batch)
        finally:
            self._task = None
            for _, future in self._queue:  # (only when cancelled: the loop is closing)
                future.cancel()

    async def _write(self, batch: list[tuple[NewSession, asyncio.Future[SessionInfo]]]) -> None:
        requests = [request for request, _ in batch]
        try:
            if len(requests) == 1:
                infos = [await self._one(requests[0])]
            else:
                try:
                    infos = await self._many(requests)
                except RowsRefused:
                    for item in batch:
                        await self._write([item])
                    return
        except Exception as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        except BaseException:
            for _, future in batch:
                future.cancel()
            raise
        self.transactions += 1
        self.created += len(batch)
        for (_, future), info in zip(batch, infos, strict=True):
            if not future.done():
                future.set_result(info)
