"""Driver errors become ``goalrail.errors`` here, without driver internals in messages."""

from __future__ import annotations

import logging
import sqlite3

import psycopg
from sqlalchemy import exc as sa_exc

from goalrail.errors import Conflict, GoalrailError, InvalidRequest, StoreError

log = logging.getLogger("goalrail.store")


def translate(error: BaseException) -> GoalrailError:
    """The goalrail error for a database failure (the original is logged by class only)."""
    if isinstance(error, GoalrailError):
        return error
    orig = getattr(error, "orig", None)
    kind = type(orig or error).__name__
    log.warning("database error: %s (%s)", kind, type(error).__name__)
    if isinstance(error, (sa_exc.IntegrityError, sqlite3.IntegrityError, psycopg.IntegrityError)):
        return Conflict("the change conflicts with a stored record")
    if isinstance(error, sa_exc.TimeoutError):
        return StoreError("the database is overloaded (no free connection)")
    text = str(orig if orig is not None else error).lower()
    # PostgreSQL text columns cannot hold NUL: refused by the driver, or (sent inside JSON) by the server.
    if "nul (0x00)" in text or "0x00" in text or kind == "UntranslatableCharacter":
        return InvalidRequest("text values must not contain NUL characters")
    if "locked" in text or "busy" in text or isinstance(orig or error, psycopg.errors.LockNotAvailable):
        return StoreError("the database is busy (locked by another writer)")
    if isinstance(error, (sa_exc.InterfaceError, OSError)) or "connect" in text:
        return StoreError("cannot reach the database")
    return StoreError(f"database error ({kind})")


# The hot path talks to DB-API cursors directly, so their errors count too.
STORE_ERRORS: tuple[type[BaseException], ...] = (
    sa_exc.SQLAlchemyError,
    sqlite3.Error,
    psycopg.Error,
    OSError,
)
