"""Argument selectors and context conditions in declarative patterns (when_label, arguments, grounded)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from goalrail import Guard
from goalrail.patterns import Policy
from goalrail.patterns.yaml_io import PolicyYamlError

RULES = """
tools:
  read_inbox: {kind: read, trust: untrusted}
  contacts: {kind: read, trust: trusted}
policies:
  flow_rules:
    type: function
    handler: goalrail.policies.builtins.patterns.pattern_policy
    factory_params:
      inline:
        name: flow
        default_action: deny
        patterns:
          - action_type: tool_call
            pattern: "send_email|share_file"
            action: deny
            violation_mode: SIGSTOP
            message: recipient not grounded after untrusted content
            conditions:
              when_label: untrusted_content
              grounded: {"to[*]": false}
          - action_type: tool_call
            pattern: "send_money"
            action: deny
            conditions:
              arguments: {"payee.iban": "^GB"}
          - action_type: tool_call
            pattern: "deploy"
            action: deny
            conditions:
              when_label: {env: "prod*"}
"""


@pytest.fixture
def guard() -> Iterator[Guard]:
    g = Guard(config_text=RULES)
    yield g
    g.close()


def _call(g: Guard, tool: str, **args: Any) -> str:
    return str(g.tool_call("s", tool, args)["result"])


def test_grounded_and_when_label(guard: Guard) -> None:
    guard.evaluate("s", {"type": "request", "data": "mail bob@x.example"})
    assert _call(guard, "send_email", to=["eve@e.example"]) == "ALLOW"  # no untrusted content yet
    guard.tool_result("s", "read_inbox", {}, "eve@e.example says hi")
    verdict = guard.tool_call("s", "send_email", {"to": ["eve@e.example", "bob@x.example"]})
    assert verdict["result"] == "ASK" and "recipient not grounded" in verdict["reason"]
    assert _call(guard, "send_email", to=["bob@x.example"]) == "ALLOW"
    guard.tool_result("s", "contacts", {}, {"email": "eve@e.example"})  # now grounded by a trusted source
    assert _call(guard, "send_email", to=["eve@e.example"]) == "ALLOW"


def test_argument_selectors(guard: Guard) -> None:
    assert _call(guard, "send_money", payee={"iban": "GB29NWBK60161331926819"}) == "DENY"
    assert _call(guard, "send_money", payee={"iban": "DE89370400440532013000"}) == "ALLOW"
    assert _call(guard, "send_money") == "ALLOW"  # no value at the path: the pattern does not apply


def test_label_globs() -> None:
    g = Guard(config_text=RULES)
    try:
        g.evaluate("p", {"type": "request", "data": "x"})
        assert g.tool_call("p", "deploy", {})["result"] == "ALLOW"
    finally:
        g.close()
    from goalrail.patterns.conditions import ActionFacts

    policy = Policy.from_dict(
        {
            "name": "p",
            "patterns": [
                {
                    "action_type": "tool_call",
                    "pattern": "deploy",
                    "action": "deny",
                    "conditions": {"when_label": {"env": "prod*"}},
                },
            ],
        }
    )
    assert policy.decide("tool_call", "deploy", ActionFacts(labels={"env": "production"})).action == "deny"
    assert not policy.decide("tool_call", "deploy", ActionFacts(labels={"env": "staging"})).matched


def test_tool_calls_without_action_type_only_see_explicit_tool_call_patterns() -> None:
    g = Guard(
        config_text="""
policies:
  strict_star:
    type: function
    handler: goalrail.policies.builtins.patterns.pattern_policy
    factory_params:
      inline:
        name: star
        default_action: deny
        patterns:
          - {action_type: "*", pattern: ".*", action: deny}
"""
    )
    try:
        verdict = g.tool_call("s", "mcp__crm__find", {"q": "x"})
        assert verdict["result"] == "ALLOW" and verdict["decisions"][0]["verdict"] == "ABSTAIN"
        assert g.tool_call("s", "Bash", {"command": "ls"})["result"] == "DENY"  # an Agent OS action: unchanged
    finally:
        g.close()


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ("{grounded: {'to[': false}}", "is not an argument path"),
        ("{grounded: {to: maybe}}", "must be true or false"),
        ("{arguments: {to: '('}}", "not a valid regular expression"),
        ("{when_label: 3}", "when_label must be"),
    ],
)
def test_bad_context_conditions_are_reported(conditions: str, message: str) -> None:
    text = f"name: p\npatterns:\n  - action_type: tool_call\n    pattern: x\n    conditions: {conditions}\n"
    with pytest.raises(PolicyYamlError, match=message):
        Policy.from_yaml_string(text)
