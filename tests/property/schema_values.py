"""Hypothesis strategies for parameter values from a registry ``params_schema``.

Covers the JSON Schema the registry uses (type lists, enum/const, bounds,
properties/additionalProperties, items, oneOf/anyOf, required) and biases
values towards the edges an attacker would try: bounds, zero, huge and
negative numbers, wildcards and tool names.  Values are schema-shaped, not
guaranteed valid: callers validate with the registry (as the server does).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

WORDS = [
    "*",
    "**",
    "sys_os_shell",
    "sys_os_*",
    "sys_os_write",
    "sys_os_read",
    "web_fetch",
    "mcp__*",
    "mcp__github__*",
    "sys_add_policy",
    "alice",
    "bob",
    "risk_score",
    "prod",
    "work",
    "/tmp",
    "/",
    "gpt-4o",
    "claude-*",
    "acme/app",
    "main",
    "ls",
    "rm",
    "email",
    "x",
]
#: Keys of free-form mappings (scores by actor, points by tool glob, labels): the actor the
#: tests run as comes first, then tool names and labels the builtins key on.
KEYS = ["alice", "agent-1", "sys_os_shell", "*", "env", "data_classification", "prod*", "secret"]
BIG = 10**12


def _numbers(schema: Mapping[str, Any], integer: bool) -> st.SearchStrategy[Any]:
    lo = schema.get("minimum")
    hi = schema.get("maximum")
    if "exclusiveMinimum" in schema:
        lo = schema["exclusiveMinimum"] + (1 if integer else 1e-6)
    if "exclusiveMaximum" in schema:
        hi = schema["exclusiveMaximum"] - (1 if integer else 1e-6)
    edges = [v for v in (lo, hi, 0, 1, -1, BIG, -BIG, -50, 2, 50, 1e-9, 0.5) if v is not None]
    if integer:
        edges = [int(v) for v in edges if float(v).is_integer()]
        base: st.SearchStrategy[Any] = st.integers(
            int(lo) if lo is not None else -BIG, int(hi) if hi is not None else BIG
        )
    else:
        base = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    edges = [v for v in edges if (lo is None or v >= lo) and (hi is None or v <= hi)]
    return st.one_of(st.sampled_from(edges), base) if edges else base


def _strings(schema: Mapping[str, Any]) -> st.SearchStrategy[str]:
    lo, hi = schema.get("minLength", 0), min(schema.get("maxLength", 40), 40)
    pool = [w for w in WORDS if lo <= len(w) <= hi]
    text = st.text(st.characters(codec="ascii", categories=("L", "N", "P")), min_size=lo, max_size=max(lo, 8))
    return st.one_of(st.sampled_from(pool), text) if pool else text


def session_properties(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters a session may give (operator-only ones are for config files)."""
    props = schema.get("properties") or {}
    return {k: v for k, v in props.items() if not (isinstance(v, Mapping) and v.get("x-operator-only"))}


def from_schema(schema: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    if not isinstance(schema, Mapping) or depth > 4:
        return st.none()
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(list(schema["enum"]))
    for key in ("oneOf", "anyOf"):
        branches = schema.get(key)
        if isinstance(branches, list) and branches:
            base = {k: v for k, v in schema.items() if k != key}
            return st.one_of(*(from_schema(_merge(base, b), depth) for b in branches))
    kinds = schema.get("type")
    if kinds is None:
        kinds = "object" if "properties" in schema else ["string", "integer", "boolean", "null"]
    if isinstance(kinds, list):
        return st.one_of(*(from_schema({**schema, "type": k}, depth) for k in kinds))
    if kinds == "null":
        return st.none()
    if kinds == "boolean":
        return st.booleans()
    if kinds in ("integer", "number"):
        return _numbers(schema, kinds == "integer")
    if kinds == "string":
        return _strings(schema)
    if kinds == "array":
        lo = schema.get("minItems", 0)
        hi = max(lo, min(schema.get("maxItems", 4), 4))
        items = from_schema(schema.get("items", {"type": "string"}), depth + 1)
        if schema.get("uniqueItems"):
            return st.lists(items, min_size=lo, max_size=hi, unique_by=repr)
        return st.lists(items, min_size=lo, max_size=hi)
    if kinds == "object":
        return _objects(schema, depth)
    return st.none()


def _merge(base: Mapping[str, Any], branch: Any) -> dict[str, Any]:
    out = dict(base)
    if isinstance(branch, Mapping):
        for k, v in branch.items():
            if k == "required":
                out["required"] = sorted({*out.get("required", []), *v})
            elif k == "properties":
                out["properties"] = {**out.get("properties", {}), **v}
            else:
                out[k] = v
    return out


def _objects(schema: Mapping[str, Any], depth: int) -> st.SearchStrategy[dict[str, Any]]:
    props = session_properties(schema)
    required = [k for k in schema.get("required", []) if k in props]
    optional = [k for k in props if k not in required]
    extra = schema.get("additionalProperties")

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        chosen = required + [k for k in optional if draw(st.booleans())]
        out = {k: draw(from_schema(props[k], depth + 1)) for k in chosen}
        if isinstance(extra, Mapping) and not props:
            keys = st.one_of(st.just(KEYS[0]), st.sampled_from(KEYS))
            out.update(draw(st.dictionaries(keys, from_schema(extra, depth + 1), max_size=3)))
        return out

    return build()


def _not_null(schema: Any) -> Any:
    """Most nullable parameters mean "the default" when null: draw the other types."""
    if isinstance(schema, Mapping) and isinstance(schema.get("type"), list):
        kinds = [k for k in schema["type"] if k != "null"]
        return {**schema, "type": kinds if len(kinds) > 1 else kinds[0]} if kinds else schema
    return schema


def mutations(schema: Mapping[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """One or two parameters set to drawn values, the rest left at their defaults: how an
    attacker varies a policy, and far likelier to reach a parameter's edges than drawing all."""
    props = session_properties(schema)
    if not props:
        return st.just({})

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        names = draw(st.lists(st.sampled_from(sorted(props)), min_size=1, max_size=2, unique=True))
        return {k: draw(from_schema(_not_null(props[k]), 1)) for k in names}

    return build()
