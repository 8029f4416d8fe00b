"""``@builtin`` + ``Param``: the JSON Schema derived from one declaration."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pytest
from jsonschema import Draft202012Validator, ValidationError

from goalrail.policies.declare import MAX_ITEMS, MAX_LENGTH, Param, builtin, declaration


def _schema(fn: Any) -> dict[str, Any]:
    decl = declaration(fn)
    assert decl is not None
    return decl.params_schema()


def test_types_defaults_and_required_come_from_the_signature() -> None:
    @builtin(
        "Example",
        "An example builtin.",
        params={
            "limit": Param("A limit.", minimum=1),
            "ratio": Param("A ratio."),
            "names": Param("Names.", items={"minLength": 1}),
            "scores": Param("Scores.", additionalProperties={"minimum": 0}),
            "mode": Param("A mode."),
            "flag": Param("A flag."),
            "options": Param("Options."),
        },
    )
    def example(
        limit: int,
        ratio: float = 0.5,
        names: Sequence[str] = ("a",),
        scores: dict[str, int] | None = None,
        mode: Literal["x", "y"] = "x",
        flag: bool = True,
        options: Mapping[str, Any] | None = None,
    ) -> Any:
        return None

    s = _schema(example)
    assert s["required"] == ["limit"] and s["additionalProperties"] is False
    p = s["properties"]
    assert p["limit"] == {"type": "integer", "minimum": 1, "description": "A limit."}
    assert p["ratio"] == {"type": "number", "default": 0.5, "description": "A ratio."}
    assert p["names"]["items"] == {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH}
    assert p["names"]["default"] == ["a"] and p["names"]["maxItems"] == MAX_ITEMS
    assert p["scores"]["type"] == ["object", "null"]
    assert p["scores"]["additionalProperties"] == {"type": "integer", "minimum": 0}
    assert p["mode"] == {"type": "string", "enum": ["x", "y"], "default": "x", "description": "A mode."}
    assert p["flag"]["type"] == "boolean"
    assert p["options"]["type"] == ["object", "null"] and "additionalProperties" not in p["options"]
    Draft202012Validator.check_schema(s)
    with pytest.raises(ValidationError):
        Draft202012Validator(s).validate({"limit": 1, "scores": {"a": -1}})


def test_none_that_means_not_given_accepts_no_null() -> None:
    @builtin(
        "Either",
        "One of two.",
        params={"a": Param("A.", null=False), "b": Param("B.", null=False)},
        schema={"oneOf": [{"required": ["a"]}, {"required": ["b"]}]},
    )
    def either(a: str | None = None, b: str | None = None) -> Any:
        return None

    s = _schema(either)
    assert s["properties"]["a"] == {"type": "string", "maxLength": MAX_LENGTH, "description": "A."}
    assert s["oneOf"] == [{"required": ["a"]}, {"required": ["b"]}]
    with pytest.raises(ValidationError):
        Draft202012Validator(s).validate({"a": None})


def test_a_declaration_must_name_exactly_the_signature() -> None:
    with pytest.raises(TypeError, match="do not match the signature"):

        @builtin("Bad", "Missing a parameter.", params={"a": Param("A.")})
        def bad(a: int = 1, b: int = 2) -> Any:
            return None

    with pytest.raises(TypeError, match="do not match the signature"):

        @builtin("Bad", "An extra parameter.", params={"a": Param("A."), "c": Param("C.")})
        def bad2(a: int = 1) -> Any:
            return None


def test_the_decorator_returns_the_factory_itself() -> None:
    def plain(event: Any) -> None:
        return None

    assert builtin("Plain", "A callable.", kind="callable")(plain) is plain
    assert _schema(plain) == {"type": "object", "properties": {}, "additionalProperties": False}
