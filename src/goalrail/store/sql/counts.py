"""Counts of pending approvals for lists and metrics, counted by the database.

``GET /v1/sessions`` shows each listed session's pending approvals and ``/metrics`` the
server's: both are counts, so no approval row is read or decoded — the listed sessions'
through ``ix_approvals_session`` (session, status), the server's through
``ix_approvals_status`` — however many approvals the caller (or, for an admin, every user)
ever had.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from goalrail.store.sql import tables as t


def pending_counts(conn: Connection, session_ids: list[str]) -> dict[str, int]:
    """Each of ``session_ids`` with pending approvals, and how many (the others: absent)."""
    if not session_ids:
        return {}
    a = t.approvals
    found = conn.execute(
        select(a.c.session_id, func.count())
        .where(a.c.session_id.in_(session_ids), a.c.status == "pending")
        .group_by(a.c.session_id)
    )
    return {sid: int(n) for sid, n in found}


def pending_total(conn: Connection) -> int:
    """The server's pending approvals."""
    a = t.approvals
    return int(conn.execute(select(func.count()).select_from(a).where(a.c.status == "pending")).scalar() or 0)
