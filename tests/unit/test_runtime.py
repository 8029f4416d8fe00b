"""Runtime: serialized sessions, approvals (digest, wait, expiry, scopes), usage, audit."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from typing import Any

import pytest

from goalrail.engine.spec import PolicySpec
from goalrail.errors import Conflict, InvalidRequest, NotFound
from goalrail.runtime import audit
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore

P = "goalrail_conformance_policies"
TOOL = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}


def cap(limit: int) -> Any:
    def evaluate(event: Any) -> Any:
        if event["type"] != "tool_call":
            return None
        n = event["policy_state"].get("n", 0)
        if n >= limit:
            return {"result": "DENY", "reason": f"limit {limit} reached"}
        return {"result": "ALLOW", "state_updates": [{"key": "n", "action": "increment", "scope": "policy"}]}

    return evaluate


def make(*specs: PolicySpec, clock: Any = None) -> Runtime:
    from goalrail.policies.registry import Registry

    kwargs = {"clock": clock} if clock else {}
    return Runtime(MemoryStore(), registry=Registry.load([P]), server_specs=list(specs), **kwargs)


async def test_tasks_hammering_one_session_are_exact() -> None:
    rt = make(PolicySpec("cap", f"{__name__}.cap", params={"limit": 50}))
    results = await asyncio.gather(*[rt.evaluate("s", TOOL) for _ in range(200)])
    assert Counter(r.result for r in results) == {"ALLOW": 50, "DENY": 150}


def test_threads_hammering_one_session_are_exact() -> None:
    rt = make(PolicySpec("cap", f"{__name__}.cap", params={"limit": 50}))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    results: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(20):
            r = asyncio.run_coroutine_threadsafe(rt.evaluate("s", TOOL), loop).result(10)
            with lock:
                results.append(r.result)

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()
    assert Counter(results) == {"ALLOW": 50, "DENY": 150}


async def test_approval_releases_waiter_and_applies_held_state() -> None:
    rt = make(PolicySpec("gate", f"{P}.ask_once", params={}))
    first = await rt.evaluate("s", TOOL)
    assert first.result == "ASK" and first.approval_id

    async def approve_later() -> None:
        await asyncio.sleep(0.05)
        await rt.resolve(first.approval_id, "approve", by="alice")

    waiter = asyncio.create_task(rt.settle(first, 120))  # (ends at the approval)
    await approve_later()
    settled = await waiter
    assert settled.result == "ALLOW" and "alice" in (settled.to_dict()["reason"] or "")
    assert (await rt.evaluate("s", TOOL)).result == "ALLOW"


async def test_refused_and_expired_approvals_deny() -> None:
    now = [1000.0]
    rt = make(PolicySpec("gate", f"{P}.ask_once", params={}), clock=lambda: now[0])
    rt.approval_timeout_s = 30
    a = await rt.evaluate("s", TOOL)
    await rt.resolve(a.approval_id, "deny", by="bob")
    assert (await rt.settle(a, 0)).result == "DENY"
    b = await rt.evaluate("s", TOOL)
    now[0] += 31
    record = await rt.get_approval(b.approval_id)
    assert record.status == "expired"
    assert (await rt.settle(b, 0)).result == "DENY"
    with pytest.raises(Conflict, match="already expired"):
        await rt.resolve(b.approval_id, "approve")


async def test_approval_bound_to_digest() -> None:
    rt = make(PolicySpec("gate", f"{P}.ask_once", params={}))
    a = await rt.evaluate("s", TOOL)
    with pytest.raises(Conflict, match="digest"):
        await rt.resolve(a.approval_id, "approve", digest="0" * 64)
    with pytest.raises(InvalidRequest):
        await rt.resolve(a.approval_id, "maybe")
    with pytest.raises(NotFound):
        await rt.resolve("apr_missing", "approve")


async def test_audit_chain_records_every_decision_and_detects_tampering() -> None:
    rt = make(PolicySpec("gate", f"{P}.ask_once", params={}))
    a = await rt.evaluate("s", TOOL)
    await rt.resolve(a.approval_id, "approve")
    await rt.evaluate("s", TOOL)
    entries = await rt.store.audit_entries()
    assert [e["kind"] for e in entries] == ["decision", "approval", "decision"]
    assert audit.verify(entries)["ok"]
    entries[1]["payload"]["status"] = "denied"
    assert audit.verify(entries) == {"ok": False, "count": 2, "broken_at": 2, "problem": "entry was modified"}
    del entries[1]
    assert not audit.verify(entries)["ok"]


async def test_usage_is_priced_and_unpriced_models_are_never_free() -> None:
    rt = make()
    rec = await rt.record_usage("s", "gpt-4o", input_tokens=1_000_000, output_tokens=0)
    assert rec.cost_usd == pytest.approx(2.5)
    await rt.record_usage("s", "totally-unknown-model-xyz", input_tokens=10, output_tokens=5)
    info = await rt.store.ensure_session("s")
    async with rt.store.transaction(info.id) as tx:
        snap = await tx.snapshot(user_day="x")
    assert snap.usage["total_cost_usd"] is None and snap.usage["unpriced_tokens"] == 15
    with pytest.raises(InvalidRequest):
        await rt.record_usage("s", "gpt-4o", input_tokens=-1)
