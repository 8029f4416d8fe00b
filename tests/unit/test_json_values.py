"""``engine.json_values.problem``: what a store keeps as given, and why anything else is not."""

from __future__ import annotations

import enum
from typing import Any

import pytest

from goalrail.engine.dispatch import MalformedResponse, check_updates
from goalrail.engine.json_values import MAX_DEPTH, problem


class Colour(enum.StrEnum):
    RED = "red"


def _nested(depth: int) -> Any:
    v: Any = 1
    for _ in range(depth):
        v = [v]
    return v


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -3,
        2.5,
        0.0,
        "x",
        [],
        {},
        [1, "a", None, 2.5],
        {"a": {"b": [1, {"c": False}]}},
        (1, 2),
        Colour.RED,
        {Colour.RED: [Colour.RED]},
        _nested(MAX_DEPTH - 1),
    ],
)
def test_strict_json_is_fine(value: Any) -> None:
    assert problem(value) is None


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ({1}, "a value of type `set` is not JSON"),
        (b"x", "a value of type `bytes` is not JSON"),
        ([1, [2, {"k": object()}]], "a value of type `object` is not JSON"),
        (float("nan"), "the float `nan` is not finite"),
        ([1.0, float("-inf")], "the float `-inf` is not finite"),
        ({"k": [0.5, float("inf")]}, "the float `inf` is not finite"),
        ({"a": {2: 1}}, "the dict key `2` is not a string"),
        (_nested(MAX_DEPTH + 5), f"nested deeper than {MAX_DEPTH} levels"),
    ],
)
def test_anything_else_is_named(value: Any, why: str) -> None:
    found = problem(value)
    assert found is not None and why in found


def test_a_value_that_contains_itself_stops_at_the_depth_limit() -> None:
    loop: dict[str, Any] = {}
    loop["again"] = [loop]
    assert problem(loop) == f"it is nested deeper than {MAX_DEPTH} levels (or contains itself)"


@pytest.mark.parametrize(
    ("updates", "message"),
    [
        ([{"key": "k", "action": "set", "value": {1, 2}}], "state_updates[0].value is not JSON every store keeps"),
        (
            [{"key": "a", "action": "set", "value": 1}, {"key": "k", "action": "append", "value": float("nan")}],
            "state_updates[1].value is not JSON every store keeps: the float `nan` is not finite",
        ),
        ([{"key": "k", "action": "increment", "value": float("inf")}], "increment needs a finite number"),
        # An int beyond a float's range: refused as malformed, not an OverflowError out of the engine.
        ([{"key": "k", "action": "increment", "value": 10**400}], "increment needs a finite number"),
        ({"legacy": object()}, "state_updates[0].value is not JSON every store keeps"),
    ],
)
def test_check_updates_refuses_values_no_store_keeps_as_given(updates: Any, message: str) -> None:
    with pytest.raises(MalformedResponse, match=message.replace("[", r"\[").replace("]", r"\]")):
        check_updates(updates)


def test_check_updates_keeps_a_delete_without_a_value_and_plain_values() -> None:
    updates = [
        {"key": "gone", "action": "delete"},
        {"key": "n", "action": "increment", "value": 2.5},
        {"key": "xs", "action": "append", "value": {"at": 1.0, "who": "me"}, "max_len": 10},
    ]
    assert check_updates(updates) is updates
    assert check_updates({"flat": [1, 2]}) == [{"key": "flat", "action": "set", "value": [1, 2]}]


def test_a_huge_increment_or_ask_timeout_fails_closed_naming_the_policy() -> None:
    from goalrail.engine.chain import Chain, CompiledPolicy
    from goalrail.engine.evaluate import evaluate
    from goalrail.engine.spec import PolicySpec

    def chain(answer: dict[str, Any]) -> Chain:
        spec = PolicySpec("big", "x.big", level="server")
        return Chain([CompiledPolicy(spec, lambda e: answer, False, 5.0, False, spec.key, inline=True)])

    event = {"type": "tool_call", "target": "t", "data": {"name": "t", "arguments": {}}, "context": {}}
    upd = {"key": "n", "action": "increment", "value": 10**400}
    for answer in ({"result": "ALLOW", "state_updates": [upd]}, {"result": "ALLOW", "state_updates": [upd], "x": 1}):
        d = evaluate(chain(answer), event)
        assert d.result == "DENY" and d.policy == "big" and "increment needs a finite number" in (d.reason or "")
    asked = evaluate(chain({"result": "ASK", "reason": "r", "ask_timeout_s": 10**400}), event)
    assert asked.result == "ASK" and asked.ask_timeout_s is None


class _Key(str):
    pass


@pytest.mark.parametrize(
    "updates",
    [
        [{"key": "n", "action": "increment", "scope": "policy"}],
        [{"key": "n", "action": "increment", "value": 2**53}, {"key": "m", "action": "increment", "value": -(2**53)}],
        [{"key": "n", "action": "increment", "value": 2**53 + 1}],
        [{"key": "n", "action": "increment", "value": True}],
        [{"key": "n", "action": "increment", "value": 1.5}],
        [{"key": "n", "action": "increment", "value": float("nan")}],
        [{"key": _Key("n"), "action": "set", "value": "v"}],
        [{"key": "", "action": "set", "value": "v"}],
        [{"key": "n", "action": "set", "value": [1, {"a": 2.5}]}],
        [{"key": "n", "action": "append", "value": float("inf")}],
        [{"key": "n", "action": "delete", "scope": "user"}],
        [{"key": "n", "action": "set", "value": 1, "scope": "global"}],
        [{"key": "n", "action": "bump"}],
        [{"key": "a", "action": "set", "value": None}, "not a mapping"],
        ({"legacy": 1},),
        {"legacy": 1},
        None,
        "text",
    ],
)
def test_check_updates_answers_as_the_full_check(updates: Any) -> None:
    """The one-pass check of the usual updates (``check_updates``) accepts, returns and
    refuses exactly what the full one (``_checked``) does, with the same message."""
    from goalrail.engine.dispatch import _checked

    def outcome(check: Any) -> Any:
        try:
            return ("ok", check(updates))
        except MalformedResponse as exc:
            return ("refused", str(exc))

    assert outcome(check_updates) == outcome(_checked)
