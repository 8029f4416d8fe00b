"""A decision entry's sealed bytes (runtime/entries.py, runtime/audit.py): the payload's text is
the stdlib's canonical JSON, and the hash is what ``audit.verify`` recomputes with the stdlib.

``DecisionEntry`` finds whether its payload is plain as it builds it, and sealing then encodes it
by orjson without walking it; a payload found plain wrongly would be stored (and hashed) in
other bytes than the stdlib's.  The entries here hold every kind of value an event, an actor, a
policy or a session can hand over: floats below 1e-4, NaN and the infinities, text beyond ASCII
and DEL, subclasses of str, int, float, dict and list, tuples, integers past 64 bits."""

from __future__ import annotations

import dataclasses
import json
import math
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goalrail.engine import approvals
from goalrail.engine.decision import Decision, PolicyDecision
from goalrail.engine.plain_json import is_plain
from goalrail.engine.spec import PolicySpec
from goalrail.runtime import audit
from goalrail.runtime.entries import DecisionEntry, decision_payload


class Label(str):
    pass


class Count(int):
    pass


class Amount(float):
    pass


class Record(dict[str, Any]):
    pass


class Items(list[Any]):
    pass


def _compact(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


text = st.one_of(
    st.text(st.characters(max_codepoint=127), max_size=8),
    st.text(max_size=6),
    st.sampled_from(["\x7f", "a\x00b", '"\\/', "\u2028", "é", "\U0001f600", "ls -la src"]),
)
floats = st.one_of(
    st.floats(),
    st.sampled_from([1e-05, -2.5e-07, 9.99e-05, 1e-4, 0.0, -0.0, 5e-324, 1e16, math.nan, math.inf, 12.5]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63 - 4, max_value=2**64 + 4),
    floats,
    text,
    text.map(Label),
    st.integers().map(Count),
    st.floats(allow_nan=False).map(Amount),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.lists(inner, max_size=3).map(tuple),
        st.lists(inner, max_size=3).map(Items),
        st.dictionaries(text, inner, max_size=4),
        st.dictionaries(text, inner, max_size=3).map(Record),
    ),
    max_leaves=20,
)
#: Mostly what events hold (so that many payloads are plain), sometimes anything.
plain_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.text(st.characters(max_codepoint=126))
)
plainish = st.recursive(
    plain_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(plain_scalars.filter(bool).map(str), inner, max_size=4)
    ),
    max_leaves=12,
)
data = st.one_of(plainish, values)
maybe_text = st.one_of(st.none(), st.text(st.characters(max_codepoint=126), max_size=8), scalars)


@st.composite
def entries(draw: st.DrawFn) -> DecisionEntry:
    etype = draw(st.sampled_from(["tool_call", "tool_result", "request", "llm_response"]))
    target = draw(st.one_of(st.just("sys_os_shell"), maybe_text))
    arguments = draw(st.one_of(st.dictionaries(text, plainish, max_size=3), st.dictionaries(text, data, max_size=4)))
    raw = {"type": etype, "target": target, "data": {"arguments": arguments, "extra": draw(plainish)}, "context": {}}
    action = draw(
        st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {"type": maybe_text, "original": maybe_text, "mapped_by": maybe_text, "target": maybe_text}
            ),
        )
    )
    # The event the policies saw holds the recorded data, or (a tool mapped to another name) a copy
    # of it, or here other data than what was recorded: the digest reads this one.
    seen = draw(
        st.one_of(
            st.just(raw["data"]),
            st.just({**raw["data"], "name": "sys_os_shell"}),
            st.dictionaries(text, values, min_size=1, max_size=3).map(lambda d: {"arguments": d, **d}),
        )
    )
    event: Any = {
        "type": etype,
        "target": target,
        "data": seen,
        "context": {"action": action, "model": draw(maybe_text)},
    }
    spec = PolicySpec(name=draw(st.sampled_from(["budget", Label("budget")])), handler="h")
    records = [
        PolicyDecision(spec, "DENY", draw(maybe_text), draw(st.one_of(floats, st.floats(0, 1e6))))
        for _ in range(draw(st.integers(0, 3)))
    ]
    decision = Decision(
        draw(st.sampled_from(["ALLOW", "DENY", "ASK"])),
        draw(maybe_text),
        draw(maybe_text),
        records,
        draw(st.one_of(st.floats(0, 1e6), floats)),
    )
    labels = draw(
        st.one_of(st.just({}), st.dictionaries(text, text, max_size=3), st.dictionaries(text, data, max_size=2))
    )
    start: Any = draw(
        st.one_of(
            st.none(), st.fixed_dictionaries({"labels": st.just({}), "state": st.dictionaries(text, data, max_size=3)})
        )
    )
    return DecisionEntry(
        1_800_000_000.25,
        draw(st.sampled_from(["s1", "séance", Label("s2")])),
        event,
        decision,
        draw(st.one_of(st.none(), st.just("apr_1"))),
        draw(st.one_of(st.none(), st.dictionaries(text, data, max_size=3))),
        draw(st.one_of(st.none(), st.just("a" * 64))),
        draw(st.one_of(st.none(), st.just("apr_0"))),
        labels,
        draw(st.one_of(st.none(), st.dictionaries(text, data, max_size=2))),
        raw,
        start,
    )


