"""The store's JSON text is the stdlib's, byte for byte (stored bytes never change);
an approval's documents (``document``) are compact, and read back as the stdlib's text does."""

from __future__ import annotations

import enum
import json
import math

import pytest

from goalrail.engine.state import ReadOnlyEntry
from goalrail.store.sql.statements import document, dumps


class Level(enum.IntEnum):
    HIGH = 3


class Money(float):
    pass


VALUES = [
    0,
    1,
    -5,
    2**70,
    True,
    False,
    None,
    1.5,
    0.1,
    1e300,
    -0.0,
    float("nan"),
    float("inf"),
    float("-inf"),
    {},
    [],
    (),
    "",
    "x",
    'é"\n',
    {"a": 1, "b": [None, True, 2.5]},
    [1, "two"],
    Level.HIGH,
    Money(2.5),
    # dicts and lists: the encoder ``dumps`` makes once
    ReadOnlyEntry({"type": "tool_call", "verdict": "ALLOW", "at": 1.25, "policy": None}),
    {1: "int key", 2.5: "float key", False: "bool key", None: "null key"},
    {"nested": {"deep": [[], {}, [1.5, float("nan"), Level.HIGH, Money(0.5)]]}, "é": "\u2028"},
    [(1, 2), "x" * 300, -(2**70)],
    [{"k": [float("inf"), float("-inf")]}],
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_dumps_is_stdlib_json(value: object) -> None:
    assert dumps(value) == json.dumps(value)


def test_dumps_rejects_what_json_rejects() -> None:
    with pytest.raises(TypeError):
        dumps({1, 2})
    with pytest.raises(TypeError):
        dumps({"a": [1, {2, 3}]})
    with pytest.raises(TypeError):  # a key json refuses
        dumps({(1, 2): "tuple key"})
    looped: list[object] = [1]
    looped.append(looped)
    with pytest.raises((ValueError, RecursionError)):
        dumps(looped)
    assert dumps({"a": [1, 2]}) == json.dumps({"a": [1, 2]})  # (a refusal leaves nothing behind)


def _same(a: object, b: object) -> bool:
    """Equal, NaN equal to NaN (``json.loads(json.dumps(nan))`` is a NaN)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("value", [*VALUES, {"held": [float("nan")], "k": {"n": 2**70}}, {1: "int key"}], ids=repr)
def test_a_document_reads_back_as_the_stdlib_text_does(value: object) -> None:
    assert _same(json.loads(document(value)), json.loads(json.dumps(value)))


@pytest.mark.parametrize(
    "value",
    [float("nan"), [float("inf")], {"a": {"b": float("-inf")}}, 2**70, {1: "x"}, (1, 2), {"t": ("a",)}, "\ud800"],
    ids=repr,
)
def test_what_orjson_would_write_otherwise_is_the_stdlib_text(value: object) -> None:
    assert document(value) == json.dumps(value)


def test_a_document_is_compact() -> None:
    value = {"result": "ASK", "decisions": [{"policy": "risk", "reason": None, "duration_us": 13.9}], "é": 1}
    assert document(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False)
