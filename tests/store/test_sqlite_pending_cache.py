"""SQLite's cache knows each session's pending approvals (issue 13): an ASK counts its
session's waiting approvals, and a ``tool_result`` looks for its call's, without a read of
the database, and the count stays exact when approvals are answered, used, or made by
another process on the same file."""

from __future__ import annotations

import time
from typing import Any

import pytest

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.asks import MAX_PENDING
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.sql.sqlite_store import SqliteStore

ASK_RM = PolicySpec(name="ask", handler="store_policies.ask_for_rm", params={}, kind="factory")


def rm(path: str) -> dict[str, Any]:
    data = {"name": "Bash", "arguments": {"command": f"rm -rf {path}"}, "tool_use_id": f"u-{path}"}
    return {"type": "tool_call", "target": "Bash", "data": data, "context": {"harness": "claude-code"}}


def ls_result() -> dict[str, Any]:
    data = {"name": "Bash", "arguments": {"command": "ls"}, "tool_use_id": "u-ls", "result": "a b"}
    return {"type": "tool_result", "target": "Bash", "data": data, "context": {"harness": "claude-code"}}


def reads(store: SqliteStore, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the functions the store runs as reads from now on."""
    seen: list[str] = []
    read = store.runner.read

    async def counted(fn: Any, *args: Any) -> Any:
        seen.append(getattr(fn, "__name__", repr(fn)))
        return await read(fn, *args)

    monkeypatch.setattr(store.runner, "read", counted)
    return seen


async def test_an_ask_and_a_result_read_nothing(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    try:
        rt = Runtime(store, registry=Registry.load(), server_specs=[ASK_RM])
        for i in range(10):
            assert (await rt.evaluate("s1", rm(f"d{i}"), owner="alice")).result == "ASK"
        seen = reads(store, monkeypatch)
        assert (await rt.evaluate("s1", rm("new"), owner="alice")).result == "ASK"
        assert (await rt.evaluate("s1", ls_result(), owner="alice")).result == "ALLOW"  # after an ASK on Bash
        assert seen == []
    finally:
        await store.close()


async def test_the_cap_stays_exact_as_approvals_are_answered(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)
    try:
        rt = Runtime(store, registry=Registry.load(), server_specs=[ASK_RM])
        ids = [(await rt.evaluate("s1", rm(f"d{i}"), owner="alice")).approval_id for i in range(MAX_PENDING)]
        assert (await rt.evaluate("s1", rm("more"), owner="alice")).result == "DENY"
        await rt.resolve(ids[0], "deny", by="alice")  # one fewer waiting
        assert (await rt.evaluate("s1", rm("more"), owner="alice")).result == "ASK"
        assert (await rt.evaluate("s1", rm("again"), owner="alice")).result == "DENY"
        # the client's prompt let one run: its result answers it, so one more may ask
        done = rm("d5")
        done["type"], done["data"]["result"] = "tool_result", "ok"
        await rt.evaluate("s1", done, owner="alice")
        assert (await store.get_approval(ids[5])).status == "answered_in_client"
        assert (await rt.evaluate("s1", rm("again"), owner="alice")).result == "ASK"
        assert (await rt.evaluate("s1", rm("last"), owner="alice")).result == "DENY"
        rt.clock = lambda: time.time() + 10 * 24 * 3600  # every one expired
        assert (await rt.evaluate("s1", rm("later"), owner="alice")).result == "ASK"
    finally:
        await store.close()


async def test_another_process_asks_count_too(sqlite_pair: tuple[SqliteStore, SqliteStore]) -> None:
    first, second = sqlite_pair
    one = Runtime(first, registry=Registry.load(), server_specs=[ASK_RM])
    two = Runtime(second, registry=Registry.load(), server_specs=[ASK_RM])
    assert (await two.evaluate("s1", rm("first"), owner="alice")).result == "ASK"  # cached in the second
    for i in range(MAX_PENDING - 1):
        assert (await one.evaluate("s1", rm(f"d{i}"), owner="alice")).result == "ASK"
    assert (await two.evaluate("s1", rm("more"), owner="alice")).result == "DENY"


async def test_loading_a_session_reads_its_latest_pending_approvals_only(sqlite_url: str) -> None:
    """A session of many expired, unanswered ASKs: the cache keeps the 128 expiring last, not all,
    and the count and the cap are the same as the store's."""
    store = await open_store(sqlite_url)
    try:
        moment = [time.time() - 30 * 24 * 3600]
        rt = Runtime(store, registry=Registry.load(), server_specs=[ASK_RM], clock=lambda: moment[0])
        for i in range(300):  # each expired by the next (an hour apart)
            moment[0] += 3600
            assert (await rt.evaluate("s1", rm(f"old{i}"), owner="alice")).result == "ASK"
        rt.clock = time.time
        for i in range(MAX_PENDING):
            assert (await rt.evaluate("s1", rm(f"d{i}"), owner="alice")).result == "ASK"
    finally:
        await store.close()
    again = await open_store(sqlite_url)  # a cold cache: the session is loaded from the file
    assert isinstance(again, SqliteStore)
    try:
        rt = Runtime(again, registry=Registry.load(), server_specs=[ASK_RM])
        ls = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}
        assert (await rt.evaluate("s1", ls, owner="alice")).result == "ALLOW"  # loads the session, counts nothing
        entry = again.cache.sessions.get("s1")
        assert entry is not None and len(entry.pending) == 128
        assert (await rt.evaluate("s1", rm("more"), owner="alice")).result == "DENY"  # 64 still waiting
        async with again.transaction("s1") as tx:
            assert await tx.waiting_approvals("s1", time.time(), 1000) == MAX_PENDING
        assert len(await again.list_approvals(status="pending", session_id="s1")) == 300 + MAX_PENDING
    finally:
        await again.close()
