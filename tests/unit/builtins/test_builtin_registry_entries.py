"""Every builtin is declared once: its registry entry, factory signature and docs agree.

Covers every public module of ``goalrail.policies.builtins`` (found by listing
the package, as the registry does), not a hand-picked few.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from goalrail.errors import InvalidParams
from goalrail.policies.declare import declaration, plain, registry_entries
from goalrail.policies.registry import Registry, builtin_modules, import_object

DOC = Path(__file__).resolve().parents[3] / "docs" / "builtins.md"

#: Public API (seed 001's table plus the ones DESIGN.md adds): these paths never move.
EXPECTED = {
    "goalrail.policies.builtins.safety.max_tool_calls_per_session",
    "goalrail.policies.builtins.safety.ask_on_os_tools",
    "goalrail.policies.builtins.safety.block_skills",
    "goalrail.policies.builtins.safety.enforce_sandbox",
    "goalrail.policies.builtins.safety.deny_pii_in_llm_request",
    "goalrail.policies.builtins.safety.rate_limit",
    "goalrail.policies.builtins.cost.cost_budget",
    "goalrail.policies.builtins.cost.user_daily_cost_budget",
    "goalrail.policies.builtins.github.github_policy",
    "goalrail.policies.builtins.google.gdrive_policy",
    "goalrail.policies.builtins.google.gmail_policy",
    "goalrail.policies.builtins.google.gcalendar_policy",
    "goalrail.policies.builtins.working_dir.block_working_dir_changes",
    "goalrail.policies.builtins.routing.deny_trivial_to_expensive_model",
    "goalrail.policies.builtins.risk.risk_score_policy",
    "goalrail.policies.builtins.patterns.pattern_policy",
    "goalrail.policies.builtins.flow.information_flow",
    "goalrail.policies.builtins.tools.tool_gate",
}

MODULES = builtin_modules()
ENTRIES = [e for m in MODULES for e in importlib.import_module(m).POLICY_REGISTRY]


def test_the_registry_finds_every_builtin_module() -> None:
    found = {p.stem for p in Path(importlib.import_module("goalrail.policies.builtins").__path__[0]).glob("*.py")}
    public = {f"goalrail.policies.builtins.{n}" for n in found if not n.startswith("_")}
    assert set(MODULES) == public
    assert {e["handler"] for e in ENTRIES} == EXPECTED
    registry = Registry.load()
    assert {e.handler for e in registry if e.builtin} == EXPECTED


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.rpartition(".")[2])
def test_each_module_registry_is_derived_from_its_declarations(module: str) -> None:
    mod = importlib.import_module(module)
    assert registry_entries(module) == mod.POLICY_REGISTRY
    declared = {f"{module}.{name}" for name, fn in vars(mod).items() if declaration(fn) and fn.__module__ == module}
    assert declared == {e["handler"] for e in mod.POLICY_REGISTRY}


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["handler"].rsplit(".", 1)[-1])
def test_entry_is_complete_and_matches_the_signature(entry: dict[str, Any]) -> None:
    assert set(entry) - {"example"} == {"handler", "kind", "name", "description", "params_schema"}
    assert entry["name"] and len(entry["description"]) > 40
    schema = entry["params_schema"]
    Draft202012Validator.check_schema(schema)
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    fn = import_object(entry["handler"])
    params = inspect.signature(fn).parameters
    if entry["kind"] == "callable":
        assert schema["properties"] == {}
        assert len(params) == 1
        return
    assert entry["kind"] == "factory"
    assert list(schema["properties"]) == list(params)
    required = set(schema.get("required", []))
    for name, prop in schema["properties"].items():
        assert prop.get("description"), name
        assert "type" in prop, name
        default = params[name].default
        if default is inspect.Parameter.empty:
            assert name in required and "default" not in prop, name
        else:
            assert name not in required, name
            assert prop.get("default", None) == plain(default), name
            if "default" in prop:  # defaults are valid values
                Draft202012Validator(prop).validate(prop["default"])


def _unbounded(schema: Any, where: str) -> Iterator[str]:
    if not isinstance(schema, dict):
        return
    typ = schema.get("type")
    kinds = set(typ) if isinstance(typ, list) else {typ}
    if "array" in kinds and "maxItems" not in schema:
        yield f"{where}: array without maxItems"
    if "string" in kinds and "maxLength" not in schema and "enum" not in schema:
        yield f"{where}: string without maxLength"
    closed = schema.get("additionalProperties") is False  # a fixed set of keys
    if "object" in kinds and "maxProperties" not in schema and not closed:
        yield f"{where}: object without maxProperties"
    yield from _unbounded(schema.get("items"), f"{where}[]")
    yield from _unbounded(schema.get("additionalProperties"), f"{where}.*")
    for name, prop in (schema.get("properties") or {}).items():
        yield from _unbounded(prop, f"{where}.{name}")


def test_every_parameter_is_bounded() -> None:
    problems = [
        p
        for e in ENTRIES
        for name, prop in e["params_schema"]["properties"].items()
        for p in _unbounded(prop, f"{e['handler'].rpartition('.')[2]}.{name}")
    ]
    assert not problems, problems


def _doc_rows() -> dict[str, dict[str, list[str]]]:
    """handler → parameter → its table cells, read from the checked-in docs."""
    out: dict[str, dict[str, list[str]]] = {}
    for section in DOC.read_text(encoding="utf-8").split("\n## ")[1:]:
        handler = re.search(r"^`([\w.]+)` \((factory|callable)\)$", section, re.M)
        assert handler, section[:80]
        rows = re.findall(r"^\| `(\w+)` \| (.*) \|$", section, re.M)
        out[handler.group(1)] = {name: re.split(r" (?<!\\)\| ", rest) for name, rest in rows}
    return out


def test_docs_agree_with_every_declaration() -> None:
    rows = _doc_rows()
    assert set(rows) == EXPECTED
    for entry in ENTRIES:
        fn = import_object(entry["handler"])
        params = {} if entry["kind"] == "callable" else inspect.signature(fn).parameters
        documented = rows[entry["handler"]]
        assert list(documented) == list(params), entry["handler"]
        for name, p in params.items():
            _type, default, description = documented[name]
            if p.default is inspect.Parameter.empty:
                assert default == "*required*", name
            elif "default" in entry["params_schema"]["properties"][name]:
                assert default.replace("\\|", "|") == json.dumps(plain(p.default)), name
            assert description.replace("\\|", "|") == entry["params_schema"]["properties"][name]["description"]


def test_defaults_from_the_registry_build_working_policies() -> None:
    registry = Registry.load()
    for handler in EXPECTED:
        entry = registry.get(handler)
        assert entry is not None
        if entry.kind == "factory" and not entry.params_schema.get("required"):
            if entry.params_schema.get("oneOf"):
                continue  # pattern_policy: one of policy/path/inline must be given
            params = {**entry.defaults(), **(entry.example or {})}  # a budget needs a limit or a threshold
            assert callable(import_object(handler)(**params))


@pytest.mark.parametrize(
    ("handler", "params"),
    [
        ("goalrail.policies.builtins.safety.max_tool_calls_per_session", {"limit": -1}),
        ("goalrail.policies.builtins.safety.max_tool_calls_per_session", {"limt": 3}),
        ("goalrail.policies.builtins.safety.max_tool_calls_per_session", {"limit": 10**10}),
        ("goalrail.policies.builtins.routing.deny_trivial_to_expensive_model", {"classifier_timeout_s": 61}),
        ("goalrail.policies.builtins.risk.risk_score_policy", {"threshold": 10**10}),
        ("goalrail.policies.builtins.safety.block_skills", {}),
        ("goalrail.policies.builtins.safety.block_skills", {"blocked": ["x"] * 501}),
        ("goalrail.policies.builtins.safety.enforce_sandbox", {"sandbox_type": "none"}),
        ("goalrail.policies.builtins.safety.enforce_sandbox", {"write_paths": ["/" + "a" * 5000]}),
        ("goalrail.policies.builtins.safety.deny_pii_in_llm_request", {"action": "deny"}),
        ("goalrail.policies.builtins.safety.deny_pii_in_llm_request", {"pii_types": ["bogus"]}),
        ("goalrail.policies.builtins.safety.rate_limit", {"max_calls": 1}),
        ("goalrail.policies.builtins.safety.rate_limit", {"max_calls": 1, "window_seconds": 0}),
        ("goalrail.policies.builtins.working_dir.block_working_dir_changes", {"action": "warn"}),
        ("goalrail.policies.builtins.github.github_policy", {"write_repos": "myorg/app"}),
        ("goalrail.policies.builtins.cost.cost_budget", {"max_cost_usd": -1}),
        ("goalrail.policies.builtins.cost.user_daily_cost_budget", {}),
        ("goalrail.policies.builtins.google.gmail_policy", {"allow_send": "yes"}),
        ("goalrail.policies.builtins.risk.risk_score_policy", {"initial_scores_by_actor": {"bob": -100}}),
        ("goalrail.policies.builtins.risk.risk_score_policy", {"tool_points": {"*": -5}}),
        ("goalrail.policies.builtins.routing.deny_trivial_to_expensive_model", {"classifier_timeout_s": 0}),
        ("goalrail.policies.builtins.patterns.pattern_policy", {}),
        ("goalrail.policies.builtins.patterns.pattern_policy", {"policy": None}),
        ("goalrail.policies.builtins.flow.information_flow", {"always_grounded": None}),
        ("goalrail.policies.builtins.tools.tool_gate", {"kinds": {"exec": "allow"}}),
    ],
)
def test_schema_rejects_bad_params(handler: str, params: dict[str, Any]) -> None:
    with pytest.raises(InvalidParams):
        Registry.load().validate(handler, params)


def test_callable_takes_no_params() -> None:
    with pytest.raises(InvalidParams):
        Registry.load().validate("goalrail.policies.builtins.safety.ask_on_os_tools", {"x": 1})
