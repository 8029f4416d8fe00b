"""A lone surrogate in an event judged in process (Python's spelling of a file name's
undecodable byte, ``"\\udcff"``): the pattern rules still decide, as a UTF-8 reader shows the
text, instead of the RE2 search raising and the chain failing closed on an error that names no
rule.  (HTTP refuses such a body: tests/server for ``invalid_json``.)"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from goalrail.engine.spec import PolicySpec
from goalrail.patterns.regex import encodable
from goalrail.policies.builtins.patterns import pattern_policy
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore
from tests.unit.shell_support import event

STRICT = pattern_policy(policy="strict")
#: a session's own policy: its regexes compile with RE2
SESSION = pattern_policy(
    inline={
        "name": "mine",
        "default_action": "allow",
        "patterns": [
            {"id": "no_secret", "action_type": "shell_execute", "pattern": ".*secret.*", "action": "deny"},
            {"id": "no_env", "action_type": "file_read", "pattern": r".*\.env$", "action": "deny"},
        ],
    }
)


def _answer(policy: Any, tool: str, arguments: dict[str, Any]) -> tuple[str, str]:
    res = policy(event(tool, arguments))
    return ("ALLOW", "") if res is None else (str(res["result"]), str(res.get("reason") or ""))


@pytest.mark.parametrize(
    ("tool", "arguments", "rule"),
    [
        ("Bash", {"command": "rm -rf / \udcff"}, "strict_shell_dangerous"),
        ("Bash", {"command": "sudo ls \ud800"}, "strict_shell"),
        ("Bash", {"command": "cat .env \udcff.txt"}, "strict_read_secrets"),
        ("Read", {"file_path": "/home/u/.ssh/\udcffkey"}, "strict_read_ssh"),
    ],
)
def test_strict_denies_by_its_rule(tool: str, arguments: dict[str, Any], rule: str) -> None:
    result, reason = _answer(STRICT, tool, arguments)
    assert result == "DENY"
    assert rule in reason


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        ("Bash", {"command": "cat secret\ud800.txt"}, "DENY"),
        ("Read", {"file_path": "/app/\udcff/.env"}, "DENY"),
        ("Bash", {"command": "ls \udcff.txt"}, "ALLOW"),  # control: nothing to deny
    ],
)
def test_a_sessions_re2_rules_decide(tool: str, arguments: dict[str, Any], expected: str) -> None:
    result, reason = _answer(SESSION, tool, arguments)
    assert result == expected
    if expected == "DENY":
        assert "no_" in reason


def test_strict_allows_a_harmless_name() -> None:  # control
    assert _answer(STRICT, "Bash", {"command": "ls \udcff.txt"})[0] == "ALLOW"


@pytest.mark.parametrize(
    ("command", "expected", "named"),
    [("sudo x \ud800", "DENY", "strict_shell"), ("ls \udcff.txt", "ALLOW", "strict_shell_allow")],
)
def test_the_runtime_answers_by_the_rule(command: str, expected: str, named: str) -> None:
    spec = PolicySpec("strict", "goalrail.policies.builtins.patterns.pattern_policy", params={"policy": "strict"})
    rt = Runtime(MemoryStore(), registry=Registry.load(), server_specs=[spec])
    raw = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": command}}}
    outcome = asyncio.run(rt.evaluate("s1", raw))
    assert outcome.result == expected
    assert named in outcome.decision.reason


def test_encodable_copies_only_what_holds_text() -> None:
    value = {"a\ud800": ["x\udcffy", ("z",), 3, None], "n": 1.5}
    assert encodable(value) == {"a\ufffd": ["x\ufffdy", ["z"], 3, None], "n": 1.5}
    assert "\ud800" in next(iter(value))  # the original is untouched
