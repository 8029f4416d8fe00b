"""The runtime hands the store its ``Draft`` as the decision's ``Commit``: every field a
store reads must be set on it, as a fresh ``Commit`` has it (a field added to ``Commit``
and not to ``new_draft`` would fail the store's read at commit time)."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

from goalrail.engine.snapshot import Snapshot
from goalrail.runtime.draft import Draft, new_draft
from goalrail.runtime.ports import Commit, SessionInfo


def _draft() -> Draft:
    event = {"type": "tool_call", "target": "Bash", "data": {}, "context": {}}
    return new_draft(SessionInfo("s1"), {"type": "tool_call"}, Snapshot("s1"), event, 0.0, None, "m", "h", False, None)  # type: ignore[arg-type]


def test_a_draft_has_every_commit_field_as_a_fresh_commit_has_it() -> None:
    draft, fresh = _draft(), Commit(model="m", harness="h")
    names = [f.name for f in dataclasses.fields(Commit)]
    assert "recheck" in names and "usage" in names
    for name in names:
        value, expected = getattr(draft, name), getattr(fresh, name)
        if isinstance(expected, (list, dict)):  # an empty container, read as the fresh one's
            assert len(value) == 0 == len(expected), name
        else:
            assert value == expected, name


def test_a_drafts_containers_are_its_own_or_read_only_empties() -> None:
    """A draft makes no container until a step adds to it: until then it holds shared,
    read-only empties, which nothing can fill for the next draft."""
    a, b = _draft(), _draft()
    for f in dataclasses.fields(Commit):
        value = getattr(a, f.name)
        if isinstance(value, (list, dict)):
            assert value is not getattr(b, f.name), f.name
        elif isinstance(value, (tuple, MappingProxyType)):
            assert not value, f.name
            assert not hasattr(value, "append") and not hasattr(value, "__setitem__"), f.name
