"""The memory store's transactions taken without coroutines (``ports.ImmediateStore``).

``Runtime.evaluate`` decides an event on the memory store with ``decide_now`` when
the session's lock is free and every policy runs inline, and with ``decide`` (awaiting
the lock) otherwise.  Both must give the same answers and the same audit, and a held
lock must still serialize every decision of its session.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.ports import Commit
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore
from goalrail.store.memory_session import SessionLock

NOW = 1_767_225_600.0


def count_calls(event: Any) -> Any:
    """ALLOW a tool call and count it (policy-scoped)."""
    if event["type"] != "tool_call":
        return None
    return {"result": "ALLOW", "state_updates": [{"key": "calls", "action": "increment", "scope": "policy"}]}


def ask_for_rm(event: Any) -> Any:
    """ASK before ``rm``; the held update marks the session once approved."""
    args = (event.get("data") or {}).get("arguments") or {}
    if event["type"] == "tool_call" and str(args.get("command", "")).startswith("rm"):
        return {
            "result": "ASK",
            "reason": "ask_for_rm: deleting files needs approval",
            "state_updates": [{"key": "rm_approved", "action": "increment", "value": 1}],
        }
    return None


POLICY_REGISTRY = [{"handler": f"{__name__}.{n}", "kind": "callable"} for n in ("count_calls", "ask_for_rm")]


def _registry() -> Registry:
    reg = Registry.load()
    reg.add_module(__name__, builtin=True)  # trusted: called inline, as shipped builtins are
    return reg


SPECS = [
    PolicySpec("max", f"{__name__}.count_calls", kind="callable"),
    PolicySpec("rm", f"{__name__}.ask_for_rm", kind="callable"),
]


def _runtime() -> Runtime:
    clock = itertools.count()
    return Runtime(MemoryStore(), registry=_registry(), server_specs=SPECS, clock=lambda: NOW + next(clock))


def _call(command: str, use_id: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "Bash", "arguments": {"command": command}}
    if use_id:
        data["tool_use_id"] = use_id
    return {"type": "tool_call", "target": "Bash", "data": data, "context": {"harness": "claude-code"}}


def _result(command: str, use_id: str) -> dict[str, Any]:
    data = {"name": "Bash", "arguments": {"command": command}, "tool_use_id": use_id, "result": "done"}
    return {"type": "tool_result", "target": "Bash", "data": data, "context": {"harness": "claude-code"}}


def _timeless(value: Any) -> Any:
    """``value`` without the policies' measured durations (and approval ids, random), at any depth."""
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if k not in ("duration_us", "approval_id", "used_approval")}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    return value


async def _script(rt: Runtime, locked: bool) -> list[Any]:
    """An ASK, its approval and retry, a grant, an ASK answered in the client; each event
    sent while another transaction holds the session's lock when ``locked``."""
    store = rt.store
    assert isinstance(store, MemoryStore)
    await store.ensure_session("s", owner="alice")
    answers: list[Any] = []

    async def send(event: dict[str, Any]) -> Any:
        if not locked:
            return await rt.evaluate("s", event, owner="alice")
        async with store.transaction("s"):
            pending = asyncio.ensure_future(rt.evaluate("s", event, owner="alice"))
            await asyncio.sleep(0)
            assert not pending.done()  # it waits for the lock
        return await pending

    def plain(outcome: Any) -> Any:
        return _timeless(outcome.to_dict())

    answers.append(plain(await send(_call("ls"))))
    asked = await send(_call("rm -rf build"))
    answers.append(plain(asked))
    await rt.resolve(asked.approval_id, "approve", scope="once", by="bob")
    answers.append(plain(await send(_call("rm -rf build"))))  # the approved retry uses it
    answers.append(plain(await send(_call("rm -rf dist", "t1"))))  # asked; the client's prompt lets it run
    answers.append(plain(await send(_result("rm -rf dist", "t1"))))
    answers.append(plain(await send(_call("ls"))))
    rows = [(r.kind, _timeless(r.payload)) for r in store.audit]
    statuses = sorted(a.status for a in await store.list_approvals(session_id="s"))
    async with store.transaction("s") as tx:
        snap = await tx.snapshot(user_day="2026-01-01")
    return [answers, rows, statuses, snap.policy_states, snap.state, [h["verdict"] for h in snap.history]]


