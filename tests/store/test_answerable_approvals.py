"""What a ``tool_result`` may answer, read by its call (issue 13): after a client's prompt let an
asked call run, its result resolves that call's pending approval ``answered_in_client``; the
session's other pending approvals (every unanswered ASK leaves one) are neither read nor decoded."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import pytest
from record_spy import approval_records_made

from goalrail.engine.approvals import call_digest
from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.asks import ANSWERED_IN_CLIENT
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.sql.statements import for_dialect

ASK_RM = PolicySpec(name="ask", handler="store_policies.ask_for_rm", params={}, kind="factory")


def rm(path: str, use_id: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "Bash", "arguments": {"command": f"rm -rf {path}"}}
    if use_id:
        data["tool_use_id"] = use_id
    return {"type": "tool_call", "target": "Bash", "data": data, "context": {"harness": "claude-code"}}


def result(path: str, use_id: str) -> dict[str, Any]:
    call = rm(path, use_id)
    call["type"], call["data"]["result"] = "tool_result", "done"
    return call


async def test_a_result_answers_its_call_and_decodes_none_of_the_others(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt = Runtime(store, registry=Registry.load(), server_specs=[ASK_RM])
    for i in range(40):
        assert (await rt.evaluate("s1", rm(f"d{i}", f"u{i}"), owner="alice")).result == "ASK"
    asked = await rt.evaluate("s1", rm("build", "t1"), owner="alice")
    assert asked.result == "ASK"
    made = approval_records_made(monkeypatch)
    out = await rt.evaluate("s1", result("build", "t1"), owner="alice")
    assert out.result == "ALLOW"
    assert set(made) <= {asked.approval_id}  # (its answered copy at most) none of the 40 others
    record = await store.get_approval(asked.approval_id)
    assert record is not None and record.status == ANSWERED_IN_CLIENT
    pending = await store.list_approvals(status="pending", session_id="s1")
    assert len(pending) == 40  # the others still wait


async def test_a_result_answers_only_its_own_tool_use(store: Any) -> None:
    rt = Runtime(store, registry=Registry.load(), server_specs=[ASK_RM])
    first = await rt.evaluate("s1", rm("build", "t1"), owner="alice")
    second = await rt.evaluate("s1", rm("build", "t2"), owner="alice")  # the same call asked again
    await rt.evaluate("s1", result("build", "t1"), owner="alice")
    answered = {a.id for a in await store.list_approvals(session_id="s1") if a.status == ANSWERED_IN_CLIENT}
    assert answered == {first.approval_id}
    await rt.evaluate("s1", result("build", "t2"), owner="alice")
    answered = {a.id for a in await store.list_approvals(session_id="s1") if a.status == ANSWERED_IN_CLIENT}
    assert answered == {first.approval_id, second.approval_id}


async def test_answerable_are_the_pending_unexpired_asks_of_that_call(store: Any) -> None:
    rt = Runtime(store, registry=Registry.load(), server_specs=[ASK_RM])
    ids = [(await rt.evaluate("s1", rm("build", f"t{i}"), owner="alice")).approval_id for i in range(3)]
    other = (await rt.evaluate("s1", rm("dist", "t9"), owner="alice")).approval_id
    theirs = (await rt.evaluate("s2", rm("build", "t8"), owner="alice")).approval_id
    await rt.resolve(ids[1], "approve", scope="once", by="alice")
    record = await store.get_approval(ids[0])
    assert record is not None
    digest = record.digest  # the call's (``call_digest`` of its result's built event)
    now = time.time()
    async with store.transaction("s1") as tx:
        found = await tx.answerable_approvals("s1", digest, now)
        assert [a.id for a in found] == [ids[0], ids[2]]  # oldest first; not the approved one
        assert other not in {a.id for a in found} and theirs not in {a.id for a in found}
        assert await tx.answerable_approvals("s1", digest, record.expires_at + 1) == []  # expired by then
        assert await tx.answerable_approvals("s1", call_digest({"target": "Bash"}), now) == []
        assert await tx.answerable_approvals("s3", digest, now) == []


async def test_the_lookup_has_its_index(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)  # the schema as migrated
    try:
        sql = for_dialect("sqlite")["approvals.answerable"]
        with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
            rows = conn.execute("EXPLAIN QUERY PLAN " + sql, {"sid": "s", "digest": "d", "now": 0})
            plan = " ".join(str(r[-1]) for r in rows)
    finally:
        await store.close()
    assert "ix_approvals_waiting" in plan, plan  # the unexpired pending rows of the session
