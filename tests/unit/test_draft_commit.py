"""The runtime hands the store its ``Draft`` as the decision's ``Commit``: every field a
store reads must be set on it, as a fresh ``Commit`` has it (a field added to ``Commit``
and not to ``Draft.__init__`` would fail the store's read at commit time)."""

from __future__ import annotations

import dataclasses

from goalrail.engine.snapshot import Snapshot
from goalrail.runtime.decide import Draft
from goalrail.runtime.ports import Commit, SessionInfo


def _draft() -> Draft:
    event = {"type": "tool_call", "target": "Bash", "data": {}, "context": {}}
    return Draft(SessionInfo("s1"), {"type": "tool_call"}, Snapshot("s1"), event, 0.0, None, "m", "h", False, None)  # type: ignore[arg-type]


def test_a_draft_has_every_commit_field_as_a_fresh_commit_has_it() -> None:
    draft, fresh = _draft(), Commit(model="m", harness="h")
    names = [f.name for f in dataclasses.fields(Commit)]
    assert "recheck" in names and "usage" in names
    for name in names:
        assert getattr(draft, name) == getattr(fresh, name), name


def test_a_drafts_containers_are_its_own() -> None:
    a, b = _draft(), _draft()
    for f in dataclasses.fields(Commit):
        value = getattr(a, f.name)
        if isinstance(value, (list, dict)):
            assert value is not getattr(b, f.name), f.name
