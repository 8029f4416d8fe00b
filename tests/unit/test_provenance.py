"""Provenance: extraction, normalisation, grounding, bounds."""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.engine.state import apply_update
from goalrail.policies import provenance as p


def _state(*records: tuple[Any, str, str], max_values: int = p.DEFAULT_MAX_VALUES) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for payload, source, trust in records:
        for upd in p.record(state, payload, source=source, trust=trust, at=0.0, max_values=max_values):
            apply_update(state, upd)
    return state


def _kinds(text: str, words: bool = False) -> set[tuple[str, str]]:
    return set(p.extract_values(text, words=words))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail BOB@Partner.Example now", ("email", "bob@partner.example")),
        ("see https://WWW.Docs.example/a/b/?x=1#frag.", ("url", "https://docs.example/a/b?x=1")),
        ("see https://www.docs.example/a/b/", ("domain", "docs.example")),
        ("pay DE89 3704 0044 0532 0130 00 today", ("iban", "DE89370400440532013000")),
        ("call +41 44 668 18 00", ("phone", "+41446681800")),
        ("call (415) 555-0132", ("phone", "4155550132")),
        ("order ORD-2291-X shipped", ("id", "ord-2291-x")),
        ("visit evil.example for more", ("domain", "evil.example")),
        ("zero\u200bwidth bob@partner.example", ("email", "bob@partner.example")),
        ("ｆｕｌｌwidth ｂｏｂ＠ｐａｒｔｎｅｒ．ｅｘａｍｐｌｅ", ("email", "bob@partner.example")),
    ],
)
def test_values_are_extracted_normalised(text: str, expected: tuple[str, str]) -> None:
    assert expected in _kinds(text)


def test_words_and_short_text_only_when_asked() -> None:
    assert not any(k in ("word", "text") for k, _ in _kinds("Invite Dora to the channel"))
    found = _kinds("Invite Dora to the channel", words=True)
    assert ("word", "dora") in found and ("text", "invite dora to the channel") in found


def test_json_inside_strings_is_walked_with_field_paths() -> None:
    values = p.collect('{"emails": [{"from": "eve@evil.example", "body": "hi"}]}', words=False)
    assert values["email:eve@evil.example"] == ["email", "emails[*].from"]


def test_grounded_counts_trusted_sources_only() -> None:
    state = _state(
        ("Send the notes to bob@partner.example", "user", p.TRUSTED),
        ({"from": "eve@evil.example"}, "read_inbox", p.UNTRUSTED),
        ({"card": "4111 1111 1111 1111", "email": "me@corp.example"}, "profile", p.SENSITIVE),
    )
    prov = p.Provenance.from_state(state)
    assert prov.grounded("BOB@partner.example") == ["user"]
    assert prov.grounded("eve@evil.example") == []
    assert prov.grounded("me@corp.example") == ["profile"]  # sensitive data is the user's own
    origin = prov.origin("eve@evil.example")
    assert origin is not None and (origin.name, origin.trust, origin.path) == ("read_inbox", "untrusted", "from")
    assert prov.tainted and prov.sensitive_seen
    assert prov.grounded("bob@partner.exampl") == []  # one character off


def test_untrusted_output_without_values_still_taints() -> None:
    prov = p.Provenance.from_state(_state(("just words here", "read_channel", p.UNTRUSTED)))
    assert prov.tainted and prov.tainted_by is not None and prov.tainted_by.name == "read_channel"
    assert prov.grounded_words("words") is False  # untrusted text grounds nothing


def test_trusted_output_without_values_records_nothing() -> None:
    assert p.record({}, {"n": True}, source="x", trust=p.TRUSTED, at=0.0) == []


def test_grounded_words_for_names() -> None:
    prov = p.Provenance.from_state(_state(("Reply to Tom's message", "user", p.TRUSTED)))
    assert prov.grounded_words("Tom")
    assert not prov.grounded_words("Tim")


def test_memory_is_bounded_oldest_first() -> None:
    state = _state(*[({"email": f"u{i}@corp.example"}, f"tool{i}", p.TRUSTED) for i in range(50)], max_values=20)
    prov = p.Provenance.from_state(state)
    assert prov.count <= 20
    assert prov.grounded("u49@corp.example") == ["tool49"]
    assert prov.grounded("u0@corp.example") == []


def test_one_event_is_bounded() -> None:
    payload = [f"user{i}@corp.example" for i in range(5000)]
    updates = p.record({}, payload, source="dump", trust=p.UNTRUSTED, at=0.0)
    chunk = next(u for u in updates if u["key"] != p.SEQ_KEY)
    assert len(chunk["value"]["v"]) == p.MAX_PER_EVENT


def test_advanced_view_matches_a_full_rebuild() -> None:
    state = _state(("write to a@corp.example", "user", p.TRUSTED))
    view = p.Provenance.from_state(state)
    for upd in p.record(state, {"x": "b@evil.example"}, source="inbox", trust=p.UNTRUSTED, at=1.0):
        apply_update(state, upd)
    advanced = view.advanced(state)
    rebuilt = p.Provenance.from_state(state)
    assert advanced.index.keys() == rebuilt.index.keys()
    assert advanced.tainted and not view.tainted
    assert advanced.advanced(state) is advanced  # nothing new: the same view, at O(1)


def test_advanced_view_after_eviction_matches_a_full_rebuild() -> None:
    state = _state(*[({"e": f"u{i}@corp.example"}, f"t{i}", p.TRUSTED) for i in range(5)], max_values=12)
    view = p.Provenance.from_state(state)
    for i in range(5, 9):
        for upd in p.record(state, {"e": f"u{i}@corp.example"}, source=f"t{i}", trust=p.TRUSTED, at=0.0, max_values=12):
            apply_update(state, upd)
        view = view.advanced(state)
        rebuilt = p.Provenance.from_state(state)
        assert {k for k, v in view.index.items() if v} == {k for k, v in rebuilt.index.items() if v}
        assert view.keys == rebuilt.keys
    assert view.grounded("u8@corp.example") == ["t8"] and view.grounded("u0@corp.example") == []
