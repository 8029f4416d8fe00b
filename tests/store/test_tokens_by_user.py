"""A user's tokens are read by user and a token by its id, on every backend, and SQLite
answers both (and the per-user cap's count) from an index, not by reading every token."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import sqlite

from goalrail.runtime.ports import TokenRecord
from goalrail.store import open_store
from goalrail.store.sql import tables as t


async def test_a_users_tokens_and_a_token_by_id(store: Any) -> None:
    await store.create_token(TokenRecord("tok_a2", "a" * 64, "alice", "user", None, 2.0))
    await store.create_token(TokenRecord("tok_b1", "b" * 64, "bob", "user", None, 1.0))
    await store.create_token(TokenRecord("tok_a1", "c" * 64, "alice", "agent", "hooks", 1.5))
    assert [x.id for x in await store.list_tokens("alice")] == ["tok_a1", "tok_a2"]
    assert [x.id for x in await store.list_tokens("bob")] == ["tok_b1"]
    assert await store.list_tokens("carol") == []
    assert [x.id for x in await store.list_tokens()] == ["tok_b1", "tok_a1", "tok_a2"]
    found = await store.get_token("tok_a1")
    assert found is not None and (found.user, found.label) == ("alice", "hooks")
    assert await store.get_token("tok_zz") is None
    await store.revoke_token("tok_a1")
    found = await store.get_token("tok_a1")
    assert found is not None and found.revoked


def _plan(path: str, sql: str) -> str:
    with sqlite3.connect(path) as conn:
        return " ".join(str(row[-1]) for row in conn.execute("EXPLAIN QUERY PLAN " + sql))


async def test_sqlite_reads_a_users_tokens_through_an_index(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)
    await store.close()
    tk = t.tokens
    statements = [
        select(tk).where(tk.c.user == "alice").order_by(tk.c.created_at, tk.c.id),
        select(func.count()).select_from(tk).where(tk.c.user == "alice", tk.c.revoked.is_(False)),
    ]
    for statement in statements:
        compiled = statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
        plan = _plan(sqlite_url.split(":///", 1)[1], str(compiled))
        assert "USING INDEX ix_tokens_user" in plan, plan
        assert "SCAN tokens" not in plan.replace("USING INDEX", ""), plan
