"""The memory store's audit log is bounded: it keeps the newest entries, drops the
oldest a chunk at a time, and what it keeps still verifies from the last entry it
dropped (and still detects an edited or deleted entry)."""

from __future__ import annotations

import pytest

from goalrail.runtime import audit
from goalrail.runtime.ports import Commit
from goalrail.store.memory import MemoryStore


async def _decisions(store: MemoryStore, n: int) -> None:
    await store.ensure_session("s")
    for i in range(n):
        async with store.transaction("s") as tx:
            entry = audit.AuditEntry(float(i), "decision", "s", {"result": "ALLOW", "i": i})
            await tx.commit(Commit(audit=entry))


async def test_the_audit_log_keeps_at_most_its_limit_and_verifies_from_its_base() -> None:
    store = MemoryStore(audit_limit=100)
    await _decisions(store, 1_000)
    assert 100 <= len(store.audit) <= 125
    assert store.audit[-1]["seq"] == 1_000 and store.audit_base is not None
    assert store.audit_base[0] == store.audit[0]["seq"] - 1
    kept = await store.audit_entries()
    assert audit.verify(kept, base=store.audit_base)["ok"] is True
    assert audit.verify(kept)["ok"] is False  # not from the start: the base is needed


@pytest.mark.parametrize("how", ["edit", "delete", "base"])
async def test_a_bounded_log_still_detects_tampering(how: str) -> None:
    store = MemoryStore(audit_limit=50)
    await _decisions(store, 300)
    base = store.audit_base
    assert base is not None
    if how == "edit":
        store.audit[10]["payload"]["result"] = "DENY"
    elif how == "delete":
        del store.audit[10]
    else:
        base = (base[0], "f" * 64)  # a forged starting point
    report = audit.verify(await store.audit_entries(), base=base)
    assert report["ok"] is False


async def test_an_unbounded_run_holds_the_limit_not_the_history() -> None:
    store = MemoryStore()
    await _decisions(store, 200)
    assert len(store.audit) == 200 and store.audit_base is None  # below the limit nothing is dropped
    assert audit.verify(await store.audit_entries())["ok"] is True
