"""The read-only views build_event shows of a snapshot's mappings, empty ones included."""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.snapshot import Snapshot

_VIEWS = (("session_state",), ("context", "user_state"), ("context", "labels"), ("context", "usage"))


def _view(event: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        event = event[key]
    return event


@pytest.mark.parametrize("path", _VIEWS)
def test_an_empty_mapping_is_shown_empty_and_read_only(path: tuple[str, ...]) -> None:
    raw = normalize_event({"type": "request", "data": "hi"})
    first = build_event(raw, Snapshot("s1"))
    view = _view(first, path)
    assert dict(view) == {}
    with pytest.raises(TypeError):
        view["k"] = 1
    # another event's view of its own empty mapping is just as empty, whatever was done to the first
    second = _view(build_event(raw, Snapshot("s2")), path)
    assert dict(second) == {}
    assert second is view  # one shared view of nothing, not one per event


def test_a_filled_mapping_is_shown_as_it_is_read_only() -> None:
    snap = Snapshot("s1", state={"n": 1}, user_state={"u": 2}, labels={"env": "prod"}, usage={"cost_usd": 0.5})
    event = build_event(normalize_event({"type": "request", "data": "hi"}), snap)
    assert [dict(_view(event, p)) for p in _VIEWS] == [{"n": 1}, {"u": 2}, {"env": "prod"}, {"cost_usd": 0.5}]
    with pytest.raises(TypeError):
        event["session_state"]["n"] = 3  # type: ignore[index]
