"""YAML loading, validation with line numbers, and round trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from goalrail.patterns import Pattern, Policy, PolicyYamlError
from goalrail.patterns.builtin_policies import BUILTIN_NAMES, builtin_policy
from goalrail.patterns.templates import TEMPLATES

HEAD = "name: d\npatterns:\n  - id: a\n    action_type: file_read\n"
GOOD = """\
name: demo
default_action: deny
patterns:
  - id: ok_read
    action_type: file_read
    pattern: "^/data/.*"
    action: allow
"""


def test_valid_document_has_no_errors() -> None:
    assert Policy.validate_yaml_string(GOOD) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            HEAD + "    pattern: '('\n    action: allow\n",
            "line 5: patterns[0].pattern: invalid regular expression",
        ),
        (
            HEAD + "    pattern: x\n    action: block\n",
            "line 6: patterns[0].action: `block` is not one of allow, deny, warn",
        ),
        (
            HEAD + "    pattern: x\n    action: deny\n    severity: extreme\n",
            "line 7: patterns[0].severity: severity `extreme` is not one of",
        ),
        (
            "name: d\npatterns:\n  - id: a\n    action_type: file_read\n    action: deny\n",
            "line 3: patterns[0]: `pattern` is required",
        ),
        (
            HEAD + "    pattern: x\n    action: deny\n    conditions:\n      max_size_bytes: -1\n",
            "line 8: patterns[0].conditions.max_size_bytes: max_size_bytes",
        ),
        (
            HEAD + "    pattern: x\n    action: deny\n"
            "    conditions:\n      time_range: {start: '9am', end: '17:00'}\n",
            "line 8: patterns[0].conditions.time_range: time_range.start `9am` is not HH:MM",
        ),
        (
            HEAD + "    pattern: x\n    action: deny\n    conditions:\n      colour: blue\n",
            "line 8: patterns[0].conditions.colour: unknown condition `colour`",
        ),
        (
            HEAD + "    pattern: x\n    action: deny\n"
            "  - id: a\n    action_type: file_write\n    pattern: y\n    action: deny\n",
            "line 7: patterns[1].id: duplicate pattern id `a` (first at line 3)",
        ),
        ("name: d\npatern: []\n", "line 2: patern: unknown top-level key `patern`"),
        (
            "name: d\ndefaults:\n  violation_mode: sigterm\n",
            "line 3: defaults.violation_mode: violation mode `sigterm` is not one of",
        ),
        (
            "name: d\nexceptions:\n  - agent_pattern: 'a.*'\n    expires: next tuesday\n",
            "line 4: exceptions[0].expires: expires `next tuesday` is not a date",
        ),
        (
            "name: d\nexceptions:\n  - reason: x\n",
            "line 3: exceptions[0]: `agent_pattern` is required",
        ),
        (
            "name: d\nextends: [no_such_policy]\n",
            "line 2: extends[0]: unknown policy `no_such_policy`",
        ),
        ("description: no name\n", "line 1: `name` is required"),
        ("name: d\nname: e\n", "line 2: name: duplicate key `name`"),
        ("name: d\npatterns: [\n", "line 3: invalid YAML"),
    ],
)
def test_errors_name_the_line(text: str, expected: str) -> None:
    errors = Policy.validate_yaml_string(text)
    assert any(e.startswith(expected) for e in errors), errors


def test_every_error_is_reported_not_just_the_first() -> None:
    text = (
        "name: d\npatterns:\n  - {id: a, action_type: file_read, pattern: '(', action: allow}\n"
        "  - {id: b, action_type: file_read, pattern: x, action: nope}\n"
    )
    errors = Policy.validate_yaml_string(text)
    assert [e.split(":")[0] for e in errors] == ["line 3", "line 4"]


def test_loader_raises_with_the_error_list(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: d\npatterns:\n  - {id: a, action_type: file_read, pattern: x, action: nope}\n")
    with pytest.raises(PolicyYamlError) as info:
        Policy.from_yaml(path)
    assert str(path) in info.value.message and "line 3" in info.value.message
    assert info.value.errors[0]["line"] == 3 and info.value.code == "invalid_policy_yaml"
    assert isinstance(info.value, ValueError)
    assert Policy.validate_yaml(tmp_path / "missing.yaml")[0].startswith(f"{tmp_path / 'missing.yaml'}: cannot read")


def test_extends_resolves_files_next_to_the_policy_and_detects_cycles(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(
        "name: base\ndefault_action: deny\npatterns:\n"
        "  - {id: b1, action_type: file_read, pattern: '.*', action: allow}\n"
    )
    (tmp_path / "child.yaml").write_text("name: child\nextends: base\n")
    child = Policy.from_yaml(tmp_path / "child.yaml")
    assert child.default_action == "deny" and child.evaluate("file_read", "/x").pattern_id == "b1"
    (tmp_path / "loop_a.yaml").write_text("name: loop_a\nextends: loop_b\n")
    (tmp_path / "loop_b.yaml").write_text("name: loop_b\nextends: loop_a\n")
    errors = Policy.validate_yaml(tmp_path / "loop_a.yaml")
    assert errors and "circular extends" in errors[0]


@pytest.mark.parametrize("name", [*BUILTIN_NAMES, *TEMPLATES])
def test_builtins_and_templates_round_trip(name: str) -> None:
    policy = builtin_policy(name) if name in BUILTIN_NAMES else TEMPLATES[name]()
    text = policy.to_yaml()
    again = Policy.from_yaml_string(text)
    assert again.to_yaml() == text
    assert [p.pid for p in again.all_patterns()] == [p.pid for p in policy.all_patterns()]
    assert again.default_action == policy.default_action and again.violation_mode == policy.violation_mode


def test_round_trip_keeps_conditions_modes_disabled_patterns_and_flattens_unnamed_parents() -> None:
    parent = Policy(
        name="parent",
        default_action="deny",
        patterns=[Pattern(id="p_read", action_type="file_read", pattern=".*", action="allow")],
    )
    child = Policy(
        name="child",
        extends=[parent, "read_only"],
        exceptions=[
            {
                "agent_pattern": "ops_.*",
                "patterns": ["c1"],
                "reason": "ops",
                "expires": "2030-01-01",
            }
        ],
    )
    child.add_pattern(
        Pattern(
            id="c1",
            action_type="network_request",
            pattern="^https://",
            action="allow",
            severity="low",
            violation_mode="sigwarn",
            conditions={
                "allowed_methods": ["GET"],
                "time_range": {"start": "22:00", "end": "06:00"},
            },
        )
    )
    child.disable_pattern("c1")
    data = Policy.from_yaml_string(child.to_yaml()).to_dict()
    assert data["extends"] == ["read_only"]
    ids = [p["id"] for p in data["patterns"]]
    assert ids == ["c1", "p_read"]
    c1 = data["patterns"][0]
    assert (
        c1["enabled"] is False and c1["violation_mode"] == "sigwarn" and c1["conditions"]["allowed_methods"] == ["GET"]
    )
    assert data["exceptions"][0]["expires"] == "2030-01-01"
    assert data["defaults"] == {
        "action": "deny",
        "violation_mode": "block",
    }  # inherited from the flattened parent
    only_object = Policy(name="c", extends=parent)
    assert Policy.from_yaml_string(only_object.to_yaml()).default_action == "deny"


def test_inline_mapping_and_unquoted_dates() -> None:
    policy = Policy.from_dict({"name": "x", "exceptions": [{"agent_pattern": "a", "expires": "2030-01-01"}]})
    assert policy.exceptions[0].expires == "2030-01-01"
    unquoted = Policy.from_yaml_string("name: x\nexceptions:\n  - agent_pattern: a\n    expires: 2030-01-01\n")
    assert unquoted.exceptions[0].expires == "2030-01-01"
