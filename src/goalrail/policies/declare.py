"""One declaration per builtin: the factory's signature plus a ``Param`` per parameter.

``@builtin(name, description, params={...})`` on a factory records everything the
registry needs; the JSON Schema is derived from it:

* the JSON type from the parameter's annotation (``int`` → integer, ``float`` →
  number, ``list[str]`` / ``Sequence[str]`` → array of strings, ``dict[str, int]``
  → object of integers, ``X | None`` → nullable, ``Literal[...]`` → enum);
* the default from the signature (no default: required);
* the description and every further JSON Schema keyword (``minimum``, ``enum``,
  ``items`` …) from the ``Param``;
* size bounds on every array, string and map that does not state its own
  (``maxItems`` / ``maxLength`` / ``maxProperties``), so no parameter is unbounded.

``registry_entries(__name__)`` at the end of a builtin module turns its
declarations into ``POLICY_REGISTRY`` in the public format custom
``policy_modules`` use too.  The decorator returns the factory itself: calling a
builtin directly costs nothing extra.
"""

from __future__ import annotations

import collections.abc
import copy
import inspect
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from goalrail.jsontypes import JsonObject, JsonValue
from goalrail.policies.registry import MAX_ITEMS, MAX_LENGTH, MAX_PROPERTIES, EntryDict

F = TypeVar("F", bound=Callable[..., object])

#: Annotations that constrain nothing: an unannotated parameter, ``list[Any]``, ``Mapping[str, object]``.
_ANY: object = Any
_UNTYPED = (_ANY, object)

# Bounds given to every array, string and map parameter that does not set its own
# (the registry applies the same ones to custom modules' schemas).

_ATTR = "goalrail_declaration"
_DECLARED: dict[str, list[Declaration]] = {}


class Param:
    """One factory parameter: what a user reads about it and its JSON Schema keywords.

    ``null=False`` on a parameter defaulting to ``None`` means "None is *not given*":
    the schema neither accepts null nor shows a default (exactly-one-of groups).
    ``operator_only`` hides it from the UI form (only operator files may set it).
    """

    __slots__ = ("description", "keywords", "null", "operator_only")

    def __init__(
        self, description: str, *, null: bool = True, operator_only: bool = False, **keywords: JsonValue
    ) -> None:
        self.description = description
        self.null = null
        self.operator_only = operator_only
        self.keywords = keywords


@dataclass(frozen=True)
class Declaration:
    """A builtin as declared: the single source of its registry entry."""

    fn: Callable[..., object]
    name: str
    description: str
    kind: str
    params: Mapping[str, Param]
    schema_extra: Mapping[str, JsonValue] = field(default_factory=dict)
    example: Mapping[str, JsonValue] | None = None

    @property
    def handler(self) -> str:
        return f"{self.fn.__module__}.{self.fn.__name__}"

    def params_schema(self) -> JsonObject:
        sig = inspect.signature(self.fn)
        hints = typing.get_type_hints(self.fn, include_extras=True)
        props: JsonObject = {}
        required: list[JsonValue] = []
        for pname, p in sig.parameters.items():
            if self.kind == "callable":
                break
            param = self.params[pname]
            prop = _bounded(_merge(_schema_of(hints.get(pname, _ANY)), param.keywords))
            if p.default is inspect.Parameter.empty:
                required.append(pname)
            elif p.default is None and not param.null:
                prop = _without_null(prop)
            else:
                prop["default"] = plain(p.default)
            if param.operator_only:
                prop["x-operator-only"] = True
            prop["description"] = param.description
            props[pname] = prop
        schema: JsonObject = {"type": "object", "properties": props}
        if required:
            schema["required"] = required
        schema.update(copy.deepcopy(dict(self.schema_extra)))
        schema["additionalProperties"] = False
        return schema

    def entry(self) -> EntryDict:
        out: EntryDict = {
            "handler": self.handler,
            "kind": self.kind,
            "name": self.name,
            "description": self.description,
            "params_schema": self.params_schema(),
        }
        if self.example is not None:
            out["example"] = dict(self.example)
        return out


