"""The group commit's queue on PostgreSQL (``pg_batch.py`` checks and writes one batch).

One batch is in flight per process; commits that arrive meanwhile make the next
one.  Batches run on one connection kept checked out in autocommit mode and used
through libpq directly (``pg_conn.py``, ``pg_wire.py``): the batch's transaction is
its own ``BEGIN``, sent in one pipeline with the reads that lock, and its ``COMMIT``,
sent in one pipeline with the writes: two round trips per batch, no SQLAlchemy
transaction, greenlet or psycopg cursor.  A decision is acknowledged only once that ``COMMIT``
has answered.  A batch that fails is rolled back on the connection (or the
connection thrown away when its state is unknown, as after a cancellation).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import psycopg

from goalrail.runtime.ports import Commit, StaleSnapshot
from goalrail.store.sql.errors import STORE_ERRORS, translate
from goalrail.store.sql.pg_batch import run_batch
from goalrail.store.sql.pg_conn import Kept, connect, discard
from goalrail.store.sql.pg_owners import Effect, Owners
from goalrail.store.sql.pg_reads import Cached, SessionCache, written
from goalrail.store.sql.pg_wire import round_trip
from goalrail.store.sql.runner import PostgresRunner

if TYPE_CHECKING:
    from goalrail.store.sql.pg_tx import PgTx


def is_conflict(exc: BaseException) -> bool:
    """A deadlock or serialization failure: the batch is worth evaluating again (the
    driver's own error, or SQLAlchemy's around it)."""
    orig = getattr(exc, "orig", None) or exc
    return getattr(orig, "sqlstate", None) in ("40P01", "40001")


class GroupCommit:
    """One batch in flight per process; commits that arrive meanwhile make the next one."""

    LIMIT = 64

    def __init__(self, runner: PostgresRunner, owners: Owners, cache: SessionCache) -> None:
        self.runner = runner
        self.owners = owners
        self.cache = cache
        self._queue: list[tuple[PgTx, Commit, asyncio.Future[bool]]] = []
        self._task: asyncio.Task[None] | None = None
        self._conn: Kept | None = None  # the batches' connection, between batches
        # Transactions run, the decisions they carried, and those refused as stale
        # (evaluated again on the row-lock path): for tests and profiling.
        self.batches = 0
        self.decisions = 0
        self.stale = 0

    async def commit(self, tx: PgTx, commit: Commit) -> None:
        """Return once ``commit`` is durable; StaleSnapshot if its snapshot no longer held."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((tx, commit, done))
        tx.effect = Effect.of(commit)
        if tx.effect is not None:
            self.owners.queue(tx.row["owner"] or "", tx.effect)
        if self._task is None:
            self._task = asyncio.create_task(self._drain())
        if not await done:
            self.stale += 1
            raise StaleSnapshot(tx.row["id"])

    async def _drain(self) -> None:
        items: list[tuple[PgTx, Commit, asyncio.Future[bool]]] = []
        try:
            while self._queue:
                items, self._queue = self._queue[: self.LIMIT], self._queue[self.LIMIT :]
                await self._flush(items)
        finally:
            self._task = None
            for _, _, done in items + self._queue:  # cancelled: nobody is told their decision committed
                if not done.done():
                    done.cancel()
            self.owners.drop((tx.row["owner"] or "", tx.effect) for tx, _, _ in self._queue if tx.effect is not None)
            self._queue = []

    async def close(self) -> None:
        """Wait for the batch in flight (and those queued behind it), then return the connection."""
        if self._task is not None:
            await asyncio.wait([self._task])
        kept, self._conn = self._conn, None
        if kept is not None:
            await kept[0].close()

    async def _run(self, items: list[tuple[PgTx, Commit]]) -> tuple[list[bool], dict[str, str]]:
        """``run_batch`` on the kept connection; rolled back if it fails."""
        kept, self._conn = self._conn, None
        if kept is None:
            kept = await connect(self.runner.engine, autocommit=True)
        try:
            out = await run_batch(kept[1], items, self.owners.landing)
        except psycopg.Error:
            await self._rollback(kept)
            raise
        except BaseException:  # cancelled mid-batch: what the connection holds is unknown
            await discard(kept[0])
            raise
        self._conn = kept
        return out

    async def _rollback(self, kept: Kept) -> None:
        """Roll the failed batch back and keep the connection (thrown away if that fails:
        the batch's own error is the one to report)."""
        try:
            await round_trip(kept[1], [("ROLLBACK", None)])  # not psycopg's: it would deallocate
        except Exception:
            await discard(kept[0])
            return
        except BaseException:
            await discard(kept[0])
            raise
        self._conn = kept

    def _remember(
        self, items: list[tuple[PgTx, Commit, Any]], held: list[bool], versions: dict[str, str], at: float
    ) -> None:
        """The committed sessions' rows as written, at their new version (``pg_reads``).
        Never fails the batch (it has committed): a session whose rows cannot be told is
        read afresh next time."""
        for (tx, c, _), ok in zip(items, held, strict=True):
            sid = tx.row["id"]
            try:
                if ok and sid in versions:
                    rows = written(tx.rows, tx.written, tx.history_written, list(c.grants or ()))
                    self.cache.put(sid, Cached(versions[sid], rows, at))
            except Exception:  # pragma: no cover - a value that does not parse back: read it next time
                self.cache.drop(sid)

    async def _flush(self, items: list[tuple[PgTx, Commit, asyncio.Future[bool]]]) -> None:
        outcome: list[bool] | BaseException
        owners = {tx.row["owner"] or "" for tx, _, _ in items}
        self.owners.take_off((tx.row["owner"] or "", tx.effect) for tx, _, _ in items if tx.effect is not None)
        committed, started = False, time.monotonic()
        versions: dict[str, str] = {}
        try:
            outcome, versions = await self._run([(tx, c) for tx, c, _ in items])
            committed = True
            self.batches += 1
            self.decisions += len(items)
        except STORE_ERRORS as exc:
            outcome = [False] * len(items) if is_conflict(exc) else translate(exc)
        except Exception as exc:  # a failed batch fails its decisions, never the queue
            outcome = exc
        finally:
            self.owners.landed(owners, committed)
        if committed and not isinstance(outcome, BaseException):
            self._remember(items, outcome, versions, started)
        if isinstance(outcome, BaseException) and len(items) > 1:
            for item in items:  # one at a time: only the decision that cannot be written fails
                await self._flush([item])
            return
        for i, (_, _, done) in enumerate(items):
            if done.done():
                continue
            if isinstance(outcome, BaseException):
                done.set_exception(outcome)
            else:
                done.set_result(outcome[i])
