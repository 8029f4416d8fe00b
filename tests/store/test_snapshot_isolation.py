"""A policy changing a nested value of the state it is shown changes nothing stored.

Only ``state_updates`` change state.  The SQLite store answers from an
in-process cache and the memory store from its own dicts: each snapshot must
not share a mutable value with them, nor with the session's history entries
(parsed once, shared by snapshots), nor with a value a policy returned in an
update and kept.  A replay keeps its state the same way.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.replay.recording import export

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime import trace
from goalrail.runtime.candidate import Candidate, ChainsFor
from goalrail.runtime.replay import Replayer
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store

REGISTRY = Registry.load()
SPEC = PolicySpec(name="mut", handler="store_policies.nested_mutator", params={}, kind="factory")
HISTORY = PolicySpec(name="hist", handler="store_policies.history_mutator", params={}, kind="factory")
KEEPER = PolicySpec(name="keep", handler="store_policies.value_keeper", params={}, kind="factory")
NOW = 1_767_225_600.0  # one instant for every event: two sessions' history entries read the same


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


async def test_mutating_a_history_entry_changes_no_later_history(database_url: str) -> None:
    store = await open_store(database_url)
    try:
        rt = Runtime(store, registry=REGISTRY, server_specs=[HISTORY], clock=lambda: NOW)
        for sid in ("s1", "s2"):
            await store.ensure_session(sid, owner="alice")
        results = []
        for sid in ("s1", "s1", "s1", "s2", "s2", "s1"):
            results.append((await rt.evaluate(sid, _call())).result)
            async with store.transaction(sid):  # a held transaction: SQLite reads the session again
                pass
        assert results == ["ALLOW"] * 6
        for sid, n in (("s1", 4), ("s2", 2)):
            async with store.transaction(sid) as tx:
                snap = await tx.snapshot(user_day="2026-01-01")
            assert [h for h in snap.history if "mark" in h] == []
            assert len(snap.history) == n
    finally:
        await store.close()


async def test_a_value_a_policy_returned_and_kept_changes_no_state(database_url: str) -> None:
    store = await open_store(database_url)
    try:
        rt = Runtime(store, registry=REGISTRY, server_specs=[KEEPER])
        for sid in ("s1", "s2"):
            await store.ensure_session(sid, owner="alice")
        results = [(await rt.evaluate(sid, _call())).result for sid in ("s1", "s1", "s1", "s2", "s2", "s1")]
        assert results == ["ALLOW"] * 6
        async with store.transaction("s1") as tx:
            snap = await tx.snapshot(user_day="2026-03-01")
        assert snap.state["kept"] == {"items": []}
        assert snap.policy_states["server:keep"]["kept"] == {"items": []}
        assert snap.user_state["kept"] == {"items": []}
    finally:
        await store.close()


async def test_a_replay_keeps_its_state_from_the_policies_too(database_url: str) -> None:
    store = await open_store(database_url)
    specs = [SPEC, HISTORY, KEEPER]
    try:
        rt = Runtime(store, registry=REGISTRY, server_specs=specs)
        await store.ensure_session("s1", owner="alice")
        results = [(await rt.evaluate("s1", _call())).result for _ in range(5)]
        assert results == ["ALLOW"] * 5
        recorded = await export(store, "s1")
    finally:
        await store.close()
    recorded.chain = {"session": [], "agent": [], "server": specs}
    recorded = trace.loads(recorded.to_jsonl())
    replayer = Replayer(ChainsFor(Candidate(), REGISTRY), keep_results=True)
    report = await replayer.run([recorded])
    assert report.events == 5
    assert not report.changes, [c.to_dict() for c in report.changes]
    replayed = replayer.sessions["s1"]
    assert replayed.state["box"] == replayed.state["kept"] == {"items": []}
    assert replayed.policy_states["server:keep"]["kept"] == {"items": []}
    assert replayer.user_state["alice"]["box"] == {"items": []}
    assert [h for h in replayed.history if "mark" in h] == [] and len(replayed.history) == 5


async def test_an_asks_held_value_the_policy_kept_changes_nothing_it_applies(database_url: str) -> None:
    asker = PolicySpec(name="asker", handler="store_policies.ask_keeper", params={}, kind="factory")
    store = await open_store(database_url)
    try:
        rt = Runtime(store, registry=REGISTRY, server_specs=[asker])
        await store.ensure_session("s1", owner="alice")
        rm = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "rm x"}}}
        asked = await rt.evaluate("s1", rm)
        assert asked.result == "ASK" and asked.approval_id
        assert (await rt.evaluate("s1", _call())).result == "ALLOW"  # the policy changes its kept value
        await rt.resolve(asked.approval_id, "approve")
        async with store.transaction("s1") as tx:
            snap = await tx.snapshot(user_day="2026-03-01")
        assert snap.state["asked"] == {"items": ["as asked"]}
    finally:
        await store.close()


async def test_a_snapshot_keeps_the_runtimes_namespaces_as_they_were_read(database_url: str) -> None:
    """The provenance record is shared with the snapshot, not copied (it holds up to
    thousands of values): a later commit must replace it, not change it in place."""
    store = await open_store(database_url)
    try:
        rt = Runtime(store, registry=REGISTRY, server_specs=[SPEC])
        await store.ensure_session("s1", owner="alice")
        said = {"type": "request", "data": "please email the report to carol@example.com"}
        assert (await rt.evaluate("s1", said)).result == "ALLOW"
        async with store.transaction("s1") as tx:
            before = await tx.snapshot(user_day="2026-03-01")
        record = before.policy_states["goalrail.provenance"]
        as_read = copy.deepcopy(record)
        assert "carol@example.com" in json.dumps(as_read)
        again = {"type": "request", "data": "and copy dave@example.org"}
        assert (await rt.evaluate("s1", again)).result == "ALLOW"
        assert before.policy_states["goalrail.provenance"] == as_read  # not changed by the commit
        async with store.transaction("s1") as tx:
            after = await tx.snapshot(user_day="2026-03-01")
        assert "dave@example.org" in json.dumps(dict(after.policy_states["goalrail.provenance"]))
        assert after.policy_states["goalrail.provenance"] != as_read
    finally:
        await store.close()
