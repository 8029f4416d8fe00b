"""Where SQL runs.  Every query is a plain function over a synchronous SQLAlchemy
``Connection``; a runner executes a batch of them at once:

* PostgreSQL: ``AsyncConnection.run_sync`` (psycopg 3 async; no threads).
* SQLite: the stdlib driver.  Only waiting for the write lock while another
  process holds it goes to the store's worker thread, and checkpoints (an
  fsync) to a thread of their own (``sqlite_checkpoint``).  Reads, and the
  statements and ``COMMIT`` of a transaction that holds the lock, run on the
  event loop: they take microseconds and never wait for a lock in WAL mode; on a
  thread, each statement waits for the GIL a busy loop keeps for up to the switch
  interval (a batch took 5-13 ms, not 1-2: ``bench/README.md``, thirteenth sitting).
  Writers queue on an asyncio lock before ``BEGIN IMMEDIATE`` (one writer per file).  Every write
  also bumps a write generation (``meta.write_gen``) and logs what it changed
  under that number (``sqlite_log``), so other processes sharing the file drop
  only that from their caches.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol, TypeVar, TypeVarTuple, Unpack, cast

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from goalrail.store.sql import sqlite_log
from goalrail.store.sql.engine import BUSY_TIMEOUT_MS, WRITE_OPTION
from goalrail.store.sql.sqlite_checkpoint import Checkpoints
from goalrail.store.sql.sqlite_log import Changes
from goalrail.store.sql.statements import dbapi
from goalrail.store.sql.writer_lock import LockPoll, WriterLock

log = logging.getLogger("goalrail.store")

T = TypeVar("T")
Ts = TypeVarTuple("Ts")
#: A query: a plain function of a connection and its arguments.
Fn = Callable[[Connection, Unpack[Ts]], T]


class Held(Protocol):
    """A connection with an open writing transaction (committed when released)."""

    async def run(self, fn: Callable[..., T], *args: object) -> T: ...


class Runner(Protocol):
    dialect: str

    async def read(self, fn: Fn[*Ts, T], *args: *Ts) -> T: ...
    async def write(self, fn: Fn[*Ts, T], *args: *Ts) -> T: ...
    def hold(self) -> AbstractAsyncContextManager[Held]: ...
    async def close(self) -> None: ...


class _PgHeld:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def run(self, fn: Fn[*Ts, T], *args: *Ts) -> T:
        return await self.conn.run_sync(fn, *args)


class PostgresRunner:
    dialect = "postgresql"

    def __init__(self, engine: AsyncEngine, read_engine: AsyncEngine | None = None) -> None:
        self.engine = engine
        self.read_engine = read_engine or engine

    async def read(self, fn: Fn[*Ts, T], *args: *Ts) -> T:
        async with self.read_engine.connect() as conn:
            return await conn.run_sync(fn, *args)

    async def write(self, fn: Fn[*Ts, T], *args: *Ts) -> T:
        async with self.engine.begin() as conn:
            return await conn.run_sync(fn, *args)

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[_PgHeld]:
        async with self.engine.begin() as conn:
            yield _PgHeld(conn)

    async def close(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()


class _SqliteHeld:
    """``changes``: what the transaction changed, for the log (by default: anything;
    a caller that knows narrows it before the transaction ends)."""

    def __init__(self, runner: SqliteRunner) -> None:
        self.runner = runner
        self.conn: Connection | None = None
        self.changes = Changes(everything=True)
        self.gen: int | None = None  # the write generation it committed (None: none, or nothing written)

    async def run(self, fn: Fn[*Ts, T], *args: *Ts) -> T:
        if self.conn is None:
            self.conn = await self.runner.begin_immediate()
        return fn(self.conn, *args)

    def finish(self, ok: bool) -> None:
        conn, self.conn = self.conn, None
        if conn is None:
            return
        done = False
        try:
            if ok:
                gen = self.runner.count_write(conn, self.changes)
                conn.commit()
                done = True
                self.gen = gen
            else:
                conn.rollback()
        finally:
            self.runner.release(conn, done)
        if done:
            self.runner.own_commit(self.gen)


_GEN_BUMP = (
    "INSERT INTO meta (key, value) VALUES ('write_gen', 1) "
    "ON CONFLICT (key) DO UPDATE SET value = meta.value + 1 RETURNING value"
)

_GEN_READ = "SELECT value FROM meta WHERE key = 'write_gen'"
_CHANGES = "goalrail_changes"  # the connection's total_changes when its transaction began
_EVERYTHING = Changes(everything=True)


def sqlite_conn(conn: Connection) -> sqlite3.Connection:
    """The stdlib connection under ``conn`` (pysqlite's DB-API connection is one)."""
    return cast(sqlite3.Connection, dbapi(conn))


def read_gen(conn: Connection) -> int:
    """The database's write generation (0 before the first counted write)."""
    cursor = sqlite_conn(conn).execute(_GEN_READ)
    found = cursor.fetchall()
    return int(found[0][0]) if found else 0


def _busy_timeout(conn: Connection, ms: int) -> None:
    sqlite_conn(conn).execute(f"PRAGMA busy_timeout = {int(ms)}")


class SqliteRunner:
    """Connections wait for no lock by default (``busy_timeout=0``): a writer
    first tries ``BEGIN IMMEDIATE`` on the loop; only when another process
    holds the write lock does it wait for it on the worker thread.  Automatic
    checkpoints are off on our connections; ``checkpoints`` runs them on a thread
    of their own (``sqlite_checkpoint``), so the loop never waits for an fsync."""

    dialect = "sqlite"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = WriterLock(str(engine.url.database))  # taken around every writing transaction
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="goalrail-sqlite")
        self._writer = asyncio.Lock()
        self.checkpoints = Checkpoints(engine, self._lock, self._writer)
        self.writer = sqlite_log.new_writer_id()  # this store's id in the change log
        self.start_gen = 0  # the write generation when the store opened
        self.counting = False  # off while migrating (no `meta` or `change_log` table yet)
        self._reader: Connection | None = None  # reads on the loop (``_read_inline``)
        self._loop_writer: Connection | None = None  # held transactions begun on the loop, kept open between them
        self.on_commit: Callable[[int], None] | None = None  # told each generation this store commits

    async def start(self) -> None:
        """Count writes from now on (called once the schema is current)."""
        self.counting = True
        self.start_gen = await self.read(read_gen)

    def count_write(self, conn: Connection, changes: Changes) -> int | None:
        """Inside the writing transaction ``conn``, if it wrote: bump the write
        generation and log ``changes`` under it (returned: that generation)."""
        raw = sqlite_conn(conn)
        if self.counting and raw.total_changes != conn.info.get(_CHANGES):
            gen = int(raw.execute(_GEN_BUMP).fetchall()[0][0])
            sqlite_log.append(raw, gen, self.writer, changes)
            return gen
        return None

    def own_commit(self, gen: int | None) -> None:
        """On the loop, after this store committed generation ``gen`` (``on_commit``: the cache's)."""
        if gen is not None and self.on_commit is not None:
            self.on_commit(gen)

    def loop_conn(self) -> sqlite3.Connection:
        """The driver connection of the loop's writing connection (opened if need be): the
        cache looks at ``PRAGMA data_version`` there, which this store's own commits on it
        leave as it was (``sqlite_cache.Cache.check``)."""
        conn = self._loop_writer
        if conn is None:
            conn = self._loop_writer = self.engine.connect().execution_options(**{WRITE_OPTION: True})
        return sqlite_conn(conn)

    async def call(self, fn: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, functools.partial(fn, *args))

    # -- writes -----------------------------------------------------------
    def _begin_waiting(self) -> Connection:
        """The writer lock file (as long as another store holds it), then ``BEGIN
        IMMEDIATE`` on a pooled connection, waiting up to ``BUSY_TIMEOUT_MS`` for a
        writer that takes no lock file (on the worker thread)."""
        self._lock.acquire()
        conn: Connection | None = None
        try:
            conn = self.engine.connect().execution_options(**{WRITE_OPTION: True})
            _busy_timeout(conn, BUSY_TIMEOUT_MS)
            conn.begin()
            _busy_timeout(conn, 0)
            conn.info[_CHANGES] = sqlite_conn(conn).total_changes
        except BaseException:
            if conn is not None:
                conn.close()
            self._lock.release()
            raise
        return conn

    def _begin_on_loop(self) -> Connection:
        """``BEGIN IMMEDIATE`` on the loop's own writing connection, kept open between
        transactions (a pool checkout and return per batch cost more than the
        ``BEGIN``); closed after any failure, so the next one starts afresh."""
        self.loop_conn()
        conn = self._loop_writer
        assert conn is not None
        try:
            conn.begin()
            conn.info[_CHANGES] = sqlite_conn(conn).total_changes
        except BaseException:
            self._loop_writer = None
            conn.close()
            raise
        return conn

    def release(self, conn: Connection, committed: bool) -> None:
        """After a held transaction (committed or rolled back): the writer lock file
        is released; the loop's connection is kept if it committed."""
        try:
            if conn is self._loop_writer:
                if committed:
                    return
                self._loop_writer = None
            conn.close()
        finally:
            self._lock.release()

    async def begin_immediate(self) -> Connection:
        """A connection inside ``BEGIN IMMEDIATE`` (the caller holds ``_writer``).

        Taken on the loop; while another store holds the lock file, the loop looks again
        (``LockPoll``).  The lock is never held while this loop runs other tasks (a wait for
        the loop would make the other store wait too).  Only a writer that takes no lock file
        is waited for holding it, by SQLite's busy handler on the worker thread."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BUSY_TIMEOUT_MS / 1000
        poll: LockPoll | None = None
        while True:
            if self._lock.try_acquire():
                try:
                    return self._begin_on_loop()
                except (OperationalError, sqlite3.OperationalError) as exc:
                    self._lock.release()
                    if not _is_busy(exc):
                        raise
                    break
                except BaseException:
                    self._lock.release()
                    raise
            poll = poll or LockPoll()
            await poll.wait(loop.time(), lambda: _within(self.call(self._lock.wait_free), deadline))
        return await self._begun_waiting(deadline)

    async def _begun_waiting(self, deadline: float) -> Connection:
        """``_begin_waiting`` on the worker thread, given up at ``deadline`` (the loop's
        clock): a lock file held for good by a stopped or hung process fails the write
        as SQLite's own busy timeout does, instead of leaving it waiting for ever."""
        waiting = asyncio.get_running_loop().run_in_executor(self._thread, self._begin_waiting)
        try:
            return await _within(asyncio.shield(waiting), deadline)
        except BaseException:
            # The caller gave up, but the worker may still get the lock: release it then.
            waiting.add_done_callback(self._release_if_begun)
            raise

    def _release_if_begun(self, done: asyncio.Future[Connection]) -> None:
        if not done.cancelled() and done.exception() is None:
            self.release(done.result(), False)  # rolls the empty transaction back

    def _write(self, conn: Connection, changes: Changes, fn: Fn[*Ts, T], *args: *Ts) -> tuple[T, int | None]:
        """``fn`` in the transaction ``conn`` began (``_begun_waiting``), committed (and its generation)."""
        try:
            result = fn(conn, *args)
            gen = self.count_write(conn, changes)
            conn.commit()
            return result, gen
        finally:
            try:
                conn.close()
            finally:
                self._lock.release()

    async def write(self, fn: Fn[*Ts, T], *args: *Ts, changes: Changes = _EVERYTHING) -> T:
        """``fn`` in a transaction of its own; ``changes``: what it may change (see ``sqlite_log``)."""
        async with self._writer:
            conn = await self._begun_waiting(asyncio.get_running_loop().time() + BUSY_TIMEOUT_MS / 1000)
            result, gen = await self.call(self._write, conn, changes, fn, *args)
        self._committed()
        self.own_commit(gen)
        return result

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[_SqliteHeld]:
        async with self._writer:
            held = _SqliteHeld(self)
            ok = False
            try:
                yield held
                ok = True
            finally:
                held.finish(ok)
        if ok:
            self._committed()

    # -- reads and housekeeping ---------------------------------------------
    async def read(self, fn: Fn[*Ts, T], *args: *Ts) -> T:
        # Pool size is not a concern here: at most one held transaction, one
        # worker-thread job and the inline reader use a connection at a time.
        try:
            return self._read_inline(fn, *args)
        except (OperationalError, sqlite3.OperationalError) as exc:
            if not _is_busy(exc):  # WAL readers are rarely refused (recovery, a truncating checkpoint)
                raise
        deadline = asyncio.get_running_loop().time() + BUSY_TIMEOUT_MS / 1000  # (behind a wait given up, if any)
        return await _within(self.call(self._read_waiting, fn, *args), deadline)

    def _read_inline(self, fn: Fn[*Ts, T], *args: *Ts) -> T:
        """``fn`` on the loop's own reading connection, kept open between reads (a
        pool checkout and return cost more than most reads).  Reads run in
        autocommit: the connection holds no snapshot or lock between them."""
        conn = self._reader
        if conn is None:
            conn = self._reader = self.engine.connect()
        ok = False
        try:
            result = fn(conn, *args)
            ok = True
            return result
        finally:
            if not ok:  # start afresh next time
                self._reader = None
                conn.close()
            elif conn.in_transaction():  # SQLAlchemy's own (autobegun; nothing began in SQLite)
                conn.rollback()

    def _read_waiting(self, fn: Fn[*Ts, T], *args: *Ts) -> T:
        with self.engine.connect() as conn:
            _busy_timeout(conn, BUSY_TIMEOUT_MS)
            try:
                return fn(conn, *args)
            finally:
                _busy_timeout(conn, 0)

    def _committed(self) -> None:
        self.checkpoints.committed()

    async def close(self) -> None:
        await self.checkpoints.wait()
        for conn in (self._reader, self._loop_writer):
            if conn is not None:
                conn.close()
        self._reader = self._loop_writer = None
        await self.checkpoints.close()
        await self.call(self.engine.dispose)
        self._thread.shutdown(wait=True)
        self._lock.close()


async def _within(waiting: Awaitable[T], deadline: float) -> T:
    """``waiting``, or SQLite's "database is locked" once the loop's clock passes ``deadline``."""
    try:
        return await asyncio.wait_for(waiting, max(0.0, deadline - asyncio.get_running_loop().time()))
    except TimeoutError:
        raise sqlite3.OperationalError("database is locked (the writer lock file)") from None


def _is_busy(exc: Exception) -> bool:
    text = str(getattr(exc, "orig", None) or exc).lower()
    return "locked" in text or "busy" in text
