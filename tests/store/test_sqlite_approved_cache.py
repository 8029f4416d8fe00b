"""SQLite: an ASK's lookup of an approved approval of its action is answered from the
session's cache entry when the session has none of that action (issue 13: one read per
ASK on the event loop), and still finds one approved here or by another process."""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.sql.sqlite_store import SqliteStore

ASK_RM = PolicySpec(name="ask", handler="store_policies.ask_for_rm", params={}, kind="factory")


def rm(path: str) -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": f"rm -rf {path}"}}}


@pytest.fixture
def stores(sqlite_pair: tuple[SqliteStore, SqliteStore]) -> tuple[SqliteStore, SqliteStore]:
    return sqlite_pair


def count_lookups(store: SqliteStore) -> list[str]:
    """The digests the store reads approved approvals of (a list that grows)."""
    looked: list[str] = []
    read = store.approved_approvals

    async def counted(session_id: str, digest: str) -> Any:
        looked.append(digest)
        return await read(session_id, digest)

    store.approved_approvals = counted  # type: ignore[method-assign]
    return looked


async def test_an_ask_with_nothing_approved_reads_nothing(stores: tuple[SqliteStore, SqliteStore]) -> None:
    store, _ = stores
    rt = Runtime(store, registry=Registry.load(), server_specs=[ASK_RM])
    first = await rt.evaluate("s1", rm("a"), owner="alice")
    looked = count_lookups(store)
    asks = [await rt.evaluate("s1", rm(f"d{i}"), owner="alice") for i in range(5)]
    assert first.result == "ASK" and all(a.result == "ASK" for a in asks)
    assert looked == []
    await rt.resolve(asks[2].approval_id or "", "approve", scope="once", by="alice")
    retry = await rt.evaluate("s1", rm("d2"), owner="alice")  # its digest is now approved: read
    assert retry.result == "ALLOW" and retry.approval_id == asks[2].approval_id
    assert len(looked) == 1
    assert (await rt.evaluate("s1", rm("d3"), owner="alice")).result == "ASK"
    assert len(looked) == 1  # (another action: still answered by the entry)


async def test_an_approval_by_another_process_is_found(stores: tuple[SqliteStore, SqliteStore]) -> None:
    first, second = stores
    here = Runtime(first, registry=Registry.load(), server_specs=[ASK_RM])
    there = Runtime(second, registry=Registry.load(), server_specs=[ASK_RM])
    asked = await here.evaluate("s1", rm("d"), owner="alice")
    assert asked.result == "ASK" and asked.approval_id
    assert (await here.evaluate("s1", rm("e"), owner="alice")).result == "ASK"  # (the entry is cached)
    await there.resolve(asked.approval_id, "approve", scope="once", by="alice")
    retry = await here.evaluate("s1", rm("d"), owner="alice")
    assert retry.result == "ALLOW" and retry.approval_id == asked.approval_id
    assert (await first.get_approval(asked.approval_id)).status == "applied"  # type: ignore[union-attr]


async def test_an_entry_knows_the_approved_digests_when_read(stores: tuple[SqliteStore, SqliteStore]) -> None:
    store, _ = stores
    rt = Runtime(store, registry=Registry.load(), server_specs=[ASK_RM])
    asked = await rt.evaluate("s1", rm("d"), owner="alice")
    await rt.resolve(asked.approval_id or "", "approve", scope="once", by="alice")
    reopened = await open_store(store.url)
    assert isinstance(reopened, SqliteStore)
    try:
        entry = await reopened.entry("s1")
        approval = await reopened.get_approval(asked.approval_id or "")
        assert entry is not None and approval is not None and entry.approved == {approval.digest}
        retry = await Runtime(reopened, registry=Registry.load(), server_specs=[ASK_RM]).evaluate(
            "s1", rm("d"), owner="alice"
        )
        assert retry.result == "ALLOW" and retry.approval_id == asked.approval_id
    finally:
        await reopened.close()
