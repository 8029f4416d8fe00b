"""A policy whose answer is not strict JSON is failed closed, the same on every store.

Before, the memory store kept a set or an object as a state value, SQLite raised
from its commit (a 500), PostgreSQL refused ``NaN`` (a 503), and a cyclic value raised
``RecursionError`` everywhere.  Now the policy that returned it is DENYed with a reason
naming it and what is wrong, nothing it asked for is stored, and the session goes on.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime import audit
from goalrail.runtime.runtime import Runtime

NOW = 1_767_225_600.0


def _cyclic_list() -> Any:
    v: list[Any] = []
    v.append(v)
    return v


def _cyclic_dict() -> Any:
    v: dict[str, Any] = {}
    v["self"] = v
    return v


def _deep() -> Any:
    v: Any = []
    for _ in range(3000):
        v = [v]
    return v


BAD: dict[str, tuple[Any, str]] = {
    "set": ({1, 2}, "a value of type `set` is not JSON"),
    "object": (object(), "a value of type `object` is not JSON"),
    "bytes": ({"k": [b"raw"]}, "a value of type `bytes` is not JSON"),
    "nan": (float("nan"), "the float `nan` is not finite"),
    "inf_in_list": ([1.5, float("inf")], "the float `inf` is not finite"),
    "int_key": ({1: "one"}, "the dict key `1` is not a string"),
    "cyclic_list": (_cyclic_list(), "nested deeper than 100 levels (or contains itself)"),
    "cyclic_dict": (_cyclic_dict(), "nested deeper than 100 levels (or contains itself)"),
    "deep": (_deep(), "nested deeper than 100 levels (or contains itself)"),
}


def remember(event: Any) -> Any:
    """Store the value the event names (``data.arguments.kind``) under ``kept``, or count."""
    kind = ((event.get("data") or {}).get("arguments") or {}).get("kind")
    if event["type"] != "tool_call":
        return None
    if kind in BAD:
        return {"result": "ALLOW", "state_updates": [{"key": "kept", "action": "set", "value": BAD[kind][0]}]}
    if kind == "increment_nan":
        return {"result": "ALLOW", "state_updates": [{"key": "n", "action": "increment", "value": float("nan")}]}
    if kind == "data_set":
        return {"result": "ALLOW", "data": {"arguments": {"x": {1}}}}
    good = {"nested": [1, 2.5, {"a": None, "b": [True, "x"]}], "tuple": (1, 2)}
    return {
        "result": "ALLOW",
        "state_updates": [
            {"key": "n", "action": "increment", "scope": "policy"},
            {"key": "good", "action": "set", "value": good},
        ],
    }


POLICY_REGISTRY = [{"handler": f"{__name__}.remember", "kind": "callable"}]


def _runtime(store: Any, trusted: bool) -> Runtime:
    reg = Registry.load()
    reg.add_module(__name__, builtin=trusted)  # trusted: inline; otherwise on the worker threads
    clock = itertools.count()
    spec = PolicySpec("remember", f"{__name__}.remember", kind="callable")
    return Runtime(store, registry=reg, server_specs=[spec], clock=lambda: NOW + next(clock))


def _call(kind: str) -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls", "kind": kind}}}


@pytest.mark.parametrize("trusted", [True, False], ids=["inline", "offloaded"])
async def test_a_value_no_store_keeps_as_given_denies_naming_the_policy(
    store: Any, database_url: str, trusted: bool
) -> None:
    rt = _runtime(store, trusted)
    first = await rt.evaluate("s", _call("fine"), owner="alice")
    assert first.decision.result == "ALLOW"
    for kind, (_, why) in BAD.items():
        out = await rt.evaluate("s", _call(kind), owner="alice")
        assert out.decision.result == "DENY", kind
        assert out.decision.policy == "remember"
        assert out.decision.reason.startswith("policy `remember` failed: returned a malformed response: ")
        assert "state_updates[0].value is not JSON every store keeps" in out.decision.reason
        assert why in out.decision.reason, (kind, out.decision.reason)
    nan = await rt.evaluate("s", _call("increment_nan"), owner="alice")
    assert nan.decision.result == "DENY"
    assert "increment needs a finite number" in nan.decision.reason
    data = await rt.evaluate("s", _call("data_set"), owner="alice")
    assert data.decision.result == "DENY"
    assert "`data` is not JSON: a value of type `set` is not JSON" in data.decision.reason
    last = await rt.evaluate("s", _call("fine"), owner="alice")
    assert last.decision.result == "ALLOW"
    async with store.transaction("s") as tx:
        snap = await tx.snapshot(user_day="2026-01-01")
    assert "kept" not in snap.state  # nothing a refused answer asked for was stored
    assert snap.state["good"] == {"nested": [1, 2.5, {"a": None, "b": [True, "x"]}], "tuple": [1, 2]} or (
        database_url == "memory://" and snap.state["good"]["tuple"] == (1, 2)
    )
    assert snap.policy_states["server:remember"]["n"] == 2  # the two ALLOWed answers, not the refused ones
    history = [h["verdict"] for h in snap.history]
    assert history == ["ALLOW", *["DENY"] * (len(BAD) + 2), "ALLOW"]


async def test_the_audit_chain_of_refused_answers_verifies(store: Any, database_url: str) -> None:
    rt = _runtime(store, True)
    for kind in ("fine", "set", "nan", "cyclic_dict", "fine"):
        await rt.evaluate("s", _call(kind), owner="alice")
    entries = await store.audit_entries()
    assert [e["payload"]["result"] for e in entries] == ["ALLOW", "DENY", "DENY", "DENY", "ALLOW"]
    assert audit.verify(entries)["ok"] is True, database_url


async def test_two_sessions_in_one_batch_one_refused(store: Any) -> None:
    """The refused answer fails its own decision only: the other session's, decided in
    the same moment (one group commit on SQLite), is written."""
    rt = _runtime(store, True)
    bad, good = await asyncio.gather(
        rt.evaluate("a", _call("set"), owner="alice"), rt.evaluate("b", _call("fine"), owner="bob")
    )
    assert (bad.decision.result, good.decision.result) == ("DENY", "ALLOW")
    async with store.transaction("b") as tx:
        snap = await tx.snapshot(user_day="2026-01-01")
    assert snap.policy_states["server:remember"]["n"] == 1
