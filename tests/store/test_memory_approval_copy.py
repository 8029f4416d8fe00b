"""The memory store keeps an approval as a copy with its own held changes, every other field as given."""

from __future__ import annotations

import dataclasses

from goalrail.runtime.ports import ApprovalRecord, HeldChanges
from goalrail.store.memory_session import _with_held


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
