"""The SQL store: SQLite (WAL, stdlib driver) and PostgreSQL (psycopg 3 async)
through SQLAlchemy 2, behind an async API, with Alembic migrations applied at
open.  Modules: ``engine`` (URLs, engines, pragmas), ``runner`` (where queries
run), ``tables`` (schema), ``statements`` (hand-written per-decision SQL),
``changes`` (what a commit writes), ``tx`` (the locked snapshot/commit),
``crud`` (everything else), ``rows`` (row ↔ record), ``errors`` (driver errors
→ goalrail errors), ``migrate``; on SQLite ``sqlite_store`` (the store),
``sqlite_cache`` (what it keeps between decisions) and ``sqlite_commit`` (group
commit).

May import errors, engine, policies, runtime (ports, audit) and store.
"""

from goalrail.store.sql.store import SqlStore

__all__ = ["SqlStore"]
