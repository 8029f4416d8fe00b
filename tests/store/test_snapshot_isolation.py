"""A policy changing a nested value of the state it is shown changes nothing stored.

Only ``state_updates`` change state.  The SQLite store answers from an
in-process cache and the memory store from its own dicts: each snapshot must
not share a mutable value with them.
"""

from __future__ import annotations

from typing import Any

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store

REGISTRY = Registry.load()
SPEC = PolicySpec(name="mut", handler="store_policies.nested_mutator", params={}, kind="factory")


def _call() -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}


async def test_mutating_a_nested_value_of_the_snapshot_changes_no_state(database_url: str) -> None:
    store = await open_store(database_url)
    try:
        rt = Runtime(store, registry=REGISTRY, server_specs=[SPEC])
        await store.ensure_session("s1", owner="alice")
        await store.ensure_session("s2", owner="alice")
        results = [(await rt.evaluate(sid, _call())).result for sid in ("s1", "s1", "s1", "s2", "s2", "s1")]
        assert results == ["ALLOW"] * 6
        async with store.transaction("s1") as tx:
            snap = await tx.snapshot(user_day="2026-03-01")
        assert snap.state["box"] == {"items": []}
        assert snap.policy_states["server:mut"]["box"] == {"items": []}
        assert snap.user_state["box"] == {"items": []}
    finally:
        await store.close()
