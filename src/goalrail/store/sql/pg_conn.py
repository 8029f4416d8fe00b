"""PostgreSQL connections kept checked out of a SQLAlchemy pool and used through
libpq directly (``pg_wire.py``; ``pg_reads.Reader``, ``pg_batch.GroupCommit``): a checkout and
its return through the pool, a SQLAlchemy statement or a greenlet cost more
than the statements the decision path sends."""

from __future__ import annotations

import psycopg
from psycopg.rows import TupleRow
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from goalrail.store.sql.pg_wire import forget

#: A pooled connection and the psycopg connection under it.
Kept = tuple[AsyncConnection, psycopg.AsyncConnection[TupleRow]]


async def connect(engine: AsyncEngine, *, autocommit: bool = False) -> Kept:
    """A connection of ``engine`` (in autocommit mode if asked: its transactions are
    then the statements' own ``BEGIN`` … ``COMMIT``)."""
    conn = await engine.connect()
    try:
        if autocommit:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
        driver = (await conn.get_raw_connection()).driver_connection
    except BaseException:
        await conn.close()
        raise
    if driver is None:  # pragma: no cover - a pooled connection is open
        await conn.close()
        raise RuntimeError("the connection is closed")
    forget(driver)  # whoever had it last may have deallocated what this process prepared on it
    return conn, driver


async def discard(conn: AsyncConnection) -> None:
    """Throw ``conn`` away (broken, or left in a state nobody knows): never back to the pool."""
    try:
        await conn.invalidate()
        await conn.close()
    except Exception:  # pragma: no cover - it is being thrown away
        pass
