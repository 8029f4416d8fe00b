"""The SQL store: SQLite (WAL, aiosqlite) and PostgreSQL (psycopg 3) through
SQLAlchemy 2 async, with Alembic migrations applied at open.

May import errors, engine, policies, runtime.ports and store.records.
"""

from goalrail.store.sql.store import SqlStore

__all__ = ["SqlStore"]
