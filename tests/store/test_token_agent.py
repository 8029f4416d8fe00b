"""A token's agent-spec binding is stored on every backend, and revision 0008 keeps the
tokens stored before it working, unbound."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from tests.store.conftest import BEFORE_0010

from goalrail.runtime.ports import TokenRecord
from goalrail.store import open_store


async def test_a_tokens_binding_is_stored(store: Any) -> None:
    await store.create_token(TokenRecord("tok_b", "h" * 64, "alice", "agent", "hooks", 1.0, agent="coder"))
    await store.create_token(TokenRecord("tok_u", "u" * 64, "alice", "agent", None, 2.0))
    found = await store.find_token("h" * 64)
    assert found is not None and found.agent == "coder" and found.role == "agent"
    assert [(t.id, t.agent) for t in await store.list_tokens()] == [("tok_b", "coder"), ("tok_u", None)]
    await store.revoke_token("tok_b")
    found = await store.find_token("h" * 64)
    assert found is not None and found.revoked and found.agent == "coder"


def _drop_agent_column_sqlite(url: str) -> None:
    with sqlite3.connect(url.split(":///", 1)[1]) as conn:
        for statement in BEFORE_0010:  # (revision 0010's)
            conn.execute(statement)
        conn.execute("DROP INDEX ix_tokens_user")  # (revision 0009's)
        conn.execute("ALTER TABLE tokens DROP COLUMN agent")
        conn.execute("UPDATE alembic_version SET version_num = '0007'")


def _drop_agent_column_pg(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for statement in BEFORE_0010:  # (revision 0010's)
            conn.execute(statement)
        conn.execute("DROP INDEX ix_tokens_user")  # (revision 0009's)
        conn.execute("ALTER TABLE tokens DROP COLUMN agent")
        conn.execute("UPDATE alembic_version SET version_num = '0007'")


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_tokens_stored_before_the_migration_keep_working_unbound(
    backend: str, request: pytest.FixtureRequest
) -> None:
    url = str(request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url"))
    store = await open_store(url)
    await store.create_token(TokenRecord("tok_old", "o" * 64, "alice", "agent", "old hooks", 1.0))
    await store.close()
    (_drop_agent_column_sqlite if backend == "sqlite" else _drop_agent_column_pg)(url)  # as revision 0007 left it
    store = await open_store(url)  # migrates to 0008 and on
    try:
        found = await store.find_token("o" * 64)
        assert found is not None and found.id == "tok_old" and found.agent is None and not found.revoked
        await store.create_token(TokenRecord("tok_new", "n" * 64, "alice", "agent", None, 2.0, agent="coder"))
        assert [(t.id, t.agent) for t in await store.list_tokens()] == [("tok_old", None), ("tok_new", "coder")]
    finally:
        await store.close()
