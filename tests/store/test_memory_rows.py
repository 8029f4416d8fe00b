"""The memory store keeps a plain decision's payload as its JSON text until it is read (issue 13).

A kept decision then holds no container the garbage collector tracks; reading the row gives
the payload it was sealed with (its values and its keys' order), and a change to what was read
is a change to the row (``verify`` reports it).
"""

from __future__ import annotations

import gc
import json
from typing import Any

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime import audit
from goalrail.runtime.entries import DecisionEntry
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore

EVENTS: list[dict[str, Any]] = [
    {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls -la", "z": 1, "a": [1.5, None]}}},
    {"type": "request", "data": "mail bob@example.com the report"},
    {"type": "tool_result", "target": "WebFetch", "data": {"result": "see x@example.org"}},
]


def labeler() -> Any:
    def evaluate(event: Any) -> Any:
        return {"result": "ALLOW", "set_labels": {"stage": "two"}} if event.get("target") == "WebFetch" else None

    return evaluate


async def _decided() -> tuple[MemoryStore, list[Any]]:
    rt = Runtime(MemoryStore(), registry=Registry.load(), server_specs=[PolicySpec("lab", f"{__name__}.labeler")])
    store = rt.store
    assert isinstance(store, MemoryStore)
    store._seal_scheduled = True  # hold the seal back: the queued entries are read below
    for event in EVENTS:
        await rt.evaluate("s", event, labels={"env": "dev"})
    queued = list(store._unsealed)
    assert all(isinstance(e, DecisionEntry) for e in queued)
    built = [json.dumps(e.payload) for e in queued]  # the payloads as built, keys in their order
    store.seal_pending()
    return store, built


def _containers(row: object) -> list[object]:
    return [o for o in gc.get_referents(row) if gc.is_tracked(o) and not isinstance(o, type)]


async def test_a_sealed_plain_decision_holds_no_tracked_container_until_read() -> None:
    store, _ = await _decided()
    assert len(store._rows) == 3
    assert [_containers(row) for row in store._rows] == [[], [], []]
    store._rows[0].payload  # noqa: B018 - read: decoded once, then kept
    assert len(_containers(store._rows[0])) == 1 and _containers(store._rows[1]) == []


async def test_a_rows_payload_reads_as_it_was_built_in_its_keys_order() -> None:
    store, built = await _decided()
    entries = await store.audit_entries()
    assert [json.dumps(e["payload"]) for e in entries] == built
    assert [json.dumps(row["payload"]) for row in store.audit] == built
    assert entries[0]["payload"]["event"]["data"]["arguments"] == EVENTS[0]["data"]["arguments"]
    assert entries[2]["payload"]["labels"]["env"] == "dev"
    assert audit.verify(entries)["ok"] is True


async def test_a_change_to_a_read_payload_is_a_change_to_the_row() -> None:
    store, _ = await _decided()
    payload = store.audit[1]["payload"]
    assert isinstance(payload, dict) and store.audit[1].payload is payload
    payload["result"] = "DENY"
    report = audit.verify(await store.audit_entries())
    assert (report["ok"], report["broken_at"]) == (False, 2)
