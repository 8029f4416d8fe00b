"""The approved retry is looked up among a session's approved approvals only (issue 13):
every unanswered ASK leaves a pending approval, and the lookup each ASK makes must neither
miss the approved one among them nor read them all."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import pytest
from sqlalchemy import Connection, inspect, select
from sqlalchemy.dialects import sqlite as sqlite_dialect

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.sql import tables as t
from goalrail.store.sql.statements import for_dialect

ASK_RM = PolicySpec(name="ask", handler="store_policies.ask_for_rm", params={}, kind="factory")


def rm(path: str) -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": f"rm -rf {path}"}}}


async def test_the_approved_retry_is_found_among_many_pending(store: Any) -> None:
    rt = Runtime(store, registry=Registry.load(), server_specs=[ASK_RM])
    ids = [(await rt.evaluate("s1", rm(f"d{i}"), owner="alice")).approval_id for i in range(60)]
    other = await rt.evaluate("s2", rm("d30"), owner="alice")  # the same action, another session
    assert all(ids) and other.approval_id
    await rt.resolve(ids[30], "approve", scope="once", by="alice")
    await rt.resolve(ids[40], "approve", scope="once", by="alice")
    await rt.resolve(ids[50], "deny", by="alice")
    await rt.resolve(other.approval_id, "approve", scope="once", by="bob")

    async with store.transaction("s1") as tx:
        approved = await tx.approved_approvals("s1", (await store.get_approval(ids[30])).digest)
    assert [a.id for a in approved] == [ids[30]]  # not d40's (another action), not s2's
    assert len(await store.list_approvals(status="pending", session_id="s1")) == 57

    retry = await rt.evaluate("s1", rm("d30"), owner="alice")
    assert retry.result == "ALLOW" and retry.approval_id == ids[30] and "approved by alice" in retry.decision.reason
    assert (await store.get_approval(ids[30])).status == "applied"
    async with store.transaction("s1") as tx:
        assert await tx.approved_approvals("s1", approved[0].digest) == []
    again = await rt.evaluate("s1", rm("d30"), owner="alice")  # used up: asked again
    assert again.result == "ASK" and again.approval_id not in ids
    denied = await rt.evaluate("s1", rm("d50"), owner="alice")
    assert denied.result == "ASK"
    assert (await store.get_approval(other.approval_id)).status == "approved"  # s2's is untouched


def _indexes(conn: Connection) -> dict[str, list[str | None]]:
    return {ix["name"] or "": ix["column_names"] for ix in inspect(conn).get_indexes("approvals")}


@pytest.mark.sql_only
async def test_the_lookup_has_its_index(store: Any, database_url: str) -> None:
    indexes = await store.runner.read(_indexes)
    assert indexes["ix_approvals_approved"] == ["session_id", "status", "digest"]
    if database_url.startswith("sqlite"):
        sql = for_dialect("sqlite")["approvals.approved"]
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as conn:
            plan = " ".join(str(r[-1]) for r in conn.execute("EXPLAIN QUERY PLAN " + sql, {"sid": "s", "digest": "d"}))
        assert "ix_approvals_approved" in plan, plan


@pytest.mark.sql_only
async def test_pending_approvals_add_no_entry_to_the_lookup_index(store: Any) -> None:
    rt = Runtime(store, registry=Registry.load(), server_specs=[ASK_RM])
    ids = [(await rt.evaluate("s1", rm(f"d{i}"), owner="alice")).approval_id for i in range(5)]
    await rt.resolve(ids[2], "approve", scope="once", by="alice")
    definition = await store.runner.read(_index_definition)
    assert "WHERE" in definition.upper() and "'approved'" in definition, definition  # a partial index
    async with store.transaction("s1") as tx:
        approved = await tx.approved_approvals("s1", (await store.get_approval(ids[2])).digest)
    assert [a.id for a in approved] == [ids[2]]


def _index_definition(conn: Connection) -> str:
    if conn.dialect.name == "sqlite":
        sql = "SELECT sql FROM sqlite_master WHERE name = 'ix_approvals_approved'"
    else:
        sql = "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        sql += "AND indexname = 'ix_approvals_approved'"
    return str(conn.exec_driver_sql(sql).scalar())


@pytest.mark.sql_only
async def test_the_audit_has_no_index_by_time(store: Any) -> None:
    indexes = await store.runner.read(lambda conn: [ix["name"] for ix in inspect(conn).get_indexes("audit")])
    assert indexes == ["ix_audit_session"]


def test_a_sessions_pending_approvals_are_read_through_its_index(sqlite_url: str) -> None:
    """``list_approvals(status=…, session_id=…)`` (a ``tool_result`` after an ASK) reads the
    session's rows of that status, not every session's pending approvals."""
    asyncio.run(_close(open_store(sqlite_url)))
    a = t.approvals
    query = select(a).where(a.c.status == "pending", a.c.session_id == "s1").order_by(a.c.created_at, a.c.id)
    sql = str(query.compile(dialect=sqlite_dialect.dialect(), compile_kwargs={"literal_binds": True}))
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        plan = " ".join(str(r[-1]) for r in conn.execute("EXPLAIN QUERY PLAN " + sql))
    assert "ix_approvals_session (session_id=? AND status=?)" in plan, plan


async def _close(opening: Any) -> None:
    await (await opening).close()