@settings(max_examples=600, deadline=None)
@given(entries())
def test_the_sealed_payload_is_the_stdlib_text_and_verifies(entry: DecisionEntry) -> None:
    payload = entry.payload
    expected = _compact(payload)
    assert audit.entry_text(entry) == expected
    assert not entry.plain or is_plain(payload)  # found plain: plain by the stdlib's rules too
    seen = {"type": entry._type, "target": entry._target, "data": entry._data}
    assert payload["digest"] == (entry._digest or approvals.action_digest(seen))
    row = audit.seal(entry, "f" * 64, 7)
    assert audit.verify([row.to_dict()], base=(6, "f" * 64))["ok"]
    assert row.hash == audit.entry_hash(row.to_dict(), expected)


@settings(max_examples=400, deadline=None)
@given(entries(), st.sampled_from([("f" * 64, 7), (audit.GENESIS, 1)]))
def test_the_sql_stores_sealed_values_are_seals(entry: DecisionEntry, head: tuple[str, int]) -> None:
    """``sealed_payload`` (the SQL stores' audit rows, ``changes.sealed_values``) gives the text
    ``entry_text`` gives and the hash ``seal`` gives with that text, which ``verify`` recomputes."""
    prev, seq = head
    text, digest = audit.sealed_payload(entry, prev, seq)
    assert type(text) is str and text == audit.entry_text(entry) == _compact(entry.payload)
    row = audit.seal(entry, prev, seq, text)
    assert digest == row.hash == audit.entry_hash(row.to_dict(), text)
    assert audit.verify([row.to_dict()], base=(seq - 1, prev) if seq > 1 else None)["ok"]


@settings(max_examples=200, deadline=None)
@given(entries())
def test_the_payload_is_decision_payloads_with_what_decide_adds(entry: DecisionEntry) -> None:
    """The keys, their order and their values are those of ``decision_payload`` and the extras."""
    payload = entry.payload
    event = {"type": entry._type, "target": entry._target, "data": entry._data}
    event["context"] = {"action": entry._action, "model": entry._model}
    expected: dict[str, Any] = dict(
        decision_payload(event, entry._decision, entry._approval_id, entry._actor, entry._digest)
    )
    for key, value in (("used_approval", entry._used), ("labels", entry._labels), ("provenance", entry._provenance)):
        if value:
            expected[key] = value
    expected["event"] = entry._event
    if entry._start is not None:
        expected["session_start"] = entry._start
    assert list(payload) == list(expected)
    assert _compact(payload) == _compact(expected)


