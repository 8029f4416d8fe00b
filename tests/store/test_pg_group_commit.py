"""PostgreSQL's optimistic evaluations (one read, group commit; store/sql/pg_tx.py,
pg_batch.py): the same state and audit as the reference store, exact under
concurrency, and a snapshot that no longer holds is refused."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import exc as sa_exc
from tests.store.test_contract import _approval
from tests.store.test_differential import updates

from goalrail.engine.state import split_updates
from goalrail.errors import Conflict
from goalrail.runtime import audit
from goalrail.runtime.audit import AuditEntry
from goalrail.runtime.ports import Commit, StaleSnapshot, UsageRecord
from goalrail.store import open_store
from goalrail.store.memory import MemoryStore
from goalrail.store.sql.pg_group import is_conflict

DAY = "2026-03-01"
pytestmark = pytest.mark.postgres


@st.composite
def decisions(draw: Any) -> dict[str, Any]:
    """One decision's commit, as plain data: state updates, history, usage, grants, labels, audit."""
    return {
        "session": draw(st.sampled_from(["a", "b"])),
        "updates": draw(st.lists(updates(), max_size=4)),
        "cost": draw(st.none() | st.sampled_from([0.25, 0.5, 1.0])),
        "grant": draw(st.none() | st.sampled_from(["p|tool_call|x", "q|request|y"])),
        "label": draw(st.none() | st.sampled_from(["dev", "prod"])),
        "end": draw(st.booleans()) and draw(st.booleans()) and draw(st.booleans()),
    }


def _commit(d: dict[str, Any], i: int, sid: str) -> Commit:
    session, policy, user = split_updates([("server:p", u) for u in d["updates"]])  # type: ignore[misc]
    c = Commit(session_updates=session, policy_updates=policy, user_updates=user)
    c.history = {"i": i, "verdict": "ALLOW"}
    c.audit = AuditEntry(1000.0 + i, "decision", sid, {"i": i, "note": "é ✓"})
    if d["cost"] is not None:
        c.usage = UsageRecord("m", 10, 5, 0, 0, d["cost"], "test", 1000.0 + i, DAY)
    if d["grant"]:
        c.grants = [d["grant"]]
    if d["label"]:
        c.labels = {"env": d["label"]}
    if d["end"]:
        c.end_session = "ended by `p`: enough"
    return c


async def _apply(store: Any, prefix: str, plan: list[dict[str, Any]], optimistic: bool) -> dict[str, Any]:
    for name in ("a", "b"):
        await store.ensure_session(prefix + name, owner=prefix + "owner")
    for i, d in enumerate(plan):
        sid = prefix + d["session"]
        async with store.transaction(sid, optimistic=optimistic) as tx:
            await tx.snapshot(user_day=DAY)
            await tx.commit(_commit(d, i, sid))
    out: dict[str, Any] = {}
    for name in ("a", "b"):
        async with store.transaction(prefix + name) as tx:
            s = await tx.snapshot(user_day=DAY)
        policy = {ns: values for ns, values in s.policy_states.items() if values}  # memory keeps empty ones
        seen = [s.state, policy, s.user_state, s.history, s.usage, s.user_daily_cost["cost_usd"], sorted(s.grants)]
        out[name] = json.dumps([*seen, s.labels, s.ended], sort_keys=True)
        entries = await store.audit_entries(session_id=prefix + name)
        out[name + "-audit"] = [(e["kind"], e["payload"]) for e in entries]
    return out


def test_optimistic_commits_match_memory(pg_url: str) -> None:
    counter = itertools.count()
    with asyncio.Runner() as runner:
        pg = runner.run(open_store(pg_url))
        memory = MemoryStore()

        @settings(max_examples=40, deadline=None)
        @given(st.lists(decisions(), min_size=1, max_size=8))
        def check(plan: list[dict[str, Any]]) -> None:
            prefix = f"r{next(counter)}-"
            expected = runner.run(_apply(memory, prefix, plan, optimistic=False))
            assert runner.run(_apply(pg, prefix, plan, optimistic=True)) == expected

        try:
            check()
            entries = runner.run(pg.audit_entries())
            assert entries and audit.verify(entries)["ok"] is True
        finally:
            runner.run(pg.close())


async def _decide(store: Any, sid: str) -> None:
    """One decision as the runtime makes it: optimistic first, locked when the snapshot went stale."""
    inc = {"key": "n", "action": "increment", "value": 1}
    c = Commit(
        session_updates=[inc],
        user_updates=[inc],
        history={"verdict": "ALLOW"},
        usage=UsageRecord("m", 1, 1, 0, 0, 0.25, "test", 1.0, DAY),
        audit=AuditEntry(1.0, "decision", sid, {}),
    )
    optimistic = True
    while True:
        try:
            async with store.transaction(sid, optimistic=optimistic) as tx:
                await tx.snapshot(user_day=DAY)
                await tx.commit(c)
            return
        except StaleSnapshot:
            optimistic = False


