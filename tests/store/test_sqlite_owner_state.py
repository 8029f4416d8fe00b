"""The owner's state on SQLite (store/sql/sqlite_owners.py): sessions of one owner
decide at once on the state they share (a daily budget's reservations, the cost
of the day).  Each decision's view of it is checked in the batch's order, so the
budget is exact in one process and across two on one file; snapshots show the
changes queued before them, so in one process they rarely go stale; a failed
batch leaves nothing predicted behind."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime import audit
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.memory import MemoryStore
from goalrail.store.sql.sqlite_store import SqliteStore

HERE = Path(__file__).resolve().parent
SRC = HERE.parent.parent / "src"
REGISTRY = Registry.load()
MODEL = "claude-opus-4"
BUDGET = "goalrail.policies.builtins.cost.user_daily_cost_budget"


def daily_budget(max_cost_usd: float) -> PolicySpec:
    return PolicySpec(name="daily", handler=BUDGET, params={"max_cost_usd": max_cost_usd}, kind="factory")


PAUSE = PolicySpec(name="pause", handler="store_policies.pause", params={"seconds": 0.02}, kind="factory")


def request(i: int, event_id: str | None = None) -> dict[str, Any]:
    """An LLM request; only the response with its ``event_id`` releases its reservation."""
    return {
        **({"id": event_id} if event_id else {}),
        "type": "llm_request",
        "data": {"model": MODEL, "max_tokens": 1000, "messages": [{"role": "user", "content": f"hi {i}"}]},
    }


def response(event_id: str) -> dict[str, Any]:
    usage = {"input_tokens": 1000, "output_tokens": 1500}  # more than one reservation's worth
    return {"type": "llm_response", "id": event_id, "data": {"model": MODEL, "text": "ok", "usage": usage}}


async def owner_state(store: Any, session_id: str) -> tuple[dict[str, Any], float]:
    async with store.transaction(session_id) as tx:
        snap = await tx.snapshot(user_day=today())
    return snap.user_state, float(snap.user_daily_cost["cost_usd"])


def today() -> str:
    import time

    return time.strftime("%Y-%m-%d", time.gmtime())


def reserved(state: dict[str, Any]) -> list[Any]:
    return [v for k, v in state.items() if ":reserved:" in k]


async def reservation() -> float:
    """What one ``request`` reserves (its worst-case cost), as the in-memory store shows it."""
    store = MemoryStore()
    rt = Runtime(store, registry=REGISTRY, server_specs=[daily_budget(1000.0)])
    assert (await rt.evaluate("m", request(0), owner="o")).result == "ALLOW"
    state, _ = await owner_state(store, "m")
    [amount] = [float(k.rsplit(":", 1)[1]) for k, v in state.items() if ":reserved:" in k and v == 1]
    return amount


async def _checked(store: SqliteStore, allowed: int) -> None:
    """The owner's reservations count the requests allowed; the audit chain verifies."""
    state, _ = await owner_state(store, "b0")
    assert reserved(state) == [allowed]
    assert audit.verify(await store.audit_entries())["ok"] is True


async def test_forty_concurrent_requests_with_room_for_ten_allow_ten(sqlite_url: str) -> None:
    amount = await reservation()
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    try:
        rt = Runtime(store, registry=REGISTRY, server_specs=[daily_budget(amount * 10.5)])
        outcomes = await asyncio.gather(*[rt.evaluate(f"b{i}", request(i), owner="bob") for i in range(40)])
        # Before each decision's view of the owner was checked, 39 were allowed.
        assert sorted(o.result for o in outcomes) == ["ALLOW"] * 10 + ["DENY"] * 30
        await _checked(store, 10)
        # Each snapshot showed the reservations queued before it: none went stale.
        assert store.group.stale == 0 and store.group.batches < 40
    finally:
        await store.close()


async def test_decisions_that_pause_between_snapshot_and_commit_stay_exact(sqlite_url: str) -> None:
    """An off-loop policy holds each decision between its snapshot and its commit, so
    all forty snapshots show the state before any of them: the batch's check (not
    the prediction) keeps the budget exact, with spend of the day already counted."""
    amount = await reservation()
    specs = [daily_budget(amount * 12.5), PAUSE]
    reference = MemoryStore()
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    try:
        for target in (reference, store):  # some spend first: two requests and their responses
            rt = Runtime(target, registry=REGISTRY, server_specs=specs)
            for i in range(2):
                assert (await rt.evaluate("b0", request(i, f"r{i}"), owner="bob")).result == "ALLOW"
                assert (await rt.evaluate("b0", response(f"r{i}"), owner="bob")).result == "ALLOW"
        ref_rt = Runtime(reference, registry=REGISTRY, server_specs=specs)
        expected = [(await ref_rt.evaluate(f"b{i}", request(i), owner="bob")).result for i in range(40)]
        allowed = expected.count("ALLOW")
        assert 0 < allowed < 12  # the spend of the day took room: the cost of the day is checked too

        rt = Runtime(store, registry=REGISTRY, server_specs=specs)
        outcomes = await asyncio.gather(*[rt.evaluate(f"b{i}", request(i), owner="bob") for i in range(40)])
        assert [o.result for o in outcomes].count("ALLOW") == allowed
        assert store.group.stale > 0  # the snapshots were refused and evaluated again
        await _checked(store, allowed)
        assert (await owner_state(store, "b0"))[1] == (await owner_state(reference, "b0"))[1] > 0
    finally:
        await store.close()


