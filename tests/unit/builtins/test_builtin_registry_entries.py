"""Registry entries of safety, working_dir and github: complete, and matching the code."""

from __future__ import annotations

import inspect

import pytest
from jsonschema import Draft202012Validator

from goalrail.errors import InvalidParams
from goalrail.policies.builtins import github, safety, working_dir
from goalrail.policies.registry import Registry, import_object

ENTRIES = [*safety.POLICY_REGISTRY, *working_dir.POLICY_REGISTRY, *github.POLICY_REGISTRY]
EXPECTED = {
    "goalrail.policies.builtins.safety.max_tool_calls_per_session",
    "goalrail.policies.builtins.safety.ask_on_os_tools",
    "goalrail.policies.builtins.safety.block_skills",
    "goalrail.policies.builtins.safety.enforce_sandbox",
    "goalrail.policies.builtins.safety.deny_pii_in_llm_request",
    "goalrail.policies.builtins.safety.rate_limit",
    "goalrail.policies.builtins.working_dir.block_working_dir_changes",
    "goalrail.policies.builtins.github.github_policy",
}


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def test_all_handlers_registered() -> None:
    assert {e["handler"] for e in ENTRIES} == EXPECTED
    registry = Registry.load()
    for handler in EXPECTED:
        assert handler in registry


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["handler"].rsplit(".", 1)[-1])
def test_entry_is_complete_and_matches_code(entry: dict) -> None:
    assert set(entry) == {"handler", "kind", "name", "description", "params_schema"}
    assert entry["name"] and len(entry["description"]) > 40
    schema = entry["params_schema"]
    Draft202012Validator.check_schema(schema)
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    fn = import_object(entry["handler"])
    params = inspect.signature(fn).parameters
    if entry["kind"] == "callable":
        assert schema["properties"] == {}
        return
    assert entry["kind"] == "factory"
    assert set(schema["properties"]) == set(params)
    required = set(schema.get("required", []))
    for name, prop in schema["properties"].items():
        assert prop.get("description"), name
        assert "type" in prop, name
        default = params[name].default
        if default is inspect.Parameter.empty:
            assert name in required and "default" not in prop, name
        else:
            assert name not in required, name
            assert prop["default"] == _plain(default), name
    defaults = {k: v["default"] for k, v in schema["properties"].items() if "default" in v}
    Draft202012Validator({**schema, "required": []}).validate(defaults)  # defaults are valid values


def test_defaults_from_the_registry_build_working_policies() -> None:
    registry = Registry.load()
    for handler in EXPECTED:
        entry = registry.get(handler)
        assert entry is not None
        if entry.kind == "factory" and not entry.params_schema.get("required"):
            assert callable(import_object(handler)(**entry.defaults()))


@pytest.mark.parametrize(
    ("handler", "params"),
    [
        ("goalrail.policies.builtins.safety.max_tool_calls_per_session", {"limit": -1}),
        ("goalrail.policies.builtins.safety.max_tool_calls_per_session", {"limt": 3}),
        ("goalrail.policies.builtins.safety.block_skills", {}),
        ("goalrail.policies.builtins.safety.enforce_sandbox", {"sandbox_type": "none"}),
        ("goalrail.policies.builtins.safety.deny_pii_in_llm_request", {"action": "deny"}),
        ("goalrail.policies.builtins.safety.deny_pii_in_llm_request", {"pii_types": ["bogus"]}),
        ("goalrail.policies.builtins.safety.rate_limit", {"max_calls": 1}),
        ("goalrail.policies.builtins.safety.rate_limit", {"max_calls": 1, "window_seconds": 0}),
        ("goalrail.policies.builtins.working_dir.block_working_dir_changes", {"action": "warn"}),
        ("goalrail.policies.builtins.github.github_policy", {"write_repos": "myorg/app"}),
    ],
)
def test_schema_rejects_bad_params(handler: str, params: dict) -> None:
    with pytest.raises(InvalidParams):
        Registry.load().validate(handler, params)


def test_callable_takes_no_params() -> None:
    with pytest.raises(InvalidParams):
        Registry.load().validate("goalrail.policies.builtins.safety.ask_on_os_tools", {"x": 1})