async def test_concurrent_decisions_commit_in_groups_and_stay_exact(pg_url: str) -> None:
    one, two = await open_store(pg_url), await open_store(pg_url)  # two replicas on one database
    try:
        sessions = [f"s{i}" for i in range(12)]
        for sid in sessions:
            await one.ensure_session(sid, owner="alice")
        await asyncio.gather(*[_decide(one if i % 2 else two, sid) for sid in sessions for i in range(8)])
        for sid in sessions:
            async with one.transaction(sid) as tx:
                s = await tx.snapshot(user_day=DAY)
            assert s.state == {"n": 8} and len(s.history) == 8 and s.usage["llm_calls"] == 8
        assert s.user_state == {"n": 96} and s.user_daily_cost["cost_usd"] == 24.0
        entries = await one.audit_entries()
        verified = audit.verify(entries)
        assert len(entries) == 96 and (verified["ok"], verified["count"]) == (True, 96)
        groups = one._pg.group, two._pg.group  # type: ignore[attr-defined]
        assert sum(g.batches for g in groups) < sum(g.decisions for g in groups)  # several decisions per transaction
    finally:
        await one.close()
        await two.close()


async def test_a_stale_snapshot_is_refused_and_writes_nothing(pg_url: str) -> None:
    store = await open_store(pg_url)
    try:
        await store.ensure_session("s1", owner="alice")
        await store.ensure_session("s2", owner="alice")
        inc = {"key": "n", "action": "increment", "value": 1}
        for changed in ("s1", "s2"):  # the session itself; another session of the same owner
            async with store.transaction("s1", optimistic=True) as tx:
                await tx.snapshot(user_day=DAY)
                async with store.transaction(changed) as other:  # another replica commits meanwhile
                    await other.commit(Commit(user_updates=[inc], session_updates=[inc]))
                stale = Commit(session_updates=[inc], audit=AuditEntry(1.0, "decision", "s1", {}))
                with pytest.raises(StaleSnapshot):
                    await tx.commit(stale)
        async with store.transaction("s1") as tx:
            s = await tx.snapshot(user_day=DAY)
        assert s.state == {"n": 1} and s.user_state == {"n": 2}
        assert await store.audit_entries() == []
    finally:
        await store.close()


async def test_a_decision_that_cannot_be_written_fails_alone(pg_url: str) -> None:
    store = await open_store(pg_url)
    try:
        for sid in ("s1", "s2"):
            await store.ensure_session(sid)
        async with store.transaction("s1") as tx:
            await tx.commit(Commit(approval=_approval("ap-1", "s1", None, 1.0)))
        async with (
            store.transaction("s1", optimistic=True) as one,
            store.transaction("s2", optimistic=True) as two,
        ):
            for tx in (one, two):
                await tx.snapshot(user_day=DAY)
            results = await asyncio.gather(
                one.commit(  # an approval id that exists already
                    Commit(approval=_approval("ap-1", "s1", None, 2.0), audit=AuditEntry(1.0, "decision", "s1", {}))
                ),
                two.commit(Commit(history={"verdict": "ALLOW"}, audit=AuditEntry(1.0, "decision", "s2", {}))),
                return_exceptions=True,
            )
        assert isinstance(results[0], Conflict) and results[1] is None
        assert [e["seq"] for e in await store.audit_entries()] == [1]
        async with store.transaction("s2") as tx:
            assert len((await tx.snapshot(user_day=DAY)).history) == 1
    finally:
        await store.close()


def test_a_deadlock_or_serialization_failure_from_the_driver_is_a_conflict() -> None:
    # The batch's statements go to psycopg directly: its errors arrive unwrapped.
    assert is_conflict(psycopg.errors.DeadlockDetected())
    assert is_conflict(psycopg.errors.SerializationFailure())
    assert is_conflict(sa_exc.OperationalError("SELECT 1", {}, psycopg.errors.DeadlockDetected()))
    assert not is_conflict(psycopg.errors.UniqueViolation())
    assert not is_conflict(sa_exc.OperationalError("SELECT 1", {}, psycopg.errors.UniqueViolation()))


async def test_batches_run_on_one_kept_connection_and_a_failed_one_is_rolled_back_on_it(pg_url: str) -> None:
    store = await open_store(pg_url)
    try:
        await store.ensure_session("s1")
        async with store.transaction("s1") as tx:
            await tx.commit(Commit(approval=_approval("ap-1", "s1", None, 1.0)))
        group = store._pg.group  # type: ignore[attr-defined]

        async def decide(c: Commit) -> None:
            async with store.transaction("s1", optimistic=True) as tx:
                await tx.snapshot(user_day=DAY)
                await tx.commit(c)

        await decide(Commit(history={"verdict": "ALLOW"}, audit=AuditEntry(1.0, "decision", "s1", {"n": 1})))
        kept = group._conn
        assert kept is not None
        duplicate = _approval("ap-1", "s1", None, 2.0)  # an approval id that exists already: the batch fails
        with pytest.raises(Conflict):
            await decide(Commit(approval=duplicate, audit=AuditEntry(2.0, "decision", "s1", {})))
        assert group._conn is kept and kept[1].info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        await decide(Commit(history={"verdict": "DENY"}, audit=AuditEntry(3.0, "decision", "s1", {"n": 2})))
        assert group._conn is kept and group.batches == 2
        entries = await store.audit_entries()
        assert [e["payload"] for e in entries] == [{"n": 1}, {"n": 2}] and audit.verify(entries)["ok"]
        async with store.transaction("s1") as tx:
            assert [h["verdict"] for h in (await tx.snapshot(user_day=DAY)).history] == ["ALLOW", "DENY"]
    finally:
        await store.close()
