"""The objects a memory-store decision makes without a class call (``Snapshot``, the draft,
the audit entry, the ``Outcome``): each has every field set, as the class call would set it,
and ``Runtime.evaluate`` runs none of their ``__init__``s."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from types import FrameType
from typing import Any

import pytest

from goalrail.engine.decision import Decision
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.draft import Draft, new_draft
from goalrail.runtime.entries import DecisionEntry
from goalrail.runtime.outcome import Outcome, new_outcome, utc_day
from goalrail.runtime.ports import Commit, SessionInfo
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore

EVENTS: list[dict[str, Any]] = [
    {"type": "request", "data": "please refactor the parser"},
    {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls -la"}}},
    {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "rm -rf build"}}},
    {"type": "llm_request", "data": {"model": "claude-opus-4", "messages": [{"role": "user", "content": "hi"}]}},
]


def counter() -> Any:
    def evaluate(event: Any) -> Any:
        if event["type"] != "tool_call":
            return None
        return {"result": "ALLOW", "state_updates": [{"key": "n", "action": "increment", "scope": "policy"}]}

    return evaluate


def asker() -> Any:
    def evaluate(event: Any) -> Any:
        data = event["data"]
        if isinstance(data, dict) and "rm" in str(data.get("arguments")):
            return {"result": "ASK", "reason": "removing files"}
        return None

    return evaluate


def _runtime() -> Runtime:
    specs = [PolicySpec("counter", f"{__name__}.counter"), PolicySpec("ask", f"{__name__}.asker")]
    return Runtime(MemoryStore(), registry=Registry.load(), server_specs=specs)


def _decide(rt: Runtime, n: int = 8) -> list[Outcome]:
    async def run() -> list[Outcome]:
        return [await rt.evaluate("s1", EVENTS[i % len(EVENTS)], owner="u1") for i in range(n)]

    return asyncio.run(run())


def test_a_memory_snapshot_has_every_field_the_class_call_sets() -> None:
    rt = _runtime()
    _decide(rt)
    store = rt.store
    assert isinstance(store, MemoryStore)
    tx = store.take_now("s1")
    assert tx is not None
    try:
        snap = tx.snapshot_now(utc_day(rt.clock()))
    finally:
        tx.release()
    values = {f.name: getattr(snap, f.name) for f in dataclasses.fields(Snapshot)}  # an unset field raises
    assert snap == Snapshot(**values)
    assert values["session_id"] == "s1" and values["owner"] == "u1" and values["client_id"] is None
    assert len(values["history"]) == 8 and values["policy_states"]


def test_new_outcome_is_the_outcome_the_class_makes() -> None:
    decision = Decision("ALLOW", "fine", "p", [], 1.0)
    made = new_outcome(decision, "s1", "a1", "asked before", "claude-code")
    assert made == Outcome(decision, "s1", "a1", None, None, "asked before", "claude-code")
    assert made.to_dict() == Outcome(decision, "s1", "a1", asked="asked before", hook_mcp_call="claude-code").to_dict()


def test_a_draft_is_made_by_new_draft_with_every_slot_set() -> None:
    event: Any = {"type": "tool_call", "target": "Bash", "data": {}, "context": {}}
    with pytest.raises(TypeError, match="new_draft"):
        Draft(SessionInfo("s1"), {"type": "tool_call"}, Snapshot("s1"), event, 0.0, None, "m", "h", False, None)
    d = new_draft(SessionInfo("s1"), {"type": "tool_call"}, Snapshot("s1"), event, 0.0, None, "m", "h", False, None)
    names = [*Draft.__slots__, *(f.name for f in dataclasses.fields(Commit) if f.name != "recheck")]
    unset = [name for name in names if name != "chain" and not hasattr(d, name)]  # (``chain``: set for a recheck)
    assert unset == []


def test_the_audit_entry_made_as_a_function_is_the_class_calls() -> None:
    event: Any = {
        "type": "tool_call",
        "target": "sys_os_shell",
        "data": {"arguments": {"command": "ls"}},
        "context": {"action": {"type": "shell", "original": "Bash", "target": "ls"}, "model": "m"},
    }
    decision = Decision("ALLOW", "fine", "p", [], 1.0)
    raw = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}
    args = (2.0, "s1", event, decision, None, {"run_as": "a"}, None, None, {"env": "dev"}, None, raw, None)
    called, made = DecisionEntry(*args), DecisionEntry.__new__(DecisionEntry, *args)
    assert type(made) is DecisionEntry
    assert made.payload == called.payload and made.payload["actor"] == {"run_as": "a"}
    assert (made.at, made.session_id, made.kind) == (2.0, "s1", "decision")


def test_a_memory_store_decision_runs_none_of_their_inits() -> None:
    rt = _runtime()
    _decide(rt)  # sessions, chains and days made
    watched = (Snapshot, Draft, DecisionEntry, Outcome)
    inits: list[str] = []

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event == "call" and frame.f_code.co_name == "__init__":
            owner = frame.f_locals.get("self")
            if isinstance(owner, watched):
                inits.append(type(owner).__name__)

    sys.setprofile(profile)
    try:
        outcomes = _decide(rt)
    finally:
        sys.setprofile(None)
    assert {o.result for o in outcomes} == {"ALLOW", "ASK"}
    assert inits == []
