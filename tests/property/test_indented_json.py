"""``engine.indented.indented_json`` writes what ``json.dumps(indent=2, sort_keys=True, default=str)`` writes.

The approval preview is encoded by it; an approver's text, and the size an ASK is
refused at, must not change with the encoder: same characters for any value, the
same error for a value ``json`` refuses."""

from __future__ import annotations

import json
import math
from collections import OrderedDict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goalrail.engine.approvals import preview
from goalrail.engine.indented import indented_json


class Label(str):
    """A str subclass: encoded as the string it is."""


class Count(int):
    """An int subclass: spelled as the int."""


class Opaque:
    """Neither JSON nor a container: ``default=str`` gives its text."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __str__(self) -> str:
        return f"<opaque {self.n} é>"


def _reference(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers().map(Count),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.text().map(Label),
    st.integers(0, 9).map(Opaque),
    st.sets(st.integers(0, 3), max_size=2),  # not JSON: its str(), as default=str does
)
#: Keys of one kind per dict (a dict mixing kinds cannot be sorted, by json or by us).
key_kinds = st.sampled_from(
    [st.text(max_size=6), st.integers(-5, 5), st.floats(allow_nan=False), st.booleans(), st.none()]
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        key_kinds.flatmap(lambda keys: st.dictionaries(keys, inner, max_size=4)),
        st.dictionaries(st.text(max_size=4), inner, max_size=3).map(OrderedDict),
    ),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(values)
def test_same_text_as_json_dumps(value: object) -> None:
    assert indented_json(value) == _reference(value)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=5), values, max_size=4), st.text(max_size=10))
def test_previews_unchanged(data: object, target: str) -> None:
    event = {"type": "tool_call", "target": target, "data": data}
    body = {"type": "tool_call", "target": target, "data": data}
    assert preview(event) == _reference(body)


def test_floats_spelled_as_json_spells_them() -> None:
    value = {"a": [math.nan, math.inf, -math.inf, 0.1, -0.0, 1e300], 1.5: True, "b": {}, "c": []}
    with pytest.raises(TypeError):  # a float and a str key cannot be sorted together: both refuse
        _reference(value)
    with pytest.raises(TypeError):
        indented_json(value)
    value.pop(1.5)
    assert indented_json(value) == _reference(value)
    assert indented_json({1.5: 1, 2.5: 2}) == _reference({1.5: 1, 2.5: 2})


def test_same_errors_as_json() -> None:
    loop: list[object] = []
    loop.append(loop)
    nested: dict[str, object] = {}
    nested["self"] = {"again": nested}
    for bad in (loop, nested):
        with pytest.raises(ValueError, match="Circular reference detected"):
            _reference(bad)
        with pytest.raises(ValueError, match="Circular reference detected"):
            indented_json(bad)
    with pytest.raises(TypeError, match="keys must be str, int, float, bool or None, not tuple"):
        _reference({(1, 2): 1})
    with pytest.raises(TypeError, match="keys must be str, int, float, bool or None, not tuple"):
        indented_json({(1, 2): 1})


def test_a_shared_value_is_not_circular() -> None:
    shared = {"k": [1, 2]}
    value = {"a": shared, "b": shared, "c": [shared, shared]}
    assert indented_json(value) == _reference(value)


#: What events mostly hold: ASCII text (control characters, quotes and backslashes included),
#: integers, floats and nesting -- mostly written by orjson (``indented._by_orjson``), which
#: must give json's text or step aside (a float it spells otherwise, an integer past 64 bits).
ascii_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(st.characters(max_codepoint=127)),
        st.text(st.characters(max_codepoint=127)).map(Label),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.text(st.characters(max_codepoint=127), max_size=6), inner, max_size=4),
    ),
    max_leaves=25,
)


@settings(max_examples=600, deadline=None)
@given(ascii_values)
def test_same_text_as_json_dumps_for_ascii_values(value: object) -> None:
    assert indented_json(value) == _reference(value)


def test_an_event_of_ascii_text_is_written_by_orjson() -> None:
    from goalrail.engine import indented

    body = {
        "type": "tool_call",
        "target": "sys_fs_write",
        "data": {"arguments": {"file_path": "/r/x.py", "content": 'def f():\n\treturn "\\x"\n', "n": 3, "t": 0.25}},
    }
    assert indented._by_orjson(body) == _reference(body) == indented_json(body)
    for differs in ([1e-05], [math.nan], [2**70], {"é": 1}, {1: 2}, [Opaque(1)], [{1, 2}]):
        assert indented._by_orjson(differs) is None
        assert indented_json(differs) == _reference(differs)
