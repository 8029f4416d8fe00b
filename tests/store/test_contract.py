"""The store contract: MemoryStore (the reference), SQLite and PostgreSQL behave alike."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from goalrail.engine.spec import PolicySpec
from goalrail.errors import Conflict, InvalidRequest, NotFound
from goalrail.policies.registry import Registry
from goalrail.runtime import audit
from goalrail.runtime.ports import ApprovalRecord, Commit, TokenRecord, UsageRecord
from goalrail.runtime.runtime import Runtime

REGISTRY = Registry.load()
DAY = "2026-03-01"


def cap_spec(limit: int = 50) -> PolicySpec:
    return PolicySpec(name="cap", handler="store_policies.max_calls", params={"limit": limit}, kind="factory")


def runtime(store: Any, *specs: PolicySpec) -> Runtime:
    return Runtime(store, registry=REGISTRY, server_specs=list(specs) or [cap_spec()])


def tool_call(command: str = "ls") -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": command}}}


async def commit(store: Any, session_id: str, c: Commit) -> None:
    async with store.transaction(session_id) as tx:
        await tx.commit(c)


async def snap(store: Any, session_id: str, day: str = DAY) -> Any:
    async with store.transaction(session_id) as tx:
        return await tx.snapshot(user_day=day)


# sessions ---------------------------------------------------------------------
async def test_ensure_get_list_sessions(store: Any) -> None:
    a = await store.ensure_session("s-a", owner="alice", agent=None, labels={"env": "prod"})
    assert (a.id, a.owner, a.labels, a.ended) == ("s-a", "alice", {"env": "prod"}, None)
    again = await store.ensure_session("s-a", owner="mallory", labels={"env": "dev"})
    assert (again.owner, again.labels, again.created_at) == ("alice", {"env": "prod"}, a.created_at)
    await store.ensure_session("s-b", owner="bob")
    await asyncio.sleep(0.01)
    await commit(store, "s-a", Commit())  # activity moves s-a to the front
    assert await store.get_session("nope") is None
    assert [s.id for s in await store.list_sessions()] == ["s-a", "s-b"]
    assert [s.id for s in await store.list_sessions(owner="bob")] == ["s-b"]
    assert len(await store.list_sessions(limit=1)) == 1
    with pytest.raises(NotFound):
        async with store.transaction("nope"):
            pass


async def test_commit_session_fields(store: Any) -> None:
    await store.ensure_session("s1", labels={"a": "1"})
    await commit(store, "s1", Commit(labels={"b": "2"}, model="gpt-4o", harness="claude_code"))
    await commit(store, "s1", Commit(labels={"a": "3"}, end_session="ended by `cap`: done"))
    info = await store.get_session("s1")
    assert info.labels == {"a": "3", "b": "2"}
    assert (info.model, info.harness, info.ended) == (
        "gpt-4o",
        "claude_code",
        "ended by `cap`: done",
    )
    s = await snap(store, "s1")
    assert (s.labels, s.model, s.harness, s.ended) == (
        {"a": "3", "b": "2"},
        "gpt-4o",
        "claude_code",
        info.ended,
    )


# state ------------------------------------------------------------------------
async def test_session_state_every_action(store: Any) -> None:
    await store.ensure_session("s1")
    await commit(
        store,
        "s1",
        Commit(
            session_updates=[
                {"key": "n", "action": "increment"},
                {"key": "n", "action": "increment", "value": 4},
                {"key": "f", "action": "increment", "value": 0.5},
                {"key": "s", "action": "set", "value": {"nested": [1, "x", None]}},
                {"key": "none", "action": "set", "value": None},
                {"key": "gone", "action": "set", "value": 1},
                {"key": "gone", "action": "delete"},
                {"key": "missing", "action": "delete"},
                {"key": "l", "action": "append", "value": "a"},
            ]
        ),
    )
    # a second transaction reads the stored values back (no snapshot first)
    await commit(
        store,
        "s1",
        Commit(
            session_updates=[
                {"key": "n", "action": "increment", "value": 2},
                {"key": "s", "action": "increment", "value": 3},  # not a number → counts from 0
                {"key": "l", "action": "append", "value": "b"},
                {"key": "l", "action": "append", "value": "c", "max_len": 2},
            ]
        ),
    )
    s = await snap(store, "s1")
    assert s.state == {"n": 7, "f": 0.5, "s": 3, "none": None, "l": ["b", "c"]}
    # a snapshot in the same transaction as the commit
    async with store.transaction("s1") as tx:
        first = await tx.snapshot(user_day=DAY)
        first.state["n"] = 1000  # snapshots are copies
        await tx.commit(
            Commit(
                session_updates=[
                    {"key": "n", "action": "increment", "value": 1},
                    {"key": "l", "action": "delete"},
                ]
            )
        )
    assert (await snap(store, "s1")).state == {"n": 8, "f": 0.5, "s": 3, "none": None}


async def test_policy_state_is_namespaced(store: Any) -> None:
    await store.ensure_session("s1")
    await store.ensure_session("s2")
    inc = {"key": "calls", "action": "increment", "value": 1, "scope": "policy"}
    await commit(store, "s1", Commit(policy_updates={"server:cap": [inc, inc], "session:cap": [inc]}))
    await commit(store, "s2", Commit(policy_updates={"server:cap": [inc]}))
    assert (await snap(store, "s1")).policy_states == {
        "server:cap": {"calls": 2},
        "session:cap": {"calls": 1},
    }
    assert (await snap(store, "s2")).policy_states == {"server:cap": {"calls": 1}}
    assert (await snap(store, "s1")).state == {}


async def test_user_state_spans_the_owners_sessions(store: Any) -> None:
    for sid, owner in (("a1", "alice"), ("a2", "alice"), ("b1", "bob"), ("n1", None), ("n2", None)):
        await store.ensure_session(sid, owner=owner)
    inc = {"key": "calls", "action": "increment", "value": 1, "scope": "user"}
    await commit(store, "a1", Commit(user_updates=[inc]))
    await commit(store, "a2", Commit(user_updates=[inc, {"key": "seen", "action": "append", "value": "a2"}]))
    await commit(store, "b1", Commit(user_updates=[inc]))
    await commit(store, "n1", Commit(user_updates=[inc]))
    assert (await snap(store, "a1")).user_state == {"calls": 2, "seen": ["a2"]}
    assert (await snap(store, "b1")).user_state == {"calls": 1}
    assert (await snap(store, "n2")).user_state == {"calls": 1}
    await commit(store, "a1", Commit(user_updates=[{"key": "seen", "action": "delete"}]))
    assert (await snap(store, "a2")).user_state == {"calls": 2}


async def test_history_keeps_the_last_50(store: Any) -> None:
    await store.ensure_session("s1")
    for i in range(60):
        await commit(store, "s1", Commit(history={"i": i, "verdict": "ALLOW"}))
    h = (await snap(store, "s1")).history
    assert [e["i"] for e in h] == list(range(10, 60))


async def test_grants(store: Any) -> None:
    await store.ensure_session("s1")
    await store.ensure_session("s2")
    await commit(store, "s1", Commit(grants=["cap|tool_call|x", "cap|tool_call|x", "other|y"]))
    await commit(store, "s1", Commit(grants=["other|y"]))
    assert (await snap(store, "s1")).grants == {"cap|tool_call|x", "other|y"}
    assert (await snap(store, "s2")).grants == set()


async def test_a_snapshot_keeps_the_labels_and_grants_it_was_taken_with(store: Any) -> None:
    await store.ensure_session("s1", labels={"env": "dev"})
    await commit(store, "s1", Commit(grants=["cap|tool_call|x"]))
    before = await snap(store, "s1")
    await commit(store, "s1", Commit(labels={"env": "prod", "team": "a"}, grants=["other|y"]))
    after = await snap(store, "s1")
    assert before.labels == {"env": "dev"} and before.grants == {"cap|tool_call|x"}
    assert after.labels == {"env": "prod", "team": "a"} and after.grants == {"cap|tool_call|x", "other|y"}
    assert (await store.get_session("s1")).labels == {"env": "prod", "team": "a"}


# usage ------------------------------------------------------------------------
async def test_usage_totals_and_user_daily_cost(store: Any) -> None:
    await store.ensure_session("a1", owner="alice")
    await store.ensure_session("a2", owner="alice")
    await store.ensure_session("b1", owner="bob")
    u1 = UsageRecord("gpt-4o", 1000, 200, 10, 5, 0.1, "genai-prices", 1.0, DAY)
    u2 = UsageRecord("gpt-4o", 500, 100, 0, 0, 0.2, "genai-prices", 2.0, DAY)
    await commit(store, "a1", Commit(usage=u1, model="gpt-4o"))
    await commit(store, "a1", Commit(usage=u2))
    await commit(store, "a2", Commit(usage=UsageRecord("x", 7, 3, 0, 0, 0.25, None, 3.0, DAY)))
    await commit(store, "a2", Commit(usage=UsageRecord("x", 1, 1, 0, 0, 5.0, None, 3.0, "2026-02-28")))
    await commit(store, "b1", Commit(usage=UsageRecord("x", 1, 1, 0, 0, 9.0, None, 3.0, DAY)))
    s = await snap(store, "a1")
    assert s.usage == {
        "input_tokens": 1500,
        "output_tokens": 300,
        "total_tokens": 1800,
        "cache_read_input_tokens": 10,
        "cache_creation_input_tokens": 5,
        "total_cost_usd": 0.3,
        "unpriced_tokens": 0,
        "llm_calls": 2,
        "priced_cost_usd": 0.3,
    }
    assert s.user_daily_cost == {"user_id": "alice", "day": DAY, "cost_usd": 0.55}
    assert (await snap(store, "b1", day="2026-02-28")).user_daily_cost["cost_usd"] == 0.0
    assert await store.usage_records("a1") == [u1, u2]
    assert await store.usage_records("nope") == []
    # an unpriced record makes the total unknown but keeps the priced part
    await commit(store, "a1", Commit(usage=UsageRecord("mystery", 40, 2, 0, 0, None, None, 4.0, DAY)))
    s = await snap(store, "a1")
    assert (s.usage["total_cost_usd"], s.usage["priced_cost_usd"], s.usage["unpriced_tokens"]) == (
        None,
        0.3,
        42,
    )


# approvals --------------------------------------------------------------------
def _approval(aid: str, session_id: str, owner: str | None, created: float) -> ApprovalRecord:
    return ApprovalRecord(
        id=aid,
        session_id=session_id,
        status="pending",
        digest="d" * 64,
        event_type="tool_call",
        target="Bash",
        preview="rm -rf build",
        reason="ask_for_rm: needs approval",
        policies=["ask"],
        held={
            "session_updates": [{"key": "k", "action": "set", "value": 1}],
            "policy_updates": {},
            "user_updates": [],
            "labels": {},
            "end_session": None,
        },
        created_at=created,
        expires_at=created + 60,
        owner=owner,
        grant_keys=["ask|tool_call|x"],
        decision={"result": "ASK", "decisions": []},
    )


async def test_approvals_create_and_resolve(store: Any) -> None:
    await store.ensure_session("s1", owner="alice")
    await store.ensure_session("s2", owner="bob")
    a1, a2 = _approval("apr_1", "s1", "alice", 10.0), _approval("apr_2", "s2", "bob", 20.0)
    await commit(store, "s1", Commit(approval=a1))
    await commit(store, "s2", Commit(approval=a2))
    assert await store.get_approval("apr_1") == a1
    assert await store.get_approval("apr_x") is None
    assert [a.id for a in await store.list_approvals(status="pending")] == ["apr_1", "apr_2"]
    done = ApprovalRecord(
        **{
            **a1.__dict__,
            "status": "approved",
            "resolved_at": 11.0,
            "resolved_by": "alice",
            "scope": "session",
        }
    )
    await commit(store, "s1", Commit(resolve_approval=done))
    assert await store.get_approval("apr_1") == done
    assert [a.id for a in await store.list_approvals(status="pending")] == ["apr_2"]
    assert [a.id for a in await store.list_approvals(owner="alice")] == ["apr_1"]
    assert [a.id for a in await store.list_approvals(session_id="s2", status="pending")] == ["apr_2"]


# policies ---------------------------------------------------------------------
async def test_server_policy_crud_and_versions(store: Any) -> None:
    v0, specs = await store.server_policies()
    assert specs == []
    a = await store.add_server_policy(PolicySpec(name="a", handler="h.a", params={"limit": 3}))
    b = await store.add_server_policy(PolicySpec(name="b", handler="h.b", params=None, mode="shadow", level="session"))
    assert a.id and b.id and a.id != b.id and b.level == "server"
    v1, specs = await store.server_policies()
    assert v1 > v0 and specs == [a, b]
    assert await store.get_server_policy(a.id) == a
    assert await store.get_server_policy("pol_missing") is None
    with pytest.raises(Conflict):
        await store.add_server_policy(PolicySpec(name="a", handler="h.other"))
    with pytest.raises(Conflict):
        await store.update_server_policy(b.id, name="a")
    with pytest.raises(InvalidRequest):
        await store.update_server_policy(a.id, level="session")
    with pytest.raises(NotFound):
        await store.update_server_policy("pol_missing", enabled=False)
    a2 = await store.update_server_policy(a.id, enabled=False, params={"limit": 4}, name="a2")
    assert (a2.id, a2.name, a2.enabled, a2.params, a2.handler) == (
        a.id,
        "a2",
        False,
        {"limit": 4},
        "h.a",
    )
    v2, specs = await store.server_policies()
    assert v2 > v1 and specs == [a2, b]  # order is stable across updates
    await store.delete_server_policy(a.id)
    with pytest.raises(NotFound):
        await store.delete_server_policy(a.id)
    v3, specs = await store.server_policies()
    assert v3 > v2 and specs == [b]
    c = await store.add_server_policy(PolicySpec(name="a", handler="h.a"))  # the name is free again
    assert [p.name for p in (await store.server_policies())[1]] == ["b", "a"] and c.params is None


async def test_session_policy_crud_and_versions(store: Any) -> None:
    await store.ensure_session("s1")
    await store.ensure_session("s2")
    assert await store.session_policies("nope") == (0, [])
    v0, _ = await store.session_policies("s1")
    p = await store.add_session_policy("s1", PolicySpec(name="cap", handler="h.cap", params={"limit": 2}))
    q = await store.add_session_policy("s1", PolicySpec(name="other", handler="h.o", params={}))
    assert p.level == "session" and p.id and p.id != q.id
    await store.add_session_policy("s2", PolicySpec(name="cap", handler="h.cap"))  # same name, other session
    v1, specs = await store.session_policies("s1")
    assert v1 > v0 and specs == [p, q]
    assert (await store.session_policies("s2"))[1][0].name == "cap"
    with pytest.raises(Conflict):
        await store.add_session_policy("s1", PolicySpec(name="cap", handler="h.x"))
    with pytest.raises(Conflict):
        await store.update_session_policy("s1", q.id, name="cap")
    with pytest.raises(NotFound):
        await store.add_session_policy("nope", PolicySpec(name="cap", handler="h.x"))
    with pytest.raises(NotFound):
        await store.update_session_policy("s2", p.id, enabled=False)  # p belongs to s1
    p2 = await store.update_session_policy("s1", p.id, enabled=False, mode="shadow")
    assert (p2.enabled, p2.mode, p2.params) == (False, "shadow", {"limit": 2})
    v2, specs = await store.session_policies("s1")
    assert v2 > v1 and specs == [p2, q]
    await store.delete_session_policy("s1", p.id)
    with pytest.raises(NotFound):
        await store.delete_session_policy("s1", p.id)
    v3, specs = await store.session_policies("s1")
    assert v3 > v2 and specs == [q]


# agents and tokens ------------------------------------------------------------
async def test_agents(store: Any) -> None:
    assert await store.list_agents() == []
    await store.put_agent("coder", "name: coder\n")
    await store.put_agent("analyst", "name: analyst\n")
    await store.put_agent("coder", "name: coder\npolicies: {}\n")
    assert await store.list_agents() == [
        ("analyst", "name: analyst\n"),
        ("coder", "name: coder\npolicies: {}\n"),
    ]


async def test_tokens(store: Any) -> None:
    t1 = TokenRecord("tok_1", "h" * 64, "alice", "user", "laptop", 1.0)
    t2 = TokenRecord("tok_2", "g" * 64, "ops", "admin", None, 2.0)
    await store.create_token(t1)
    await store.create_token(t2)
    with pytest.raises(Conflict):
        await store.create_token(TokenRecord("tok_3", "h" * 64, "eve", "admin", None, 3.0))
    assert await store.find_token("h" * 64) == t1
    assert await store.find_token("x" * 64) is None
    assert await store.list_tokens() == [t1, t2]
    await store.revoke_token("tok_1")
    assert (await store.find_token("h" * 64)).revoked is True
    with pytest.raises(NotFound):
        await store.revoke_token("tok_missing")


# audit ------------------------------------------------------------------------
def raw_sql(database_url: str, sql: str, params: tuple[Any, ...] = ()) -> None:
    """Change the database behind the store's back, with the plain driver."""
    if database_url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(database_url.split(":///", 1)[1]) as conn:
            conn.execute(sql.replace("%s", "?"), params)
    else:
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(sql, params)  # type: ignore[arg-type]


