"""The memory store keeps an approval as a copy with its own held changes, every other field as given."""

from __future__ import annotations

import dataclasses

from goalrail.runtime.ports import ApprovalRecord, HeldChanges
from goalrail.store.memory_session import _held_copy, _with_held


def test_with_held_copies_every_field() -> None:
    # Every field set, none left at its default.
    record = ApprovalRecord(
        "apr_1", "s", "pending", "d", "tool_call", "t", "p", "r", ["x"], {"session_updates": []},
        1.0, 2.0, "o", 3.0, "u", "once", ["k"], {"result": "ASK"},
    )  # fmt: skip
    assert len(dataclasses.fields(ApprovalRecord)) == 18
    held: HeldChanges = {"labels": {"a": "b"}}
    copy = _with_held(record, held)
    assert copy is not record and copy.held is held
    assert dataclasses.replace(copy, held=record.held) == record


def test_held_copy_shares_no_policy_container_and_keeps_the_runtimes_chunks() -> None:
    chunk = {"src": "user", "v": {"word:x": ["word", ""]}}
    mine = {"key": "e000000001", "action": "set", "value": chunk, "scope": "policy"}
    theirs = {"key": "box", "action": "set", "value": {"items": [1]}, "scope": "policy"}
    held: HeldChanges = {
        "session_updates": [],
        "policy_updates": {"goalrail.provenance": [mine], "server:p": [theirs]},
        "user_updates": [],
        "labels": {"a": "b"},
        "end_session": None,
        "tool_use_id": "tu_1",
        "again": {"event": {"data": {"arguments": {"k": [1]}}}, "actor": None, "at": 1.0},
    }
    kept = _held_copy(held)
    assert kept == held
    # The runtime's own namespace: its updates as they are (made for the approval, never changed).
    assert kept["policy_updates"]["goalrail.provenance"][0] is mine
    # A policy's: nothing shared at any depth; every container of the held changes is new.
    copied = kept["policy_updates"]["server:p"][0]
    assert copied is not theirs and copied["value"] is not theirs["value"]
    assert copied["value"]["items"] is not theirs["value"]["items"]  # type: ignore[index]
    for key in ("session_updates", "user_updates", "labels", "again"):
        assert kept[key] is not held[key]  # type: ignore[literal-required]
    assert kept["again"]["event"]["data"] is not held["again"]["event"]["data"]  # type: ignore[index]
