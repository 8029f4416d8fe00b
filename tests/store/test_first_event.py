"""A session's first event (issue 13): sessions without policies of their own share
one compiled chain, which still follows every policy change at each level (server,
agent spec, session), made through this store or another one on the same database;
on PostgreSQL the first event reads its policy versions and snapshot with the other
decision reads, and creates its row in one round trip, not through the pool."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from goalrail.config.agent import AgentSpec
from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.sql.store import SqlStore

BASH = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}
REQUEST = {"type": "request", "data": "hello"}


def _deny(name: str, phase: str, level: str = "server") -> PolicySpec:
    return PolicySpec(
        name=name, handler="store_policies.deny_phase", params={"phase": phase}, kind="factory", level=level
    )  # type: ignore[arg-type]


@pytest.fixture
async def replicas(database_url: str) -> AsyncIterator[tuple[Any, Any]]:
    """Two stores on one database (one store for memory: it has no second replica)."""
    first = await open_store(database_url)
    second = first if database_url.startswith("memory") else await open_store(database_url)
    try:
        yield first, second
    finally:
        await first.close()
        if second is not first:
            await second.close()


def _runtime(store: Any, agents: dict[str, AgentSpec] | None = None) -> Runtime:
    return Runtime(store, registry=Registry.load(), agents=agents)


async def _chain(rt: Runtime, session_id: str) -> Any:
    info = await rt.store.get_session(session_id)
    assert info is not None
    return await rt.chain_for(info)


async def test_sessions_without_policies_share_their_chain(replicas: tuple[Any, Any]) -> None:
    store, _ = replicas
    agent = AgentSpec(name="coder", policies=[_deny("no_requests", "request", "agent")])
    rt = _runtime(store, {"coder": agent})
    await asyncio.gather(*[rt.evaluate(f"s{i}", BASH, owner="o") for i in range(4)])
    await asyncio.gather(*[rt.evaluate(f"a{i}", BASH, owner="o", agent="coder") for i in range(2)])
    plain = [await _chain(rt, f"s{i}") for i in range(4)]
    assert all(chain is plain[0] for chain in plain)  # built once, not per session
    coders = [await _chain(rt, f"a{i}") for i in range(2)]
    assert coders[0] is coders[1] and coders[0] is not plain[0]
    assert "agent:no_requests" in coders[0].names() and "agent:no_requests" not in plain[0].names()
    assert (await rt.evaluate("a0", REQUEST)).result == "DENY"
    assert (await rt.evaluate("s0", REQUEST)).result == "ALLOW"
    # A session's own policy gives it a chain of its own; the others keep theirs.
    await store.add_session_policy("s1", _deny("no_bash", "tool_call", "session"))
    assert (await rt.evaluate("s1", BASH)).result == "DENY"
    assert (await rt.evaluate("s2", BASH)).result == "ALLOW"
    assert await _chain(rt, "s1") is not plain[0] and await _chain(rt, "s2") is plain[0]


async def test_policy_changes_reach_new_and_existing_sessions(replicas: tuple[Any, Any]) -> None:
    first, second = replicas
    a, b = _runtime(first), _runtime(second)
    assert (await a.evaluate("s1", BASH, owner="o")).result == "ALLOW"
    assert (await b.evaluate("s2", BASH, owner="o")).result == "ALLOW"
    # Server level, added through the other replica.
    added = await first.add_server_policy(_deny("no_bash", "tool_call"))
    for rt, sid in ((b, "s2"), (b, "s3"), (a, "s1"), (a, "s4")):
        assert (await rt.evaluate(sid, BASH, owner="o")).result == "DENY", sid
    await second.update_server_policy(added.id, enabled=False)
    for rt, sid in ((a, "s1"), (a, "s5"), (b, "s2"), (b, "s6")):
        assert (await rt.evaluate(sid, BASH, owner="o")).result == "ALLOW", sid
    # Session level, through the other replica: that session only, new sessions untouched.
    await second.add_session_policy("s1", _deny("no_requests", "request", "session"))
    assert (await a.evaluate("s1", REQUEST)).result == "DENY"
    assert (await a.evaluate("s7", REQUEST, owner="o")).result == "ALLOW"
    assert (await b.evaluate("s8", REQUEST, owner="o")).result == "ALLOW"
    policies = await first.session_policies("s1")
    await first.delete_session_policy("s1", policies[1][0].id)
    assert (await b.evaluate("s1", REQUEST)).result == "ALLOW"
    assert (await a.evaluate("s1", REQUEST)).result == "ALLOW"


async def test_an_agent_spec_changed_reaches_its_sessions(store: Any) -> None:
    rt = _runtime(store, {"coder": AgentSpec(name="coder")})
    assert (await rt.evaluate("s1", BASH, owner="o", agent="coder")).result == "ALLOW"
    rt.set_agent(AgentSpec(name="coder", policies=[_deny("no_bash", "tool_call", "agent")]))
    assert (await rt.evaluate("s1", BASH)).result == "DENY"  # an existing session
    assert (await rt.evaluate("s2", BASH, owner="o", agent="coder")).result == "DENY"  # a new one
    assert (await rt.evaluate("s3", BASH, owner="o")).result == "ALLOW"  # no agent


@pytest.mark.postgres
async def test_first_events_read_with_the_decision_reads_on_postgres(pg_url: str) -> None:
    store = await open_store(pg_url)
    assert isinstance(store, SqlStore) and store._pg is not None
    try:
        rt = Runtime(store, registry=Registry.load(), server_specs=[_deny("no_requests", "request")])
        await rt.evaluate("warm", BASH, owner="o")
        pooled, read, write = [0], store.runner.read, store.runner.write

        async def counted(fn: Any, *args: Any) -> Any:
            pooled[0] += 1
            return await read(fn, *args)

        async def counted_write(fn: Any, *args: Any, **kwargs: Any) -> Any:
            pooled[0] += 1
            return await write(fn, *args, **kwargs)

        store.runner.read, store.runner.write = counted, counted_write  # type: ignore[method-assign]
        reads = store._pg.reader.reads
        outcomes = await asyncio.gather(*[rt.evaluate(f"s{i}", BASH, owner="o") for i in range(16)])
        assert [o.result for o in outcomes] == ["ALLOW"] * 16
        # Nothing through SQLAlchemy's pool (before: a creation transaction, and two reads per
        # new session, its policy version and the server's).
        assert pooled[0] == 0
        assert store._pg.reader.reads - reads <= 6  # (batched: at most a few statements for the 16)
        assert (await rt.evaluate("s3", REQUEST)).result == "DENY"
        # The first writer of a session still gives it its owner, agent and labels.
        info = await store.ensure_session("s3", owner="other", labels={"x": "y"})
        assert (info.owner, info.labels) == ("o", {})
    finally:
        await store.close()


async def test_created_rows_read_back_as_written(database_url: str) -> None:
    store = await open_store(database_url)
    labels = {"q": 'a"b\\c', "u": "é€😀", "braces": "{x,y}", "null": "NULL", "space": " a b "}
    try:
        infos = await asyncio.gather(
            *[store.ensure_session(f"s{i}", owner=None if i % 2 else "NULL", labels=labels) for i in range(4)]
        )
        for i, info in enumerate(infos):
            assert (info.owner, info.agent, info.labels) == (None if i % 2 else "NULL", None, labels)
            assert await store.get_session(f"s{i}") == info
            assert info.created_at == info.last_activity > 0
    finally:
        await store.close()