async def _tamper(store: Any, database_url: str, how: str, seq: int) -> None:
    if database_url == "memory://":
        if how == "edit":
            store.audit[seq - 1]["payload"]["result"] = "ALLOW"
        else:
            del store.audit[seq - 1]
    elif how == "edit":
        raw_sql(
            database_url,
            "UPDATE audit SET payload = replace(payload, '\"DENY\"', '\"ALLOW\"') WHERE seq = %s",
            (seq,),
        )
    else:
        raw_sql(database_url, "DELETE FROM audit WHERE seq = %s", (seq,))


@pytest.mark.parametrize("how", ["edit", "delete"])
async def test_audit_chain_verifies_and_detects_tampering(store: Any, database_url: str, how: str) -> None:
    rt = runtime(store, cap_spec(limit=2))
    for _ in range(4):
        await rt.evaluate("s1", tool_call())
    await rt.evaluate("s2", tool_call())
    entries = await store.audit_entries()
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5]
    assert [e["payload"]["result"] for e in entries] == ["ALLOW", "ALLOW", "DENY", "DENY", "ALLOW"]
    assert [e["seq"] for e in await store.audit_entries(session_id="s2")] == [5]
    assert audit.verify(entries)["ok"] is True
    await _tamper(store, database_url, how, 3)
    report = audit.verify(await store.audit_entries())
    assert report["ok"] is False and report["broken_at"] in (3, 4)


