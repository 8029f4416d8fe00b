"""``apply_update`` stores a dict or list value as a copy, unless it is the caller's own.

A policy may keep the value it returned and change it later: that must change no state,
so its values are copied.  The runtime's own namespaces (``goalrail.*``) are written only
with values the runtime makes for the update and never changes (a provenance chunk), so
the memory store keeps them as they are (``owned``).
"""

from __future__ import annotations

from typing import Any

from goalrail.engine.state import apply_update


def test_a_value_is_copied_unless_owned() -> None:
    value: dict[str, Any] = {"src": "user", "v": {"word:parser": ["word", None]}}
    copied: dict[str, Any] = {}
    kept: dict[str, Any] = {}
    apply_update(copied, {"key": "e000000001", "action": "set", "value": value})
    apply_update(kept, {"key": "e000000001", "action": "set", "value": value}, owned=True)
    assert copied == kept == {"e000000001": value}
    assert copied["e000000001"] is not value and copied["e000000001"]["v"] is not value["v"]
    assert kept["e000000001"] is value


def test_an_appended_value_is_copied_unless_owned() -> None:
    item = {"digest": "d", "at": 1.0}
    copied: dict[str, Any] = {"allowed": []}
    kept: dict[str, Any] = {"allowed": []}
    apply_update(copied, {"key": "allowed", "action": "append", "value": item, "max_len": 2})
    apply_update(kept, {"key": "allowed", "action": "append", "value": item, "max_len": 2}, owned=True)
    assert copied == kept == {"allowed": [item]}
    assert copied["allowed"][0] is not item and kept["allowed"][0] is item
