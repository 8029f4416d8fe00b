"""Database URLs and engines: SQLite (WAL, the stdlib driver on the store's own
worker thread) and PostgreSQL (psycopg 3, async).

``sqlite://`` and ``sqlite+aiosqlite://`` URLs are both accepted; the store
drives SQLite through one worker thread (see ``runner.py``) because a thread
hop per statement, as aiosqlite does, costs far more than the statement.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import cast

from sqlalchemy import Connection, Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from goalrail.defaults import goalrail_home
from goalrail.errors import ConfigError
from goalrail.store.sql.statements import dbapi

SQLITE_DRIVER = "sqlite+pysqlite"
POSTGRES_DRIVER = "postgresql+psycopg"
_POSTGRES_NAMES = ("postgresql", "postgres", "postgresql+psycopg")
_SQLITE_NAMES = ("sqlite", "sqlite+aiosqlite", "sqlite+pysqlite")
BUSY_TIMEOUT_MS = 10_000
#: PostgreSQL: a transaction of ours left idle this long (a replica hung or stopped inside one) is ended
#: by the server, its locks released; a statement running this long is cancelled.  The URL's own
#: ``options`` (``-c idle_in_transaction_session_timeout=…``, ``-c statement_timeout=…``) win.
IDLE_IN_TRANSACTION_MS = 60_000
STATEMENT_TIMEOUT_MS = 120_000
# PostgreSQL connections per process: writers POOL_SIZE + MAX_OVERFLOW, readers half that.
POOL_SIZE = 10
MAX_OVERFLOW = 10
WRITE_OPTION = "goalrail_write"  # execution option: this transaction will write (SQLite: BEGIN IMMEDIATE)


def default_url() -> str:
    return f"sqlite:///{Path(goalrail_home()) / 'goalrail.db'}"


def normalize_url(database_url: str) -> URL:
    """Parse ``database_url`` and pin the async driver (``postgresql://`` → psycopg)."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        raise ConfigError(
            "`database_url` is not a valid database URL",
            [{"loc": "database_url", "message": "expected sqlite:///PATH or postgresql://…"}],
        ) from None
    if url.drivername in _POSTGRES_NAMES:
        return url.set(drivername=POSTGRES_DRIVER)
    if url.drivername in _SQLITE_NAMES:
        if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
            raise ConfigError(
                "SQLite needs a file path: `sqlite:///PATH` (`memory://` keeps data in memory)",
                [{"loc": "database_url", "message": "expected sqlite:///PATH"}],
            )
        return url.set(drivername=SQLITE_DRIVER, database=str(Path(url.database).expanduser()))
    raise ConfigError(
        f"unsupported database `{url.drivername}`",
        [{"loc": "database_url", "message": "expected sqlite:///PATH or postgresql://…"}],
    )


def _pool_options(url: URL) -> tuple[URL, int, int]:
    """``pool_size`` / ``max_overflow`` from the URL's query (ours, not libpq's)."""
    query = dict(url.query)
    try:
        size = int(str(query.pop("pool_size", POOL_SIZE)))
        overflow = int(str(query.pop("max_overflow", MAX_OVERFLOW)))
    except ValueError:
        raise ConfigError(
            "`pool_size` and `max_overflow` must be integers",
            [{"loc": "database_url", "message": "expected ?pool_size=N&max_overflow=M"}],
        ) from None
    return url.set(query=query), size, overflow


def connection_options() -> str:
    """The libpq ``options`` every PostgreSQL connection of ours starts with (``_with_lock_timeout``)."""
    return (
        f"-c lock_timeout={int(BUSY_TIMEOUT_MS)} "
        f"-c idle_in_transaction_session_timeout={int(IDLE_IN_TRANSACTION_MS)} "
        f"-c statement_timeout={int(STATEMENT_TIMEOUT_MS)}"
    )


def _with_lock_timeout(url: URL) -> URL:
    """libpq's ``options`` with ``connection_options()`` before the URL's own, which win if
    they set the same.  A replica stopped or hung inside a transaction keeps its row and
    advisory locks; the others' waits for them fail after the busy timeout (a
    ``store_error``, on which clients fail closed) instead of lasting for ever, and the
    server ends that transaction once it has been idle ``IDLE_IN_TRANSACTION_MS``, so the
    locks do not outlive it either."""
    query = dict(url.query)
    own = query.get("options", "")
    own = " ".join(own) if isinstance(own, tuple) else own
    query["options"] = f"{connection_options()} {own}".strip()
    return url.set(query=query)


def create_engine(url: URL) -> AsyncEngine | Engine:
    """An async engine for PostgreSQL; a synchronous one for SQLite (see ``runner.py``)."""
    if url.drivername == SQLITE_DRIVER:
        Path(str(url.database)).parent.mkdir(parents=True, exist_ok=True)
        engine = create_sync_engine(url, pool_size=4, max_overflow=4, connect_args={"check_same_thread": False})
        _sqlite_events(engine)
        return engine
    url, size, overflow = _pool_options(url)
    return create_async_engine(_with_lock_timeout(url), pool_size=size, max_overflow=overflow, pool_recycle=1800)


def create_read_engine(url: URL) -> AsyncEngine:
    """PostgreSQL connections for single-statement reads: autocommit, so a read
    is one round trip (no BEGIN/ROLLBACK around it).  Half the writers' pool,
    all of it kept open: reads are short and many run at once (evaluations hold
    no connection while their policies run), so connections opened beyond the
    pool would be opened and closed again all the time."""
    url, size, overflow = _pool_options(url)
    return create_async_engine(
        _with_lock_timeout(url),
        pool_size=max(1, size // 2 + overflow // 2),
        max_overflow=0,
        pool_recycle=1800,
        isolation_level="AUTOCOMMIT",
    )


def enable_wal(cursor: sqlite3.Cursor, timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
    """``PRAGMA journal_mode=WAL``, retried while another process holds the lock.

    Switching a database to WAL takes an exclusive lock and SQLite answers
    "database is locked" at once, without the busy handler, when another
    connection holds one -- as when two processes open a new database file at
    the same moment (the second one's switch meets the first one's)."""
    deadline = time.monotonic() + timeout_ms / 1000
    pause = 0.001
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            text = str(exc).lower()
            if ("locked" not in text and "busy" not in text) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def _sqlite_events(engine: Engine) -> None:
    """WAL + synchronous=NORMAL + busy_timeout on every connection, and our own BEGIN.

    The driver's implicit transactions are switched off so that a writing
    transaction can start with ``BEGIN IMMEDIATE`` (it takes the write lock up
    front instead of failing with SQLITE_BUSY when it upgrades later).
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        enable_wal(cursor)
        # busy_timeout=0: reads never wait in WAL mode, and writers wait for the
        # lock off the event loop (runner.SqliteRunner); checkpoints run there too.
        for pragma in ("synchronous=NORMAL", "busy_timeout=0", "wal_autocheckpoint=0"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # Reads run in autocommit (each statement sees the latest commit, never
        # holds a lock); writes take the write lock up front.
        if conn.get_execution_options().get(WRITE_OPTION):
            # (on the driver's connection: a SQLAlchemy execution costs more than the statement)
            cast(sqlite3.Connection, dbapi(conn)).execute("BEGIN IMMEDIATE")
