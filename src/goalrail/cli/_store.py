"""Opening the configured store directly from the CLI (token management, offline audit checks)."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


def add_store_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-c", "--config", help="server config YAML whose `database_url` to use")
    p.add_argument("--database-url", help="the store to open (overrides the config)")


def database_url(args: argparse.Namespace) -> str | None:
    if getattr(args, "database_url", None):
        return str(args.database_url)
    from goalrail.config.server import load_server_config

    return load_server_config(getattr(args, "config", None), load_registry=False).database_url


async def with_store(url: str | None, fn: Callable[[Any], Awaitable[T]], *, persistent: bool = False) -> T:
    from goalrail.errors import ConfigError
    from goalrail.store.factory import open_store
    from goalrail.store.memory import MemoryStore

    store = open_store(url)
    if persistent and isinstance(store, MemoryStore):
        raise ConfigError("this needs a persistent store: set `database_url` in the config or pass --database-url "
                          "(an in-memory store would forget it at once)")
    starter = getattr(store, "start", None)
    if starter is not None:
        await starter()
    try:
        return await fn(store)
    finally:
        closer = getattr(store, "close", None)
        if closer is not None:
            result = closer()
            if hasattr(result, "__await__"):
                await result
