"""normalize_event and build_event copy a payload into a plain dict of their own, in the
caller's key order, the caller's mapping left as it was (issue 13: one dict a copy, not two)."""

from __future__ import annotations

from collections import OrderedDict
from types import MappingProxyType

from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.snapshot import Snapshot


def test_a_tool_payload_is_a_plain_copy_in_the_callers_order() -> None:
    sent = OrderedDict([("arguments", {"command": "ls"}), ("name", "Bash"), ("extra", 1)])
    raw = normalize_event({"type": "tool_call", "data": sent})
    assert type(raw["data"]) is dict and raw["data"] is not sent
    assert list(raw["data"].items()) == [("arguments", {"command": "ls"}), ("name", "Bash"), ("extra", 1)]
    assert list(sent) == ["arguments", "name", "extra"]
    event = build_event(raw, Snapshot("s1"))
    assert list(event["data"].items()) == [
        ("arguments", {"command": "ls"}),
        ("name", "sys_os_shell"),
        ("extra", 1),
        ("original_name", "Bash"),
    ]
    assert raw["data"]["name"] == "Bash" and "original_name" not in raw["data"]  # the audit's raw event kept


def test_a_request_object_is_copied_with_its_text_and_attachments() -> None:
    sent = MappingProxyType({"text": "hi", "attachments": ("a",), "lang": "en"})
    data = normalize_event({"type": "request", "data": sent})["data"]
    assert type(data) is dict
    assert list(data.items()) == [("text", "hi"), ("attachments", ["a"]), ("lang", "en"), ("user_content", "hi")]
