"""Applying ``StateUpdate``s to the state tables inside a locked transaction.

The caller holds the lock that serializes writers of these rows (the session
row lock, or the owner's advisory lock for user state; SQLite's single writer),
so read-modify-write with ``engine.state.apply_update`` is exact and keeps the
reference semantics for every action.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, and_, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from goalrail.engine.state import apply_update
from goalrail.policies.schema import StateUpdate


def upsert(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> Any:
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


def apply_updates(
    conn: Connection,
    table: Table,
    where: Mapping[str, Any],
    updates: Sequence[StateUpdate],
    known: Mapping[str, Any] | None = None,
) -> None:
    """Apply ``updates`` to the rows of ``table`` selected by ``where``.

    ``known`` is the current key → value mapping when this transaction already
    read it under the same lock; otherwise the touched keys are read here.
    """
    if not updates:
        return
    keys = list(dict.fromkeys(u["key"] for u in updates))
    scope = [table.c[col] == value for col, value in where.items()]
    if known is None:
        rows = conn.execute(select(table.c.key, table.c.value).where(*scope, table.c.key.in_(keys)))
        known = {k: v for k, v in rows}
    work = {k: known[k] for k in keys if k in known}
    for upd in updates:
        apply_update(work, upd)
    present = [{**where, "key": k, "value": work[k]} for k in keys if k in work]
    gone = [k for k in keys if k not in work and k in known]
    if present:
        conn.execute(upsert(conn, table, present, [*where, "key"]))
    if gone:
        conn.execute(delete(table).where(and_(*scope, table.c.key.in_(gone))))
