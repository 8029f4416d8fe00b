"""engine.approvals: what an approval is bound to, and what each scope's grant covers."""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.engine import approvals


def call(command: str, **data: Any) -> dict[str, Any]:
    args = {"command": command, **data.pop("args", {})}
    return {"type": "tool_call", "target": "sys_os_shell", "data": {"name": "sys_os_shell", "arguments": args, **data}}


def test_digest_ignores_per_call_ids_and_the_shell_description() -> None:
    base = approvals.action_digest(call("ls -la", tool_use_id="toolu_1", original_name="Bash"))
    assert approvals.action_digest(call("ls -la", tool_use_id="toolu_2")) == base
    assert approvals.action_digest(call("ls -la", args={"description": "List all files"})) == base


@pytest.mark.parametrize(
    "changed",
    [
        call("ls -la /"),
        call("ls -la", args={"timeout": 5}),
        call("ls -la", args={"run_in_background": True}),
        {**call("ls -la"), "target": "sys_os_read"},
        {**call("ls -la"), "type": "tool_result"},
    ],
)
def test_digest_changes_with_anything_that_changes_what_runs(changed: dict[str, Any]) -> None:
    assert approvals.action_digest(changed) != approvals.action_digest(call("ls -la"))


def test_description_is_kept_for_other_tools() -> None:
    issue = {"type": "tool_call", "target": "mcp__gh__create_issue", "data": {"arguments": {"description": "a"}}}
    other = {"type": "tool_call", "target": "mcp__gh__create_issue", "data": {"arguments": {"description": "b"}}}
    assert approvals.action_digest(issue) != approvals.action_digest(other)


def test_result_digest_names_its_call() -> None:
    result = {
        "type": "tool_result",
        "target": "sys_os_shell",
        "data": {"arguments": {"command": "ls"}, "result": "x", "tool_use_id": "t"},
    }
    assert approvals.call_digest(result) == approvals.action_digest(call("ls", tool_use_id="other"))


def test_scopes_and_their_grants() -> None:
    asked = call("ls -la")
    narrow = [approvals.grant_key("gate", asked)]
    identical = set(approvals.keys_for_scope(narrow, approvals.SESSION_IDENTICAL))
    wide = set(approvals.keys_for_scope(narrow, approvals.SESSION_TOOL))
    assert approvals.keys_for_scope(narrow, approvals.ONCE) == []
    assert approvals.covered_by_grants(["gate"], call("ls -la", tool_use_id="u2"), identical)
    assert not approvals.covered_by_grants(["gate"], call("rm -rf / --no-preserve-root"), identical)
    assert approvals.covered_by_grants(["gate"], call("rm -rf / --no-preserve-root"), wide)
    # Every asking policy needs its own grant; another tool or phase is never covered.
    assert not approvals.covered_by_grants(["gate", "risk"], asked, identical | wide)
    assert not approvals.covered_by_grants(["gate"], {**asked, "target": "sys_os_write"}, wide)
    assert not approvals.covered_by_grants([], asked, wide)


def test_old_tool_wide_keys_no_longer_match() -> None:
    legacy = {"gate|tool_call|sys_os_shell"}  # what `scope: session` stored before
    assert not approvals.covered_by_grants(["gate"], call("rm -rf /"), legacy)


@pytest.mark.parametrize(
    "given, want",
    [("once", "once"), ("session", "session_identical"), ("session_tool", "session_tool"), ("forever", None)],
)
def test_scope_names(given: str, want: str | None) -> None:
    assert approvals.normalize_scope(given) == want


def test_covers_needs_every_asking_policy_approved() -> None:
    assert approvals.covers(["gate", "risk"], ["gate"])
    assert not approvals.covers(["gate"], ["gate", "risk"])
    assert not approvals.covers(["gate"], [])


def test_canonical_json_is_the_json_encoders_text() -> None:
    """The digest's encoder called directly writes what ``json.dumps`` with the same options does."""
    import json

    from goalrail.engine.approvals import _canonical_json

    def dumps(v: dict[str, object]) -> str:
        return json.dumps(v, sort_keys=True, separators=(",", ":"), default=str)

    class Odd:
        def __str__(self) -> str:
            return "odd ☃"

    values: list[dict[str, object]] = [
        {"type": "tool_call", "target": "sys_os_shell", "data": {"arguments": {"command": "rm -rf build"}}},
        {"b": [1.5, float("nan"), float("-inf"), None, True, "é\n\x00"], "a": {"z": Odd(), "y": {}}, "c": 10**30},
        {"k": {1: "int key", 2.5: "float key", 3: "another"}},
    ]
    for value in values:
        assert _canonical_json(value) == dumps(value)
    cyclic: dict[str, object] = {}
    cyclic["self"] = cyclic
    for encode in (_canonical_json, dumps):
        with pytest.raises(ValueError, match="Circular"):
            encode(cyclic)
