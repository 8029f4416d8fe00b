"""Portable ``INSERT … ON CONFLICT`` statements (SQLite and PostgreSQL) for SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def upsert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> Any:
    """An INSERT … ON CONFLICT (keys) DO UPDATE statement for ``rows``."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(list(rows))
    updated = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
    if not updated:
        return stmt.on_conflict_do_nothing(index_elements=list(keys))
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=updated)


def insert_ignore(conn: Connection, table: Table, row: dict[str, Any], keys: Sequence[str]) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).values(row).on_conflict_do_nothing(index_elements=list(keys))
