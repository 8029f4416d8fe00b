"""``open_store(database_url)``: the store a URL names.

A stop-gap until the SQL store lands: ``memory://`` (and no URL at all) give a
MemoryStore; anything else is a clear error.  The store branch provides the real
``open_store`` in ``goalrail.store``; this module defers to it when present.
"""

from __future__ import annotations

import logging
from typing import Any

from goalrail.errors import ConfigError

log = logging.getLogger("goalrail.store")


def open_store(database_url: str | None) -> Any:
    from goalrail import store as package

    real = getattr(package, "open_store", None)
    if real is not None and real is not open_store:
        return real(database_url)
    from goalrail.store.memory import MemoryStore

    if database_url is None:
        log.warning("no SQL store is available in this build: keeping state in memory (lost on restart)")
        return MemoryStore()
    if database_url.startswith("memory:"):
        return MemoryStore()
    raise ConfigError(
        f"database_url `{database_url.split('@')[-1]}` is not supported by this build (only `memory://`)",
        [{"loc": "database_url", "message": "unsupported scheme"}],
    )
