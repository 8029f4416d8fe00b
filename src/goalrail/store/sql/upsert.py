"""Portable ``INSERT … ON CONFLICT`` statements (SQLite and PostgreSQL) for SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Connection, Insert, Table
from sqlalchemy.dialects import postgresql, sqlite


def upsert(conn: Connection, table: Table, rows: Sequence[Mapping[str, object]], keys: Sequence[str]) -> Insert:
    """An INSERT … ON CONFLICT (keys) DO UPDATE statement for ``rows``."""
    stmt = _insert(conn, table).values(list(rows))
    updated = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
    if not updated:
        return stmt.on_conflict_do_nothing(index_elements=list(keys))
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=updated)


def insert_ignore(conn: Connection, table: Table, keys: Sequence[str]) -> Insert:
    """An INSERT … ON CONFLICT (keys) DO NOTHING statement (its rows: the parameters it is run with)."""
    return _insert(conn, table).on_conflict_do_nothing(index_elements=list(keys))


def _insert(conn: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    return postgresql.insert(table) if conn.dialect.name == "postgresql" else sqlite.insert(table)
