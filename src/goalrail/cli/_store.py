"""Opening the configured store directly from the CLI (token management, offline audit checks)."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from goalrail.runtime.ports import AdminStore

T = TypeVar("T")


def add_store_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-c", "--config", help="server config YAML whose `database_url` to use")
    p.add_argument("--database-url", help="the store to open (overrides the config)")


def database_url(args: argparse.Namespace) -> str | None:
    if getattr(args, "database_url", None):
        return str(args.database_url)
    from goalrail.config.server import load_server_config

    return load_server_config(getattr(args, "config", None), load_registry=False).database_url


async def with_store(url: str | None, fn: Callable[[AdminStore], Awaitable[T]], *, persistent: bool = False) -> T:
    from goalrail.errors import ConfigError
    from goalrail.store import open_store
    from goalrail.store.memory import MemoryStore

    store = await open_store(url)
    try:
        if persistent and isinstance(store, MemoryStore):
            raise ConfigError(
                "this needs a persistent store: `memory://` would forget it at once; "
                "use the server's `database_url` (default: the SQLite file in ~/.goalrail)"
            )
        return await fn(store)
    finally:
        await store.close()