async def test_the_awaited_path_answers_and_audits_as_the_immediate_one() -> None:
    immediate, awaited = await _script(_runtime(), False), await _script(_runtime(), True)
    assert immediate == awaited
    answers, _, statuses, states, _, verdicts = immediate
    assert [a["result"] for a in answers] == ["ALLOW", "ASK", "ALLOW", "ASK", "ALLOW", "ALLOW"]
    assert statuses == ["answered_in_client", "applied"]
    assert states["server:max"]["calls"] == 4  # two ALLOWs, and the held updates of the two answered ASKs
    assert verdicts == ["ALLOW", "ASK", "ALLOW", "ASK", "ALLOW", "ALLOW"]


async def test_a_held_lock_serializes_decisions_taken_without_coroutines() -> None:
    rt = _runtime()
    store = rt.store
    assert isinstance(store, MemoryStore)
    await store.ensure_session("s", owner="alice")
    async with store.transaction("s") as tx:
        before = await tx.snapshot(user_day="2026-01-01")
        waiting = [asyncio.ensure_future(rt.evaluate("s", _call("ls"), owner="alice")) for _ in range(20)]
        await asyncio.sleep(0.01)
        assert not any(t.done() for t in waiting)  # none decided on a snapshot the holder may change
        await tx.commit(Commit(policy_updates={"server:max": [{"key": "calls", "action": "set", "value": 100}]}))
    assert before.policy_states.get("server:max") is None
    assert [o.result for o in await asyncio.gather(*waiting)] == ["ALLOW"] * 20
    # every later one without waiting (the lock free): none lost, in order
    assert [(await rt.evaluate("s", _call("ls"))).result for _ in range(5)] == ["ALLOW"] * 5
    async with store.transaction("s") as tx:
        assert (await tx.snapshot(user_day="2026-01-01")).policy_states["server:max"]["calls"] == 125


async def test_a_cancelled_waiter_does_not_keep_the_lock() -> None:
    lock = SessionLock()
    assert lock.take_now()
    cancelled = asyncio.ensure_future(lock.take())
    second = asyncio.ensure_future(lock.take())
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.sleep(0)
    lock.release()  # handed to the waiter still waiting
    await second
    assert lock.held and not lock.take_now()
    lock.release()
    assert lock.take_now()  # free again: nothing waits
    lock.release()


async def test_a_waiter_cancelled_once_handed_the_lock_passes_it_on() -> None:
    lock = SessionLock()
    assert lock.take_now()
    first = asyncio.ensure_future(lock.take())
    second = asyncio.ensure_future(lock.take())
    await asyncio.sleep(0)
    lock.release()  # handed to ``first``, which has not run yet
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await second  # ``first`` passed it on
    assert lock.held
    lock.release()
    assert not lock.held


async def test_open_now_is_the_session_and_the_versions_its_chain_is_keyed_by() -> None:
    store = MemoryStore()
    info, sv, gv = store.open_now("s1", "alice", None, {"env": "dev"})
    assert (info.id, info.owner, info.labels, sv, gv) == ("s1", "alice", {"env": "dev"}, 0, 0)
    assert store.open_now("s1", "bob", None, None)[0] is info  # the stored session, not a second one
    await store.add_session_policy("s1", PolicySpec("p", "x.y", kind="callable"))
    await store.add_server_policy(PolicySpec("q", "x.z", kind="callable"))
    assert store.open_now("s1", None, None, None)[1:] == (1, 1)
    assert store.open_now("s2", None, None, None)[1:] == (0, 1)  # a new session: no policies of its own
