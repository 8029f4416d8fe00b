"""Creations under a user's cap (``runtime.quota``), checked in the creating transaction.

Each function runs first in the write transaction that then inserts the row, so the
count and the insert are one step: on SQLite the transaction holds the file's one
write lock from its start (``BEGIN IMMEDIATE``), on PostgreSQL it first takes a
transaction-level advisory lock named by the user, which every replica's creation
for that user takes too (READ COMMITTED: the count, a statement after the lock,
sees every creation committed before it was granted).
"""

from __future__ import annotations

from sqlalchemy import Connection, func, or_, select, text

from goalrail.runtime.quota import LOCK_KEY, SessionCap, TokenCap
from goalrail.store.sql import activity
from goalrail.store.sql import tables as t

_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")


def _lock(conn: Connection, kind: str, user: str) -> None:
    if conn.dialect.name == "postgresql":  # (SQLite: the transaction holds the file's write lock already)
        conn.execute(_LOCK, {"key": LOCK_KEY.format(kind=kind, user=user)})


def check_session(conn: Connection, session_id: str, cap: SessionCap) -> None:
    """``cap``'s ``Conflict`` when ``session_id`` is new and its owner has ``cap.limit`` live sessions."""
    _lock(conn, "sessions", cap.owner)
    s = t.sessions
    if conn.execute(select(s.c.id).where(s.c.id == session_id)).first() is not None:
        return  # (an existing session is never refused: only creations count)
    live = activity.live_sessions(cap.owner, cap.active_since)
    cap.check(int(conn.execute(select(func.count()).select_from(s).where(*live)).scalar() or 0))


def check_token(conn: Connection, cap: TokenCap) -> None:
    """``cap``'s ``Conflict`` when its user already holds ``cap.limit`` tokens that count."""
    _lock(conn, "tokens", cap.user)
    tk = t.tokens
    counted = (
        tk.c.user == cap.user,
        tk.c.revoked.is_(False),
        or_(~tk.c.id.startswith(cap.web_prefix, autoescape=True), tk.c.created_at >= cap.web_since),
    )
    cap.check(int(conn.execute(select(func.count()).select_from(tk).where(*counted)).scalar() or 0))