async def test_a_failed_batch_leaves_no_prediction_behind(sqlite_url: str) -> None:
    amount = await reservation()
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    path = sqlite_url.removeprefix("sqlite:///")
    try:
        rt = Runtime(store, registry=REGISTRY, server_specs=[daily_budget(amount * 10.5)])
        for i in range(6):
            await store.ensure_session(f"b{i}", owner="bob")
        await store.ensure_session("poison", owner="bob")
        with sqlite3.connect(path) as conn:  # a store error inside the batch, after the owner's writes
            conn.execute(
                "CREATE TRIGGER poison BEFORE INSERT ON audit WHEN NEW.session_id = 'poison' "
                "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
            )
        first = await asyncio.gather(
            *[rt.evaluate(s, request(i)) for i, s in enumerate(["b0", "b1", "poison", "b2", "b3", "b4"])],
            return_exceptions=True,
        )
        failed = [r for r in first if isinstance(r, BaseException)]
        assert failed  # the poisoned decision failed (and its batch with it)
        with sqlite3.connect(path) as conn:
            conn.execute("DROP TRIGGER poison")
        allowed = sum(1 for r in first if not isinstance(r, BaseException) and r.result == "ALLOW")
        # The failed batch's reservations were never written: the next decisions are shown
        # what the database holds, neither the failed batch's state nor its changes, so
        # none of them goes stale (and the check keeps them exact regardless).
        stale = store.group.stale
        second = await asyncio.gather(*[rt.evaluate(f"b{i % 6}", request(100 + i)) for i in range(30)])
        assert allowed + [o.result for o in second].count("ALLOW") == 10
        assert store.group.stale == stale
        await _checked(store, 10)
    finally:
        await store.close()


def _run_processes(url: str, budget: float, sessions: int, tmp_path: Path) -> list[dict[str, Any]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(HERE)])}
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, str(HERE / "owner_worker.py"), url, repr(budget), str(sessions), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    try:
        for p in procs:
            assert p.stdout is not None
            line = p.stdout.readline().strip()
            assert line == "ready", (line, p.stderr.read() if p.stderr else "")
        go.touch()
        results = []
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.communicate()


async def test_two_processes_on_one_file_allow_exactly_ten(sqlite_url: str, tmp_path: Path) -> None:
    amount = await reservation()
    store = await open_store(sqlite_url)  # (migrated before the processes start)
    await store.ensure_session("b0", owner="bob")
    await store.close()
    results = await asyncio.to_thread(_run_processes, sqlite_url, amount * 10.5, 20, tmp_path)
    print("processes:", results)
    allowed = sum(int(r["counts"].get("ALLOW", 0)) for r in results)
    denied = sum(int(r["counts"].get("DENY", 0)) for r in results)
    assert (allowed, denied) == (10, 30), results
    store = await open_store(sqlite_url)
    assert isinstance(store, SqliteStore)
    try:
        await _checked(store, 10)
        assert len(await store.audit_entries()) == 40
    finally:
        await store.close()


TOOL_CALL = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}


async def _while_the_other_reserves(
    pair: tuple[SqliteStore, SqliteStore], budget: float, event: dict[str, Any]
) -> tuple[str, int, int]:
    """``event`` decided by the first store on a snapshot taken before the second store
    commits a reservation of the same owner, and written after it: (its verdict, the first
    store's stale refusals, the owner's reservations in flight)."""
    first = pair[0]
    rt1, rt2 = (Runtime(s, registry=REGISTRY, server_specs=[daily_budget(budget)]) for s in pair)
    assert (await rt2.evaluate("b", request(0), owner="bob")).result == "ALLOW"  # one in flight already
    await first.ensure_session("a", owner="bob")
    async with first.runner._writer:  # the first store's batch waits: its decision is queued, not written
        task = asyncio.ensure_future(rt1.evaluate("a", event, owner="bob"))
        while not first.group._pending:
            await asyncio.sleep(0)
        assert (await rt2.evaluate("b", request(1), owner="bob")).result == "ALLOW"  # the owner changes
    outcome = await task
    state, _ = await owner_state(first, "a")
    return outcome.result, first.group.stale, sum(reserved(state))


async def test_a_decision_the_owners_change_does_not_alter_is_not_refused_as_stale(
    sqlite_pair: tuple[SqliteStore, SqliteStore],
) -> None:
    """Another process's reservation changes the owner's state a tool call's snapshot showed
    (the daily budget reads the reservations there), but the tool call decides the same on
    the state it is written on: written as it is, not evaluated again."""
    amount = await reservation()
    result, stale, in_flight = await _while_the_other_reserves(sqlite_pair, amount * 10.5, TOOL_CALL)
    assert (result, stale, in_flight) == ("ALLOW", 0, 2)


async def test_a_decision_the_owners_change_alters_is_still_refused_and_the_budget_stays_exact(
    sqlite_pair: tuple[SqliteStore, SqliteStore],
) -> None:
    """An LLM request whose snapshot showed room for it, when the other process's reservation
    took that room before it was written: refused as stale, evaluated again, denied."""
    amount = await reservation()
    result, stale, in_flight = await _while_the_other_reserves(sqlite_pair, amount * 2.5, request(2))
    assert (result, stale, in_flight) == ("DENY", 1, 2)


async def test_a_request_with_room_left_after_the_change_is_written_as_decided(
    sqlite_pair: tuple[SqliteStore, SqliteStore],
) -> None:
    amount = await reservation()
    result, stale, in_flight = await _while_the_other_reserves(sqlite_pair, amount * 10.5, request(2))
    assert (result, stale, in_flight) == ("ALLOW", 0, 3)
