"""A decision whose request goes away while its group commit is pending (the task
awaiting it cancelled): the decision is written all the same, and its session's
lock is held until it is, so the session's next decision is evaluated on it."""

from __future__ import annotations

import asyncio

import pytest

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime import audit
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.sql.sqlite_store import SqliteStore

MAX = PolicySpec(name="max", handler="store_policies.max_calls", params={"limit": 4}, kind="factory")
LS = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}


async def test_a_cancelled_wait_keeps_the_lock_until_written(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    try:
        rt = Runtime(store, registry=Registry.load(), server_specs=[MAX])
        assert (await rt.evaluate("s1", LS, owner="alice")).result == "ALLOW"
        group = store.group
        written = group.decisions
        # Hold the writer so the next batch waits: the decision's commit stays pending.
        async with store.runner.hold():
            task = asyncio.ensure_future(rt.evaluate("s1", LS, owner="alice"))
            for _ in range(1000):
                await asyncio.sleep(0)
                if group._pending:
                    break
            assert group._pending, "the decision never reached the group commit"
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            lock = store._locks["s1"][0]
            assert lock.locked()  # not written yet: the session stays locked
        for _ in range(1000):
            await asyncio.sleep(0)
            if "s1" not in store._locks:
                break
        assert "s1" not in store._locks  # written, then unlocked
        assert group.decisions == written + 1
        # The third and fourth calls: the cancelled one counted (the limit is 4).
        assert [(await rt.evaluate("s1", LS, owner="alice")).result for _ in range(3)] == ["ALLOW", "ALLOW", "DENY"]
        entries = await store.audit_entries()
        assert len(entries) == 5 and audit.verify(entries)["ok"] is True
    finally:
        await store.close()
