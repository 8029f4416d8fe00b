"""No parameter from a session may name code (issue 10, finding 9).

Walks every registry schema for every place a string can go — values and the
keys of free-form mappings, at any depth — puts a dotted path to a probe module
there, and builds and runs the policy on an event of every kind.  The probe
module must never be imported (``importlib.import_module`` and ``__import__``
are watched) nor its callable called: either the registry refuses the
parameter or it is used as data.
"""

from __future__ import annotations

import asyncio
import builtins
import importlib
import inspect
import json
import sys
import types
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from goalrail.engine.chain import compile_policy
from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.spec import PolicySpec
from goalrail.errors import GoalrailError
from goalrail.policies.registry import Registry
from tests.property.test_tightening import EVENTS

PROBE = "goalrail_probe_module"
PAYLOADS = (f"{PROBE}.hook", f"{PROBE}:hook", "builtins.print")
REGISTRY = Registry.load()
FACTORIES = [e for e in REGISTRY.public() if e.kind == "factory"]


def _minimal(schema: Any) -> Any:
    """A small instance of ``schema`` (used around the slot under test)."""
    if not isinstance(schema, Mapping):
        return None
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            return _minimal({**{k: v for k, v in schema.items() if k != key}, **schema[key][0]})
    kinds = schema.get("type", "object")
    kind = kinds if isinstance(kinds, str) else next(k for k in kinds if k != "null") if kinds != ["null"] else "null"
    if kind == "object":
        props = schema.get("properties") or {}
        return {k: _minimal(props.get(k, {})) for k in schema.get("required", [])}
    if kind == "array":
        return [_minimal(schema.get("items", {}))] * schema.get("minItems", 0)
    return {"string": "x", "integer": 1, "number": 1.0, "boolean": True}.get(kind)


def slots(schema: Any, value: str) -> Iterator[tuple[str, Any]]:
    """(where, instance) for each place in ``schema`` a string can go, holding ``value``."""
    if not isinstance(schema, Mapping):
        return
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
    for key in ("oneOf", "anyOf"):
        for i, branch in enumerate(schema.get(key) or []):
            merged = {**{k: v for k, v in schema.items() if k not in ("oneOf", "anyOf")}, **branch}
            if "properties" in branch or "required" in branch:
                merged["properties"] = {**schema.get("properties", {}), **branch.get("properties", {})}
            yield from ((f"{key}[{i}]{w}", inst) for w, inst in slots(merged, value))
        if schema.get(key):
            return
    if "string" in kinds:
        yield "", value
    if "array" in kinds:
        for where, inst in slots(schema.get("items", {}), value):
            yield f"[]{where}", [inst]
    if "object" in kinds or (not kinds and "properties" in schema):
        base = _minimal({**schema, "type": "object"}) or {}
        for name, sub in (schema.get("properties") or {}).items():
            for where, inst in slots(sub, value):
                yield f".{name}{where}", {**base, name: inst}
        extra = schema.get("additionalProperties")
        if isinstance(extra, Mapping):
            yield ".<key>", {**base, value: _minimal(extra)}
            for where, inst in slots(extra, value):
                yield f".*{where}", {**base, "k": inst}


async def _settle(answer: Any) -> Any:
    return await answer


class Probe:
    def __init__(self) -> None:
        self.imports: list[str] = []
        self.calls = 0


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> Probe:
    seen = Probe()
    module = types.ModuleType(PROBE)

    def hook(*args: Any, **kwargs: Any) -> Any:
        seen.calls += 1

    module.hook = hook  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, PROBE, module)
    real_import_module, real_import = importlib.import_module, builtins.__import__

    def import_module(name: str, package: str | None = None) -> Any:
        if name.split(".")[0] in (PROBE, "builtins"):
            seen.imports.append(name)
        return real_import_module(name, package)

    def dunder_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".")[0] == PROBE:
            seen.imports.append(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(importlib, "import_module", import_module)
    monkeypatch.setattr(builtins, "__import__", dunder_import)
    return seen


EVENT_OBJECTS = [build_event(normalize_event(e), Snapshot("s", owner="alice")) for e in EVENTS]


@pytest.mark.parametrize("entry", FACTORIES, ids=lambda e: e.handler.rpartition(".")[2])
def test_no_string_parameter_reaches_an_import(entry: Any, probe: Probe) -> None:
    tried = accepted = 0
    for payload in PAYLOADS:
        for where, params in slots(entry.params_schema, payload):
            if not isinstance(params, dict):
                continue
            tried += 1
            spec = PolicySpec("p", entry.handler, level="session", params=params)
            try:
                policy = compile_policy(spec, REGISTRY, require_registered=True)
            except (GoalrailError, ValueError, TypeError):
                continue  # refused: the parameter never reaches anything
            accepted += 1
            for event in EVENT_OBJECTS:
                try:
                    answer = policy.fn({**event, "policy_state": {}})
                    if inspect.isawaitable(answer):
                        asyncio.run(_settle(answer))
                except Exception:  # a failing policy is a DENY; only imports matter here
                    continue
            assert not probe.imports and not probe.calls, f"{entry.handler}{where}: {payload} was imported/called"
    assert tried > 0 or '"string"' not in json.dumps(entry.params_schema)


def test_the_walk_reaches_the_merge_resolver() -> None:
    """The slot of the original report is among those walked, and the registry refuses it."""
    entry = REGISTRY.require("goalrail.policies.builtins.patterns.pattern_policy")
    found = [p for w, p in slots(entry.params_schema, "builtins.print") if ".merge[]" in w and "resolver" in w]
    assert found
    for params in found:
        with pytest.raises(GoalrailError, match="resolver"):
            REGISTRY.validate(entry.handler, params)
