"""Backends for the store contract: MemoryStore, SQLite (temp file), PostgreSQL.

PostgreSQL is 127.0.0.1:5432, database ``test``, user ``postgres`` (trust);
every test gets a fresh schema, dropped afterwards.  Unreachable → skipped,
unless ``CI=true`` (then the test fails).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from goalrail.store import open_store
from goalrail.store.sql.sqlite_store import SqliteStore

#: What takes a database back from revision 0010 to 0009 by hand (the same on SQLite and
#: PostgreSQL), for the tests that set up an older revision.
BEFORE_0010 = (
    "DROP INDEX ix_sessions_minute",
    "DROP INDEX ix_sessions_owner_minute",
    "ALTER TABLE sessions DROP COLUMN active_minute",
    "CREATE INDEX ix_sessions_owner_activity ON sessions (owner, last_activity)",
    "CREATE INDEX ix_sessions_activity ON sessions (last_activity)",
)
PG_ADMIN_URL = os.environ.get("GOALRAIL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
_pg_state: dict[str, Any] = {}


def pg_reachable() -> bool:
    if "ok" not in _pg_state:
        try:
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
                _pg_state["ok"] = True
        except Exception as exc:  # any failure means "not here"
            _pg_state["ok"], _pg_state["why"] = False, f"{type(exc).__name__}"
    return bool(_pg_state["ok"])


def require_pg() -> None:
    if pg_reachable():
        return
    why = f"PostgreSQL is not reachable at 127.0.0.1:5432/test ({_pg_state.get('why')})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(why + " and CI=true requires it")
    pytest.skip(why)


def _pg_exec(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL whose search_path is a fresh, empty schema (dropped after the test)."""
    require_pg()
    schema = "goalrail_test_" + secrets.token_hex(6)
    _pg_exec(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        _pg_exec(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'goalrail.db'}"


BACKENDS = [
    pytest.param("memory", id="memory"),
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str:
    backend = request.param
    if backend == "memory":
        return "memory://"
    if backend == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Any]:
    s = await open_store(database_url)
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture
async def sqlite_pair(sqlite_url: str) -> AsyncIterator[tuple[SqliteStore, SqliteStore]]:
    """Two SQLite stores on one file, as two server processes would open it."""
    first, second = await open_store(sqlite_url), await open_store(sqlite_url)
    assert isinstance(first, SqliteStore) and isinstance(second, SqliteStore)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database_url" in metafunc.fixturenames and "backend_params" not in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("sql_only")
        params = BACKENDS[1:] if marker else BACKENDS
        metafunc.parametrize("database_url", params, indirect=True)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sql_only: run on the SQL backends only")


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The waits on the server (one per round trip) of every connection of this process."""
    count = [0]
    wait = psycopg.AsyncConnection.wait

    async def counted(self: Any, gen: Any, *args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return await wait(self, gen, *args, **kwargs)

    monkeypatch.setattr(psycopg.AsyncConnection, "wait", counted)
    yield count