def builtin(
    name: str,
    description: str,
    *,
    params: Mapping[str, Param] | None = None,
    kind: str = "factory",
    schema: Mapping[str, JsonValue] | None = None,
    example: Mapping[str, JsonValue] | None = None,
) -> Callable[[F], F]:
    """Declare a builtin.  ``schema`` adds top-level keywords (``oneOf``); ``kind="callable"``
    marks a policy taking the event directly (no parameters)."""

    def wrap(fn: F) -> F:
        declared = dict(params or {})
        names = [] if kind == "callable" else list(inspect.signature(fn).parameters)
        if kind not in ("factory", "callable") or set(declared) != set(names):
            raise TypeError(
                f"`{fn.__module__}.{fn.__name__}`: declared parameters {sorted(declared)} "
                f"do not match the signature {sorted(names)}"
            )
        decl = Declaration(fn, name, description, kind, declared, dict(schema or {}), example)
        setattr(fn, _ATTR, decl)
        _DECLARED.setdefault(fn.__module__, []).append(decl)
        return fn

    return wrap


def declaration(fn: object) -> Declaration | None:
    decl = getattr(fn, _ATTR, None)
    return decl if isinstance(decl, Declaration) else None


def registry_entries(module: str) -> list[EntryDict]:
    """``POLICY_REGISTRY`` of ``module``: its declarations in source order."""
    return [d.entry() for d in _DECLARED.get(module, [])]


def plain(value: object) -> JsonValue:
    """A Python default as the JSON value the schema shows (tuples → lists, mappings → dicts)."""
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    return cast(JsonValue, value)  # a scalar default: str, int, float, bool or None


# --- annotation → JSON Schema ---------------------------------------------------------

_SCALARS: dict[object, str] = {bool: "boolean", int: "integer", float: "number", str: "string"}
_ARRAYS = (list, tuple, collections.abc.Sequence, collections.abc.Iterable)
_MAPS = (dict, collections.abc.Mapping)


def _schema_of(tp: object) -> JsonObject:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return _schema_of(args[0])
    if origin in (typing.Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        inner = _schema_of(members[0]) if len(members) == 1 else {}
        if len(args) != len(members) and "type" in inner:
            inner["type"] = [inner["type"], "null"]
        return inner
    if origin is typing.Literal:
        values = list(args)
        typ = _SCALARS.get(type(values[0])) if values else None
        return {"type": typ, "enum": values} if typ else {"enum": values}
    if tp in _SCALARS:
        return {"type": _SCALARS[tp]}
    if origin in _ARRAYS or tp in _ARRAYS:
        item = args[0] if args else _ANY
        return {"type": "array", "items": _schema_of(item)} if item not in _UNTYPED else {"type": "array"}
    if origin in _MAPS or tp in _MAPS:
        value = args[1] if len(args) == 2 else _ANY
        out: JsonObject = {"type": "object"}
        if value not in _UNTYPED:
            out["additionalProperties"] = _schema_of(value)
        return out
    return {}


def _types(schema: Mapping[str, JsonValue]) -> set[str]:
    typ = schema.get("type")
    return {t for t in typ if isinstance(t, str)} if isinstance(typ, list) else {typ} if isinstance(typ, str) else set()


def _bounded(schema: JsonObject) -> JsonObject:
    """Size bounds, recursively, wherever the declaration does not set them."""
    kinds = _types(schema)
    if "array" in kinds:
        schema.setdefault("maxItems", MAX_ITEMS)
        items = schema.get("items")
        if isinstance(items, dict):
            _bounded(items)
    if "string" in kinds and "enum" not in schema:
        schema.setdefault("maxLength", MAX_LENGTH)
    if "object" in kinds:
        schema.setdefault("maxProperties", MAX_PROPERTIES)
        values = schema.get("additionalProperties")
        if isinstance(values, dict):
            _bounded(values)
    return schema


def _merge(base: JsonObject, extra: Mapping[str, JsonValue]) -> JsonObject:
    out = dict(base)
    for key, value in extra.items():
        inner = out.get(key)
        if isinstance(value, Mapping) and isinstance(inner, dict):
            out[key] = _merge(inner, value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _without_null(schema: JsonObject) -> JsonObject:
    typ = schema.get("type")
    if isinstance(typ, list):
        rest = [t for t in typ if t != "null"]
        schema["type"] = rest[0] if len(rest) == 1 else rest
    return schema
