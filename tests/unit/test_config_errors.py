"""Bad input is a clear error naming the problem and its location."""

from __future__ import annotations

from pathlib import Path

import pytest

from goalrail.config.agent import agent_spec_from_text
from goalrail.config.server import load_server_config, server_config_from_text
from goalrail.engine.chain import compile_policy
from goalrail.engine.context import normalize_event
from goalrail.engine.spec import PolicySpec
from goalrail.errors import ConfigError, InvalidEvent, InvalidParams, UnknownHandler
from goalrail.policies.registry import Registry


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    f = tmp_path / "config.yaml"
    f.write_text("policies:\n  a:\n    type: function\n    handler: [unclosed\n")
    with pytest.raises(ConfigError) as info:
        load_server_config(f)
    assert str(f) in info.value.message and "malformed YAML" in info.value.message
    assert ":5" in info.value.message or ":4" in info.value.message


def test_unknown_section_and_key_are_located() -> None:
    with pytest.raises(ConfigError, match=r"cfg.yaml:3: unknown section `polices`"):
        server_config_from_text("policy_modules: []\n\npolices: {}\n", "cfg.yaml")
    with pytest.raises(ConfigError, match=r"cfg.yaml:3: policy `x`: unknown key `factory_param`"):
        server_config_from_text("policies:\n  x:\n    factory_param: {}\n    handler: a.b\n", "cfg.yaml")


def test_duplicate_keys_are_rejected() -> None:
    with pytest.raises(ConfigError, match="duplicate key `x`"):
        server_config_from_text("policies:\n  x: {handler: a.b}\n  x: {handler: a.c}\n", "cfg.yaml")


def test_unknown_handler_is_reported_at_compile_time() -> None:
    with pytest.raises(UnknownHandler, match="cannot import module `nope`"):
        compile_policy(PolicySpec("p", "nope.missing"))
    with pytest.raises(UnknownHandler, match="has no attribute `missing`"):
        compile_policy(PolicySpec("p", "goalrail.errors.missing"))


def test_handler_outside_allowlist_is_refused_for_rest_and_chat() -> None:
    with pytest.raises(UnknownHandler, match="not in the policy registry"):
        compile_policy(PolicySpec("p", "os.system", params={}), Registry.load(), require_registered=True)
    with pytest.raises(UnknownHandler, match=r"<upload>:3: policy `p`: handler `os.system`"):
        agent_spec_from_text(
            "name: a\npolicies:\n  p: {type: function, handler: os.system}\n",
            registry=Registry.load(),
            require_registered=True,
        )


def test_params_failing_schema_name_the_parameter() -> None:
    registry = Registry.load(["myorg.policies"])
    with pytest.raises(InvalidParams) as info:
        registry.validate("myorg.policies.block_domains", {"blocked_domains": [1]})
    assert info.value.errors[0]["loc"] == "factory_params.blocked_domains.0"
    with pytest.raises(InvalidParams, match="unknown parameter `extra`"):
        registry.validate("myorg.policies.block_domains", {"blocked_domains": [], "extra": 1})


def test_schema_errors_in_config_carry_file_and_line() -> None:
    text = (
        "policy_modules: [myorg.policies]\npolicies:\n  d:\n"
        "    handler: myorg.policies.block_domains\n    factory_params: {blocked_domains: nope}\n"
    )
    with pytest.raises(InvalidParams) as info:
        server_config_from_text(text, "cfg.yaml")
    assert "cfg.yaml:5" in info.value.message and "blocked_domains" in info.value.message  # the parameter's line


def test_unimportable_policy_module_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="cannot import policy module `no_such_module`"):
        server_config_from_text("policy_modules: [no_such_module]\n")


def test_event_missing_type() -> None:
    with pytest.raises(InvalidEvent) as info:
        normalize_event({"target": "Bash", "data": {}})
    assert info.value.errors == [{"loc": "type", "message": "is required"}]


@pytest.mark.parametrize(
    ("raw", "loc"),
    [
        ({"type": "bogus"}, "type"),
        ({"type": "tool_call", "data": {"arguments": {}}}, "data.name"),
        ({"type": "tool_call", "target": "x", "data": {"arguments": 3}}, "data.arguments"),
        ({"type": "tool_call", "target": 5}, "target"),
        ({"type": "request", "data": 5}, "data"),
        ({"type": "llm_request", "data": {"messages": "hi"}}, "data.messages"),
        ([1, 2], "event"),
    ],
)
def test_malformed_events(raw: object, loc: str) -> None:
    with pytest.raises(InvalidEvent) as info:
        normalize_event(raw)
    assert info.value.errors[0]["loc"] == loc


def test_factory_rejecting_params_is_invalid_params() -> None:
    with pytest.raises(InvalidParams, match="rejected its parameters"):
        compile_policy(PolicySpec("p", "myorg.policies.block_domains", params={"nope": 1}))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("llm_proxy: {ask_timeout_s: 5}\n", "needs `upstream`"),
        ("llm_proxy: {anthropic_upstream: api.anthropic.com}\n", "`llm_proxy.anthropic_upstream` must be an http"),
        ("llm_proxy: {anthropic_upstream: 'https://a.example', anthropic_api_key_env: ''}\n", "anthropic_api_key_env"),
        ("llm_proxy: {upstream: 'https://a.example', anthropic: {}}\n", "anthropic"),
        ("limits: {max_llm_body_bytes: many}\n", "max_llm_body_bytes"),
    ],
)
def test_llm_proxy_section_is_checked(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("`", "`")):
        server_config_from_text(text)


def test_llm_proxy_anthropic_only_is_accepted() -> None:
    cfg = server_config_from_text(
        "llm_proxy: {anthropic_upstream: 'https://api.anthropic.com', anthropic_api_key_env: ANT_KEY}\n"
        "limits: {max_llm_body_bytes: 8388608}\n"
    )
    assert cfg.llm_proxy["anthropic_upstream"] == "https://api.anthropic.com"
    assert cfg.limits["max_llm_body_bytes"] == 8388608
