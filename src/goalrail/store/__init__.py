"""Storage backends behind ``goalrail.runtime.ports.Store``: in-memory here,
SQLite/PostgreSQL (SQLAlchemy) beside it.  Backend errors are translated to
``goalrail.errors.StoreError`` at this boundary.

May import errors, policies, engine, config and runtime.ports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from goalrail.runtime.ports import AdminStore
    from goalrail.store.memory import MemoryStore
    from goalrail.store.sql import SqlStore

    def _both_are_admin_stores(memory: MemoryStore, sql: SqlStore) -> tuple[AdminStore, AdminStore]:
        """Never called: mypy checks here that both backends satisfy the server's protocol."""
        return memory, sql


MEMORY_URL = "memory://"


async def open_store(database_url: str | None = None) -> MemoryStore | SqlStore:
    """The store for ``database_url``, migrated and ready; ``close()`` it when done.

    ``None`` → the default SQLite file (``$GOALRAIL_HOME/goalrail.db``, else
    ``~/.goalrail/goalrail.db``); ``memory://`` → an in-memory store;
    ``sqlite:///PATH`` or ``postgresql://…`` → the SQL store.
    """
    # Each backend is imported when chosen: the memory store never loads SQLAlchemy.
    if database_url is not None and database_url.strip() == MEMORY_URL:
        from goalrail.store.memory import MemoryStore

        return MemoryStore()
    from goalrail.store.sql.engine import SQLITE_DRIVER, default_url, normalize_url

    url = database_url or default_url()
    if normalize_url(url).drivername == SQLITE_DRIVER:
        from goalrail.store.sql.sqlite_store import SqliteStore

        return await SqliteStore.open(url)
    from goalrail.store.sql import SqlStore

    return await SqlStore.open(url)


__all__ = ["MEMORY_URL", "open_store"]
