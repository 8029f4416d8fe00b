"""Approvals waiting for an answer, counted (issue 13): every ASK checks that its session has
fewer than ``MAX_PENDING`` waiting, and every unanswered ASK leaves one, so the check counts
through an index and decodes none of them."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import pytest
from record_spy import approval_records_made

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.asks import MAX_PENDING
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.sql.statements import for_dialect

ASK_RM = PolicySpec(name="ask", handler="store_policies.ask_for_rm", params={}, kind="factory")


def rm(path: str) -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": f"rm -rf {path}"}}}


async def test_waiting_counts_pending_unexpired_of_the_session_up_to_the_limit(store: Any) -> None:
    rt = Runtime(store, registry=Registry.load(), server_specs=[ASK_RM])
    ids = [(await rt.evaluate("s1", rm(f"d{i}"), owner="alice")).approval_id for i in range(6)]
    await rt.evaluate("s2", rm("other"), owner="alice")
    await rt.resolve(ids[0], "approve", scope="once", by="alice")
    await rt.resolve(ids[1], "deny", by="alice")
    expires = (await store.get_approval(ids[5])).expires_at
    now = time.time()
    async with store.transaction("s1") as tx:
        assert await tx.waiting_approvals("s1", now, 100) == 4  # not the approved, the denied or s2's
        assert await tx.waiting_approvals("s1", now, 3) == 3
        assert await tx.waiting_approvals("s1", expires + 1, 100) == 0  # every one expired by then
        assert await tx.waiting_approvals("s3", now, 100) == 0


async def test_an_ask_decodes_none_of_the_waiting_approvals(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    rt = Runtime(store, registry=Registry.load(), server_specs=[ASK_RM])
    for i in range(40):
        await rt.evaluate("s1", rm(f"d{i}"), owner="alice")
    made = approval_records_made(monkeypatch)
    out = await rt.evaluate("s1", rm("new"), owner="alice")
    assert out.result == "ASK"
    assert made == [out.approval_id]  # the new approval's record, none of the 40 waiting


async def test_the_cap_counts_only_unexpired_approvals(store: Any) -> None:
    rt = Runtime(store, registry=Registry.load(), server_specs=[ASK_RM])
    for i in range(MAX_PENDING):
        assert (await rt.evaluate("s1", rm(f"d{i}"), owner="alice")).result == "ASK"
    assert (await rt.evaluate("s1", rm("one-more"), owner="alice")).result == "DENY"
    # the approvals expire: the session may ask again
    rt.clock = lambda: time.time() + 10 * 24 * 3600
    assert (await rt.evaluate("s1", rm("later"), owner="alice")).result == "ASK"


async def test_the_count_has_its_index(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)  # the schema as migrated
    try:
        sql = for_dialect("sqlite")["approvals.waiting"]
        with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
            rows = conn.execute("EXPLAIN QUERY PLAN " + sql, {"sid": "s", "now": 0, "limit": 64})
            plan = " ".join(str(r[-1]) for r in rows)
    finally:
        await store.close()
    assert "ix_approvals_waiting" in plan, plan
