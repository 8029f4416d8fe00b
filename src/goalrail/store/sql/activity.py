"""Sessions read by their last activity: a user's live sessions (the sessions cap's count)
and the most recently active (listings), both through the indexes on ``active_minute``.

``active_minute`` (revision 0010) is a generated column, the whole minutes of
``last_activity``; the indexes hold it instead of ``last_activity`` so that a decision's
update of ``last_activity`` changes no indexed value within a minute (on PostgreSQL an
update in place, HOT: no index entry written).  Being a non-decreasing function of
``last_activity``, it orders sessions as ``last_activity`` does and bounds their ranges.
"""

from __future__ import annotations

import math

from sqlalchemy import ColumnElement, Select, select

from goalrail.store.sql import tables as t


def active_minute(at: float) -> int:
    """The lowest ``active_minute`` of a session active at ``at`` or later (the column is
    ``floor`` on PostgreSQL, truncation on SQLite, of ``last_activity / 60``: never below
    ``floor(at / 60)``)."""
    return math.floor(at / 60)


def live_sessions(owner: str, active_since: float) -> tuple[ColumnElement[bool], ...]:
    """``owner``'s sessions not ended and active at ``active_since`` or later, read through
    ``ix_sessions_owner_minute`` (the minute bounds the index's range)."""
    s = t.sessions
    return (
        s.c.owner == owner,
        s.c.active_minute >= active_minute(active_since),
        s.c.last_activity >= active_since,
        s.c.ended.is_(None),
    )


def listed_sessions(owner: str | None, limit: int) -> Select[tuple[object, ...]]:
    """The ``limit`` sessions (of ``owner``) active last, most recent first, through
    ``ix_sessions_minute`` (``ix_sessions_owner_minute``): the minute first, then
    ``last_activity`` within it, the same order as ``last_activity``'s alone."""
    s = t.sessions
    query = select(s).order_by(s.c.active_minute.desc(), s.c.last_activity.desc(), s.c.created_at).limit(limit)
    return query if owner is None else query.where(s.c.owner == owner)
