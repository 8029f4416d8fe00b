"""Where SQL runs.  Every query is a plain function over a synchronous SQLAlchemy
``Connection``; a runner executes a batch of them in one hop:

* PostgreSQL: ``AsyncConnection.run_sync`` (psycopg 3 async; no threads).
* SQLite: one dedicated worker thread with a synchronous engine, so a whole
  snapshot or commit costs one thread hop instead of several per statement.
  SQLite has one writer per file: writers take an in-process asyncio lock,
  then ``BEGIN IMMEDIATE`` (which also serializes against other processes).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from goalrail.store.sql.engine import WRITE_OPTION

T = TypeVar("T")
Fn = Callable[..., T]


class Held(Protocol):
    """A connection with an open writing transaction (committed when released)."""

    async def run(self, fn: Fn[T], *args: Any) -> T: ...


class Runner(Protocol):
    dialect: str

    async def read(self, fn: Fn[T], *args: Any) -> T: ...
    async def write(self, fn: Fn[T], *args: Any) -> T: ...
    def hold(self) -> Any: ...
    async def close(self) -> None: ...


class _PgHeld:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def run(self, fn: Fn[T], *args: Any) -> T:
        return await self.conn.run_sync(fn, *args)


class PostgresRunner:
    dialect = "postgresql"

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def read(self, fn: Fn[T], *args: Any) -> T:
        async with self.engine.connect() as conn:
            return await conn.run_sync(fn, *args)

    async def write(self, fn: Fn[T], *args: Any) -> T:
        async with self.engine.begin() as conn:
            return await conn.run_sync(fn, *args)

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[_PgHeld]:
        async with self.engine.begin() as conn:
            yield _PgHeld(conn)

    async def close(self) -> None:
        await self.engine.dispose()


class _SqliteHeld:
    def __init__(self, runner: SqliteRunner) -> None:
        self.runner = runner
        self.conn: Connection | None = None

    def _open_and(self, fn: Fn[T], *args: Any) -> T:
        if self.conn is None:
            conn = self.runner.engine.connect().execution_options(**{WRITE_OPTION: True})
            conn.begin()
            self.conn = conn
        return fn(self.conn, *args)

    async def run(self, fn: Fn[T], *args: Any) -> T:
        return await self.runner.call(self._open_and, fn, *args)

    def _finish(self, ok: bool) -> None:
        conn, self.conn = self.conn, None
        if conn is None:
            return
        try:
            if ok:
                conn.commit()
            else:
                conn.rollback()
        finally:
            conn.close()


class SqliteRunner:
    dialect = "sqlite"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="goalrail-sqlite")
        self._writer = asyncio.Lock()

    async def call(self, fn: Fn[T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, functools.partial(fn, *args))

    def _read(self, fn: Fn[T], *args: Any) -> T:
        with self.engine.connect() as conn:
            return fn(conn, *args)

    def _write(self, fn: Fn[T], *args: Any) -> T:
        with self.engine.connect() as conn:
            conn = conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                return fn(conn, *args)

    async def read(self, fn: Fn[T], *args: Any) -> T:
        return await self.call(self._read, fn, *args)

    async def write(self, fn: Fn[T], *args: Any) -> T:
        async with self._writer:
            return await self.call(self._write, fn, *args)

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[_SqliteHeld]:
        async with self._writer:
            held = _SqliteHeld(self)
            ok = False
            try:
                yield held
                ok = True
            finally:
                # Shielded: a cancelled caller must still end the transaction it opened.
                await asyncio.shield(self.call(held._finish, ok))

    async def close(self) -> None:
        await self.call(self.engine.dispose)
        self._thread.shutdown(wait=True)
