"""A held ``set`` of an ASK never overwrites what allowed events wrote meanwhile (runtime.held).

A policy counts actions with ``set`` (``counter = counter + 1``, the read-modify-write a
custom policy naturally writes).  Asking about one action holds its ``set``; an allowed
action counts meanwhile; approving the first must leave the counter at 2, in the runtime
and in a replay of the recorded trace alike.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime import trace
from goalrail.runtime.replay import Replayer
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.memory import MemoryStore
from tests.replay.recording import export
from tests.store.conftest import pg_url  # noqa: F401 - the fixture, for the PostgreSQL run

ASKED = {"type": "tool_call", "target": "deploy", "data": {"arguments": {"env": "prod"}}}
ALLOWED = {"type": "tool_call", "target": "count", "data": {"arguments": {}}}


def counting(scope: str) -> Any:
    """Counts every tool call with a ``set``; asks about ``deploy``."""

    def evaluate(event: Any) -> Any:
        if event["type"] != "tool_call":
            return None
        state = event["policy_state"] if scope == "policy" else event["session_state"]
        n = int(state.get("counter") or 0)
        update = {"key": "counter", "action": "set", "value": n + 1, "scope": scope}
        if event["target"] == "deploy":
            return {"result": "ASK", "reason": "deploying needs a human", "state_updates": [update]}
        return {"result": "ALLOW", "state_updates": [update]}

    return evaluate


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    """Every store: the bases and the event to evaluate again travel in the approval's stored JSON."""
    if request.param == "memory":
        yield MemoryStore()
        return
    url = f"sqlite:///{tmp_path / 'goalrail.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    opened = await open_store(url)
    try:
        yield opened
    finally:
        await opened.close()


def make(store: Any, scope: str) -> Runtime:
    clock = itertools.count(1_800_000_000, 3)
    spec = PolicySpec("counter", f"{__name__}.counting", params={"scope": scope})
    return Runtime(store, registry=Registry.load(), server_specs=[spec], clock=lambda: float(next(clock)))


async def counter(rt: Runtime, scope: str) -> Any:
    async with rt.store.transaction("s") as tx:
        snap = await tx.snapshot(user_day="2027-01-15")
    return _read(snap.policy_states, snap.state, scope)


def _read(policy_states: dict[str, Any], state: dict[str, Any], scope: str) -> Any:
    if scope == "session":
        return state.get("counter")
    (ns,) = [ns for ns in policy_states if ns.endswith("counter")]  # the instance's own namespace
    return policy_states[ns].get("counter")


async def replayed(rt: Runtime, scope: str) -> Any:
    recorded = trace.loads((await export(rt.store, "s")).to_jsonl())
    info = await rt.store.get_session("s")
    assert info is not None
    chain = await rt.chain_for(info)
    replayer = Replayer(lambda _t: chain)
    report = await replayer.run([recorded])
    assert report.changed == 0, [c.to_dict() for c in report.changes]
    sess = replayer.sessions["s"]
    return _read(sess.policy_states, sess.state, scope)


@pytest.mark.parametrize("scope", ["session", "policy"])
async def test_an_approved_set_keeps_what_was_counted_meanwhile(store: Any, scope: str) -> None:
    rt = make(store, scope)
    asked = await rt.evaluate("s", ASKED)
    assert asked.result == "ASK" and asked.approval_id
    assert (await rt.evaluate("s", ALLOWED)).result == "ALLOW"
    assert await counter(rt, scope) == 1
    await rt.resolve(asked.approval_id, "approve", by="alice")
    assert await counter(rt, scope) == 2  # before: the held `counter = 1` overwrote the allowed call's 1 → 1
    assert await replayed(rt, scope) == 2
    approval = [e for e in await rt.store.audit_entries(session_id="s") if e["kind"] == "approval"]
    assert approval[-1]["payload"].get("rederived") is True


@pytest.mark.parametrize("scope", ["session", "policy"])
async def test_an_approved_set_applies_as_held_when_nothing_changed(store: Any, scope: str) -> None:
    rt = make(store, scope)
    asked = await rt.evaluate("s", ASKED)
    assert asked.approval_id
    await rt.resolve(asked.approval_id, "approve", by="alice")
    assert await counter(rt, scope) == 1
    assert (await rt.evaluate("s", ALLOWED)).result == "ALLOW"
    assert await counter(rt, scope) == 2
    assert await replayed(rt, scope) == 2
    approval = [e for e in await rt.store.audit_entries(session_id="s") if e["kind"] == "approval"]
    assert "rederived" not in approval[-1]["payload"]


async def test_a_refused_ask_applies_nothing_even_when_stale(store: Any) -> None:
    rt = make(store, "session")
    asked = await rt.evaluate("s", ASKED)
    assert asked.approval_id
    await rt.evaluate("s", ALLOWED)
    await rt.resolve(asked.approval_id, "deny", by="alice")
    assert await counter(rt, "session") == 1
    assert await replayed(rt, "session") == 1