def test_a_plain_entry_is_found_plain_and_one_with_a_small_float_is_not() -> None:
    spec = PolicySpec(name="budget", handler="h")
    decision = Decision("ALLOW", "ok", "budget", [PolicyDecision(spec, "ALLOW", "fine", 2.5)], 3.25)
    raw: Any = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}, "context": {}}
    event: Any = {"type": "tool_call", "target": "sys_os_shell", "data": raw["data"], "context": {"action": None}}

    def entry(**extra: Any) -> DecisionEntry:
        fields: dict[str, Any] = {"actor": None, "provenance": None, "start": None, **extra}
        return DecisionEntry(
            1.5,
            "s1",
            event,
            decision,
            None,
            fields["actor"],
            None,
            None,
            {},
            fields["provenance"],
            raw,
            fields["start"],
        )

    plain = entry()
    plain.payload  # noqa: B018 - built
    assert plain.plain
    for extra in ({"actor": {"cost": 1e-05}}, {"provenance": {"v": math.nan}}, {"start": {"state": {"k": Label("x")}}}):
        odd = entry(**extra)
        assert audit.entry_text(odd) == _compact(odd.payload)
        assert not odd.plain


@settings(max_examples=600, deadline=None)
@given(
    st.one_of(floats, st.floats(1e9, 3e9), st.integers(0, 2**65)),
    st.one_of(text, text.map(Label)),
    st.one_of(text, text.map(Label), st.sampled_from(["s1", "a\x00b", "\x7f", "é", "\ud800"])),
    st.one_of(st.integers(), st.integers(0, 2**70), st.integers().map(Count), st.booleans()),
)
def test_the_sealed_hash_is_verifys(at: float, kind: str, session_id: str, seq: int) -> None:
    """``seal``'s spelling of the entry's fields (orjson's where it is the same) is ``verify``'s
    (the stdlib's, ``_scalar`` for each), the payload's text given as bytes or as text."""
    payload = '{"k":[1,2.5,null]}'
    expected = audit._hash(at, kind, session_id, payload, "ab" * 32, seq)
    assert audit._sealed_hash(at, kind, session_id, payload, "ab" * 32, seq) == expected
    assert audit._sealed_hash(at, kind, session_id, payload.encode(), "ab" * 32, seq) == expected
    # A payload found plain as it was built is encoded with the fields in one call: the same hash, or
    # None when a field is not of the exact types it takes (then ``_sealed_hash`` above is used).
    assert audit._plain_hash(at, kind, session_id, json.loads(payload), "ab" * 32, seq) in (expected, None)


def test_a_plain_entrys_row_is_the_dataclasss() -> None:
    """``seal`` makes a plain entry's row without ``AuditRow.__init__`` and hashes its fields in one
    orjson call: the same row, frozen, with the hash ``verify`` recomputes."""
    payload: Any = {"k": [1, 2.5, None], "a": {"z": "x", "b": True}}
    plain = SimpleNamespace(at=1.5, kind="decision", session_id="s1", payload=payload, plain=True)
    row = audit.seal(plain, audit.GENESIS, 1)
    assert row == audit.AuditRow(1, 1.5, "decision", "s1", payload, audit.GENESIS, row.hash)
    assert row == audit.seal(audit.AuditEntry(1.5, "decision", "s1", payload), audit.GENESIS, 1)
    assert row.hash == audit._hash(1.5, "decision", "s1", _compact(payload), audit.GENESIS, 1)
    assert audit.verify([row.to_dict()])["ok"] is True
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.seq = 2  # type: ignore[misc]


def test_the_digest_of_other_data_than_the_recorded_is_walked() -> None:
    """The recorded event is plain, the action's data is not its data: the digest is the stdlib's."""
    raw: Any = {"type": "tool_call", "target": "t", "data": {"arguments": {"a": 1}}, "context": {}}
    for odd in (math.nan, 1e-05, math.inf, Label("x")):
        seen = {"arguments": {"x": odd}}
        event: Any = {"type": "tool_call", "target": "t", "data": seen, "context": {"action": None, "model": None}}
        entry = DecisionEntry(
            1.0, "s", event, Decision("ALLOW", None, None, [], 1.0), None, None, None, None, {}, None, raw, None
        )
        assert entry.payload["digest"] == approvals.action_digest(event)
        assert audit.entry_text(entry) == _compact(entry.payload)
