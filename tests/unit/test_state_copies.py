"""engine.state: an ``append`` copies the stored list once (the oldest items left out at
``max_len``), and a snapshot copies a list or dict of scalars in one step; the values are
those of the item-by-item copies, and share no mutable value with the stored ones."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from goalrail.engine.state import apply_update, snapshot_states


def appended(current: Any, value: Any, max_len: Any) -> list[Any]:
    """``append`` as it was: copy, append, then cut to the last ``max_len``."""
    items = list(current) if isinstance(current, list) else []
    items.append(copy.deepcopy(value))
    if isinstance(max_len, int) and max_len > 0 and len(items) > max_len:
        items = items[-max_len:]
    return items


@pytest.mark.parametrize("seed", range(30))
def test_append_keeps_what_it_kept(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(200):
        current = rng.choice([None, "x", 3, {"a": 1}, [float(i) for i in range(rng.randrange(0, 12))]])
        max_len = rng.choice([None, 0, -1, 1, 2, 3, 5, 11, 12, 13, True, False, 2.5, "3"])
        value = rng.choice([1.5, "s", None, [1, 2], {"k": [3]}])
        target: dict[str, Any] = {} if current is None else {"k": current}
        before = copy.deepcopy(current)
        upd: Any = {"key": "k", "action": "append", "value": value}
        if max_len is not None:
            upd["max_len"] = max_len
        apply_update(target, upd)
        assert target["k"] == appended(current, value, max_len), (current, max_len, value)
        assert current == before and target["k"] is not current  # the stored list is never changed
        if isinstance(value, (list, dict)):
            assert target["k"][-1] == value and target["k"][-1] is not value


@pytest.mark.parametrize(
    "value",
    [
        [1.0, 2, "x", None, True],
        [1.0, [2.0], {"a": [3]}],
        {"a": 1, "b": "x", "c": None},
        {"a": [1, 2], "b": {"c": [3]}},
        [],
        {},
        [{"digest": "d", "at": 1.0}],
    ],
)
def test_snapshots_copy_each_mutable_value(value: Any) -> None:
    states = {"server:p": {"v": value}}
    shown = snapshot_states(states)["server:p"]["v"]
    assert shown == value and type(shown) is type(value) and shown is not value

    def mutables(x: Any) -> list[int]:
        inner = x.values() if isinstance(x, dict) else x if isinstance(x, list) else ()
        return [id(x), *(i for v in inner for i in mutables(v))] if isinstance(x, (list, dict)) else []

    assert not set(mutables(shown)) & set(mutables(value))
