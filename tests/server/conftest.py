"""Fixtures: an app per test (MemoryStore) with tokens for every role, httpx clients."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

FIXTURES = Path(__file__).parent / "fixtures"
if str(FIXTURES) not in sys.path:
    sys.path.insert(0, str(FIXTURES))

from server_support import add_tokens, client_for, make_app  # noqa: E402

from goalrail.server.logs import UVICORN_LOGGERS  # noqa: E402
from goalrail.store.memory import MemoryStore  # noqa: E402


@pytest.fixture
async def store() -> MemoryStore:
    s = MemoryStore()
    await add_tokens(s)
    return s


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def sql_app(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    """The same app on the SQL store: SQLite (what `goalrail server` uses by default) and PostgreSQL."""
    from goalrail.store import open_store

    sqlite = f"sqlite:///{tmp_path / 'goalrail.db'}"
    url = sqlite if request.param == "sqlite" else request.getfixturevalue("pg_url")
    s = await open_store(url)
    await add_tokens(s)
    try:
        yield make_app(store=s)
    finally:
        await s.close()


@pytest.fixture
def pg_url() -> Any:
    """A fresh PostgreSQL schema (skipped if unreachable, failed with CI=true): the store suite's helper."""
    from tests.store import conftest as store_conftest

    yield from store_conftest.pg_url.__wrapped__()  # type: ignore[attr-defined]


@pytest.fixture
async def app(store: MemoryStore) -> Any:
    return make_app(store=store)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as c:
        yield c


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> pytest.LogCaptureFixture:
    """``caplog`` at INFO, reached by the server's loggers whatever earlier tests left: the
    in-process ``goalrail test``/``replay`` commands set ``goalrail`` to ERROR, and uvicorn's
    log config sets its loggers' levels and ``uvicorn.access`` not to propagate."""
    for name in ("goalrail", "goalrail.engine", "goalrail.server", "uvicorn", *UVICORN_LOGGERS):
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "level", logging.NOTSET)
        monkeypatch.setattr(logger, "propagate", True)
        monkeypatch.setattr(logger, "disabled", False)
    caplog.set_level(logging.INFO)
    return caplog
