"""Fixtures: one real ``goalrail server`` process per test module, and in-process runtimes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio._core._subprocesses  # noqa: F401 - see below
import pytest

from goalrail.config.server import server_config_from_text
from goalrail.engine.actions import ActionMapper
from goalrail.integrations.local import LocalBackend
from goalrail.runtime import Runtime
from goalrail.store.memory import MemoryStore
from tests.integrations.scripted_proxy import ProxyAsk
from tests.integrations.support import CHAIN, SDK_CLIENTS, ServerProc, running_server

# anyio is a pytest plugin, so pytest rewrites its modules on import.  anyio imports its
# subprocess module lazily, deep inside an MCP stdio client; rewriting it there can hit
# CPython 3.11's "AST constructor recursion depth mismatch".  Importing it here avoids that.


@pytest.fixture(autouse=True)
def _close_sdk_clients() -> Iterator[None]:
    yield
    while SDK_CLIENTS:
        SDK_CLIENTS.pop().close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("server")) as srv:
        yield srv


@pytest.fixture
def proxy_ask(server: ServerProc) -> ProxyAsk:
    """One request through the LLM proxy in-process, against the module's ``server`` and a scripted upstream."""
    return ProxyAsk(server.url)


def make_runtime(config: str = CHAIN) -> Runtime:
    cfg = server_config_from_text(config)
    return Runtime(
        MemoryStore(),
        registry=cfg.registry,
        server_specs=cfg.policies,
        agents=dict(cfg.agents),
        mapper=ActionMapper(cfg.tool_mapping),
        poll_interval_s=0.05,
    )


@pytest.fixture
def runtime() -> Runtime:
    return make_runtime()


@pytest.fixture
def local(runtime: Runtime) -> Any:
    return LocalBackend(runtime)
