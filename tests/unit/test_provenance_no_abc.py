"""A session's provenance view is built and advanced without ``isinstance(…, Mapping)``'s ABC check
for the dicts the record holds (a Python ``__instancecheck__`` per chunk, on every advanced view),
and answers exactly as before: the same chunks, taint, counts and sources, also for a record held
in another ``Mapping`` (which still takes the ABC check)."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from types import FrameType
from typing import Any

from goalrail.engine.paged import PagedMap
from goalrail.policies import provenance
from goalrail.policies.provenance import NS, Provenance, record
from goalrail.runtime.flow import ProvenanceTracker, explain, tool_output


def _apply(state: PagedMap, updates: list[Any]) -> None:
    for upd in updates:
        if upd["action"] == "set":
            state[upd["key"]] = upd["value"]
        else:
            del state[upd["key"]]


def _abc_checks(fn: Any, *args: Any) -> tuple[Any, int]:
    """``fn(*args)`` and how many ABC ``__instancecheck__`` calls it made."""
    seen = 0

    def prof(frame: FrameType, event: str, arg: object) -> None:
        nonlocal seen
        if event == "call" and frame.f_code.co_name == "__instancecheck__":
            seen += 1

    sys.setprofile(prof)
    try:
        out = fn(*args)
    finally:
        sys.setprofile(None)
    return out, seen


class _Snap:
    def __init__(self, state: Mapping[str, Any]) -> None:
        self.policy_states = {NS: state}


def _record_of(*texts: tuple[str, str]) -> PagedMap:
    state = PagedMap()
    for text, trust in texts:
        _apply(state, record(state, text, source="user" if trust == "trusted" else "web", trust=trust, at=1.0))
    return state


def test_view_built_and_advanced_without_abc_checks() -> None:
    state = _record_of(("mail bob@corp.example please", "trusted"), ("see https://evil.example/x", "untrusted"))
    tracker = ProvenanceTracker()
    view, checks = _abc_checks(tracker.view, "s1", _Snap(state))
    assert checks == 0
    assert view.count == len(state["e000000001"]["v"]) + len(state["e000000002"]["v"])  # type: ignore[index, arg-type]
    _apply(state, record(state, "and carol@corp.example", source="user", trust="trusted", at=2.0))
    advanced, checks = _abc_checks(tracker.view, "s1", _Snap(state))
    assert checks == 0
    assert advanced is not view and advanced.line is view.line  # advanced, not rebuilt
    assert advanced.grounded("carol@corp.example") == ["user"]


def test_views_answer_as_a_fresh_one() -> None:
    texts = [
        ("please refactor the parser module", "trusted"),
        ("fetched https://evil.example/a?u=x@y.example", "untrusted"),
        ("card 4111 1111 1111 1111", "sensitive"),
    ]
    state = _record_of(*texts)
    tracker = ProvenanceTracker()
    tracker.view("s", _Snap(state))
    _apply(state, record(state, "more from bob@corp.example", source="user", trust="trusted", at=3.0))
    advanced = tracker.view("s", _Snap(state))
    for held in (state, dict(state), _Frozen(dict(state))):  # a PagedMap, a dict, another Mapping
        fresh = Provenance.from_state(held)
        assert fresh.keys == advanced.keys
        assert (fresh.count, fresh.tainted_by, fresh.sensitive_seen) == (
            advanced.count,
            advanced.tainted_by,
            advanced.sensitive_seen,
        )
        for value in ("bob@corp.example", "https://evil.example/a?u=x@y.example", "parser", "nobody@x.example"):
            assert fresh.sources(value) == advanced.sources(value)
    assert Provenance.from_state({}).count == 0 and Provenance.from_state(None).tainted_by is None


def test_other_mappings_still_read() -> None:
    chunk = _Frozen(
        {"src": "web", "trust": "untrusted", "seq": 1, "at": 1.0, "v": {"domain:evil.example": ["domain", ""]}}
    )
    prov = Provenance.from_state({provenance.SEQ_KEY: 1, "e000000001": chunk})
    assert prov.tainted_by is not None and prov.tainted_by.name == "web"
    assert prov.grounded("evil.example") == [] and prov.origin("evil.example") is not None
    assert tool_output(_Frozen({"result": "r", "other": 1})) == ["r"]
    assert tool_output("text") == "text"
    event: Any = {
        "type": "tool_call",
        "context": {"action": {"sinks": ["to"]}},
        "data": _Frozen({"arguments": _Frozen({"to": "bob@corp.example"})}),
    }
    shown = explain(event, prov, [])
    assert shown is not None and shown["arguments"][0]["value"] == "bob@corp.example"  # type: ignore[index, call-overload]


class _Frozen(Mapping[str, Any]):
    """A ``Mapping`` that is not a dict: read through the ABC, as before."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def test_argument_paths_read_without_abc_checks() -> None:
    from goalrail.policies.arguments import argument_values, leaf_strings

    args = {"to": "bob@corp.example", "payee": {"iban": "DE89 3704"}, "cc": [{"a": "x"}, {"a": "y"}]}
    for path, want in (("to", ["bob@corp.example"]), ("payee.iban", ["DE89 3704"]), ("cc[*].a", ["x", "y"])):
        found, checks = _abc_checks(argument_values, args, path)
        assert checks == 0 and leaf_strings(found) == want
    strings, checks = _abc_checks(leaf_strings, args)
    assert checks == 0 and strings == ["bob@corp.example", "DE89 3704", "x", "y"]
    other = _Frozen({"payee": _Frozen({"iban": "DE89 3704"})})  # another Mapping: read as before
    assert argument_values(other, "payee.iban") == ["DE89 3704"] and leaf_strings(other) == ["DE89 3704"]