# runtime end to end -----------------------------------------------------------
async def test_runtime_ask_approve_applies_held_updates(store: Any) -> None:
    rt = runtime(
        store,
        PolicySpec(name="ask", handler="store_policies.ask_for_rm", params={}, kind="factory"),
    )
    out = await rt.evaluate("s1", tool_call("rm -rf build"), owner="alice")
    assert out.result == "ASK" and out.approval_id
    assert [a.id for a in await store.list_approvals(status="pending", owner="alice")] == [out.approval_id]
    assert (await snap(store, "s1")).state == {}
    done = await rt.resolve(out.approval_id, "approve", scope="session", by="alice")
    assert done.status == "approved"
    s = await snap(store, "s1")
    assert s.state == {"rm_approved": 1} and len(s.grants) == 1
    again = await rt.evaluate("s1", tool_call("rm -rf build"), owner="alice")  # covered by the session grant
    assert again.result == "ALLOW"
    assert audit.verify(await store.audit_entries())["ok"] is True


async def test_200_concurrent_evaluations_allow_exactly_50(store: Any) -> None:
    rt = runtime(store, cap_spec(limit=50))
    await store.ensure_session("hot", owner="alice")
    outcomes = await asyncio.gather(*(rt.evaluate("hot", tool_call(f"echo {i}")) for i in range(200)))
    results = [o.result for o in outcomes]
    assert results.count("ALLOW") == 50 and results.count("DENY") == 150
    s = await snap(store, "hot")
    assert s.policy_states == {"server:cap": {"calls": 50}}
    assert len(s.history) == 50
    entries = await store.audit_entries()
    assert len(entries) == 200 and audit.verify(entries)["ok"] is True


async def test_concurrent_user_state_across_sessions_is_exact(store: Any) -> None:
    rt = runtime(
        store,
        PolicySpec(name="uc", handler="store_policies.user_counter", params={}, kind="factory"),
    )
    sessions = [f"u{i}" for i in range(4)]
    for sid in sessions:
        await store.ensure_session(sid, owner="alice")
    await asyncio.gather(*(rt.evaluate(sessions[i % 4], tool_call()) for i in range(100)))
    assert (await snap(store, "u0")).user_state == {"calls": 100}
