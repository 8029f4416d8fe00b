"""The owner's state on PostgreSQL (store/sql/pg_owners.py): many sessions of one
owner (a single-user server) share it, and a daily budget writes it on every LLM
request.  Decisions of one replica see the changes queued before them, so they
are not refused as stale and evaluated again; the budget stays exact, on one
replica and on two."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime import audit
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.memory import MemoryStore

pytestmark = pytest.mark.postgres
REGISTRY = Registry.load()
MODEL = "claude-opus-4"


def daily_budget(max_cost_usd: float) -> PolicySpec:
    return PolicySpec(
        name="daily",
        handler="goalrail.policies.builtins.cost.user_daily_cost_budget",
        params={"max_cost_usd": max_cost_usd},
        kind="factory",
    )


def request(i: int, event_id: str | None = None) -> dict[str, Any]:
    """An LLM request; only the response with its ``event_id`` releases its reservation."""
    return {
        **({"id": event_id} if event_id else {}),
        "type": "llm_request",
        "data": {"model": MODEL, "max_tokens": 1000, "messages": [{"role": "user", "content": f"hi {i}"}]},
    }


def response(event_id: str) -> dict[str, Any]:
    usage = {"input_tokens": 100, "output_tokens": 50}
    return {"type": "llm_response", "id": event_id, "data": {"model": MODEL, "text": "ok", "usage": usage}}


def tool_call(i: int) -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": f"echo {i}"}}}


def today() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime())


async def owner_state(store: Any, session_id: str) -> tuple[dict[str, Any], float]:
    async with store.transaction(session_id) as tx:
        snap = await tx.snapshot(user_day=today())
    return snap.user_state, float(snap.user_daily_cost["cost_usd"])


async def reservation() -> float:
    """What one ``request`` reserves (its worst-case cost), as the in-memory store shows it."""
    store = MemoryStore()
    rt = Runtime(store, registry=REGISTRY, server_specs=[daily_budget(1000.0)])
    assert (await rt.evaluate("m", request(0), owner="o")).result == "ALLOW"
    state, _ = await owner_state(store, "m")
    [amount] = [float(k.rsplit(":", 1)[1]) for k, v in state.items() if ":reserved:" in k and v == 1]
    return amount


async def test_one_owners_sessions_in_one_replica_are_not_evaluated_again(pg_url: str) -> None:
    store = await open_store(pg_url)
    try:
        rt = Runtime(store, registry=REGISTRY, server_specs=[daily_budget(100_000.0)])

        async def session(s: int) -> None:  # in order within a session, 24 sessions at once
            for k in range(4):
                for event in (request(k, f"r{s}-{k}"), response(f"r{s}-{k}"), tool_call(k)):
                    assert (await rt.evaluate(f"s{s}", event, owner="alice")).result == "ALLOW"

        await asyncio.gather(*[session(s) for s in range(24)])
        group = store._pg.group  # type: ignore[attr-defined]
        # Every decision read the owner's state a request or a response changed; before
        # the owner's queued changes were shown to snapshots, 280 of these 288 were
        # refused as stale and evaluated again on the row-lock path.
        assert group.decisions == 288 and group.stale == 0
        assert group.batches < group.decisions
        state, cost = await owner_state(store, "s0")
        records = [r for s in range(24) for r in await store.usage_records(f"s{s}")]
        assert len(records) == 96 and cost == pytest.approx(sum(r.cost_usd or 0.0 for r in records), rel=1e-9)
        counters = {k: v for k, v in state.items() if ":reserved:" in k or k.endswith(":reserved_n")}
        assert counters and set(counters.values()) == {0}  # every reservation released by its response
        assert audit.verify(await store.audit_entries())["ok"] is True
    finally:
        await store.close()


@pytest.mark.parametrize("replicas", [1, 2])
async def test_a_daily_budget_shared_by_concurrent_sessions_stays_exact(pg_url: str, replicas: int) -> None:
    amount = await reservation()
    stores = [await open_store(pg_url) for _ in range(replicas)]
    try:
        spec = daily_budget(amount * 10.5)  # room for exactly ten reservations
        runtimes = [Runtime(store, registry=REGISTRY, server_specs=[spec]) for store in stores]
        outcomes = await asyncio.gather(
            *[runtimes[i % replicas].evaluate(f"b{i}", request(i), owner="bob") for i in range(40)]
        )
        assert sorted(o.result for o in outcomes) == ["ALLOW"] * 10 + ["DENY"] * 30
        state, _ = await owner_state(stores[0], "b0")
        assert [v for k, v in state.items() if ":reserved:" in k] == [10]
        if replicas == 1:  # the replica's own decisions never go stale against each other
            assert stores[0]._pg.group.stale == 0  # type: ignore[attr-defined]
    finally:
        for store in stores:
            await store.close()


TOOL_CALL = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}


async def _while_the_other_reserves(pg_url: str, budget: float, event: dict[str, Any]) -> tuple[str, int, int]:
    """``event`` decided by a first replica on a snapshot taken before a second replica
    commits a reservation of the same owner, and written after it (the first replica's
    batch waits for the session's row, held from outside): its verdict, the first
    replica's stale refusals, the owner's reservations in flight."""
    import psycopg

    first, second = await open_store(pg_url), await open_store(pg_url)
    try:
        rt1, rt2 = (Runtime(s, registry=REGISTRY, server_specs=[daily_budget(budget)]) for s in (first, second))
        assert (await rt2.evaluate("b", request(0), owner="bob")).result == "ALLOW"  # one in flight already
        await first.ensure_session("a", owner="bob")
        group = first._pg.group  # type: ignore[attr-defined]
        async with await psycopg.AsyncConnection.connect(pg_url) as holder:
            await holder.execute("SELECT 1 FROM sessions WHERE id = 'a' FOR UPDATE")
            task = asyncio.ensure_future(rt1.evaluate("a", event, owner="bob"))
            while group._task is None or group._queue:  # its batch is in flight, waiting for the row
                await asyncio.sleep(0.001)
            assert (await rt2.evaluate("b", request(1), owner="bob")).result == "ALLOW"  # the owner changes
            assert not task.done()
            await holder.rollback()
        outcome = await task
        state, _ = await owner_state(first, "a")
        assert audit.verify(await first.audit_entries())["ok"] is True
        return outcome.result, group.stale, sum(v for k, v in state.items() if ":reserved:" in k)
    finally:
        await first.close()
        await second.close()


async def test_a_decision_the_other_replicas_change_does_not_alter_is_not_refused_as_stale(pg_url: str) -> None:
    """Another replica's reservation changes the owner's state a tool call's snapshot showed
    (the daily budget reads the reservations there), but the tool call decides the same on
    the state it is written on: written as it is, not evaluated again (before: refused)."""
    amount = await reservation()
    assert await _while_the_other_reserves(pg_url, amount * 10.5, TOOL_CALL) == ("ALLOW", 0, 2)


async def test_a_decision_the_other_replicas_change_alters_is_still_refused_and_the_budget_stays_exact(
    pg_url: str,
) -> None:
    """An LLM request whose snapshot showed room for it, when the other replica's reservation
    took that room before it was written: refused as stale, evaluated again, denied."""
    amount = await reservation()
    assert await _while_the_other_reserves(pg_url, amount * 2.5, request(2)) == ("DENY", 1, 2)


async def test_a_request_with_room_left_after_the_other_replicas_change_is_written_as_decided(pg_url: str) -> None:
    amount = await reservation()
    assert await _while_the_other_reserves(pg_url, amount * 10.5, request(2)) == ("ALLOW", 0, 3)
