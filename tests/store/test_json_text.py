"""The store's JSON text is the stdlib's, byte for byte (stored bytes never change)."""

from __future__ import annotations

import enum
import json

import pytest

from goalrail.store.sql.statements import dumps


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
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_dumps_is_stdlib_json(value: object) -> None:
    assert dumps(value) == json.dumps(value)


def test_dumps_rejects_what_json_rejects() -> None:
    with pytest.raises(TypeError):
        dumps({1, 2})
