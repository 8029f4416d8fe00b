"""Session regexes compile on RE2 (linear time); operator and shipped ones keep Python ``re``."""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.engine import PolicySpec, compile_policy
from goalrail.errors import GoalrailError
from goalrail.patterns import Pattern, Policy
from goalrail.patterns.regex import BACKTRACKING, LINEAR, linear_regexes
from goalrail.policies.files import FileAccess
from goalrail.policies.registry import Registry
from tests.unit.cpu_support import FRESH, scales_linearly, within

HANDLER = "goalrail.policies.builtins.patterns.pattern_policy"


def _inline(*patterns: str, exceptions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "name": "mine",
        "default_action": "allow",
        "patterns": [
            {"id": f"p{i}", "action_type": "shell_execute", "pattern": p, "action": "deny"}
            for i, p in enumerate(patterns)
        ],
        "exceptions": exceptions or [],
    }


def _session(params: dict[str, Any]) -> Any:
    return compile_policy(PolicySpec("mine", HANDLER, level="session", params=params), Registry.load())


def _event(command: str) -> dict[str, Any]:
    return {
        "type": "tool_call",
        "context": {"action": {"type": "shell_execute", "target": command}, "now": 1.0},
        "data": {"arguments": {"command": command}},
    }


def test_catastrophic_backtracking_is_linear_for_a_session() -> None:
    check = _session({"inline": _inline("(a+)+$")})
    assert check.inline  # RE2 only, no file: bounded, so it stays on the fast path
    assert check.fn(_event("a" * 27 + "!")) is None
    # a backtracking engine takes 2^27 steps on 27 `a`s (seconds): RE2 costs what a short line does
    within(lambda: check.fn(_event("a" * 27 + f"!{next(FRESH)}")), lambda: check.fn(_event(f"b {next(FRESH)}")), 20)
    scales_linearly(lambda n: lambda: check.fn(_event("a" * n + f"!{next(FRESH)}")), 2_000, 10)
    assert check.fn(_event("aaaa"))["result"] == "DENY"  # type: ignore[index]
    # a line too long for the shell analysis is asked: which commands it runs is not known
    assert check.fn(_event("a" * 100_000 + "!"))["result"] == "ASK"  # type: ignore[index]


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({"inline": _inline("^(?!.*secret).*")}, "(?!.*secret)"),
        ({"inline": _inline("(a)\\1")}, "(a)\\1"),
        ({"inline": _inline("x", exceptions=[{"agent_pattern": "(?<=a)b"}])}, "(?<=a)b"),
        ({"policy": "strict", "merge": [{"inline": _inline("(?=x)x"), "strategy": "strict"}]}, "(?=x)x"),
    ],
)
def test_a_session_regex_re2_cannot_compile_is_refused_by_name(params: dict[str, Any], shown: str) -> None:
    with pytest.raises(GoalrailError) as err:
        _session(params)
    text = err.value.message
    assert err.value.code == "invalid_params" and err.value.errors[0]["loc"].startswith("factory_params.")
    assert shown in text and "RE2" in text and "session" in text


def test_operator_inline_and_shipped_templates_keep_python_re() -> None:
    spec = PolicySpec("admin", HANDLER, level="server", params={"inline": _inline("^(?!.*--dry-run).*deploy")})
    compiled = compile_policy(spec, Registry.load(), files=FileAccess.under([]))
    assert compiled.inline  # re holds the GIL: a thread would not contain it; operator regexes are trusted
    assert compiled.fn(_event("make deploy"))["result"] == "DENY"  # type: ignore[index]
    assert compiled.fn(_event("make deploy --dry-run")) is None
    hipaa = _session({"policy": "hipaa_standard"})  # a session may pick a shipped template
    assert hipaa.inline


def test_the_engine_survives_copies_and_merges() -> None:
    with linear_regexes():
        mine = Policy.from_dict(_inline("rm .*"))
        forced = Pattern(action_type="file_read", pattern="x", engine=BACKTRACKING)
    assert forced.engine == LINEAR  # inside the scope nothing can ask for re
    assert all(p.engine == LINEAR for p in mine.patterns)
    assert all(p.copy().engine == LINEAR for p in mine.patterns)
    merged = Policy.from_dict({"name": "base", "default_action": "allow"}).merge(mine, strategy="strict")
    assert {p.engine for p in merged.all_patterns()} == {LINEAR}


@pytest.mark.parametrize(
    ("pattern", "target", "matches"),
    [
        (".*\\.pem$", "key.pem", True),
        (".*\\.pem$", "key.pem\n", True),  # re's `$` also matches before a final newline
        (".*\\.pem$", "key.pem.bak", False),
        (".*\\.pem\\Z", "key.pem", True),
        ("^git\\s+(push|pull).*", "git push origin", True),
        ("[$]HOME", "$HOME", True),
        ("(?i)DROP TABLE", "drop table x", True),
        ("a.b", "a\nb", True),  # DOTALL as in re
    ],
)
def test_re2_reads_patterns_as_re_does(pattern: str, target: str, matches: bool) -> None:
    python = Pattern(action_type="shell_execute", pattern=pattern, engine=BACKTRACKING)
    with linear_regexes():
        linear = Pattern(action_type="shell_execute", pattern=pattern)
    assert python.matches(target) is matches and linear.matches(target) is matches


def test_first_match_order_with_user_groups_on_re2() -> None:
    """The alternation index names the first matching pattern even when a user group ends last."""
    with linear_regexes():
        policy = Policy.from_dict(
            {
                "name": "order",
                "default_action": "allow",
                "patterns": [
                    {"id": "first", "action_type": "shell_execute", "pattern": "git (push|pull)", "action": "deny"},
                    {"id": "second", "action_type": "shell_execute", "pattern": "git .*", "action": "allow"},
                ],
            }
        )
    assert policy.evaluate("shell_execute", "git push").pattern_id == "first"
    assert policy.evaluate("shell_execute", "git status").pattern_id == "second"


def test_argument_condition_regexes_follow_the_pattern_engine() -> None:
    """`conditions.arguments` regexes are user regexes too: RE2 for a session."""
    inline = {
        "name": "args",
        "default_action": "allow",
        "patterns": [
            {
                "id": "slow",
                "action_type": "shell_execute",
                "pattern": ".*",
                "action": "deny",
                "conditions": {"arguments": {"command": "(a+)+$"}},
            }
        ],
    }
    check = _session({"inline": inline})
    assert check.fn(_event("a" * 27 + "!")) is None
    within(lambda: check.fn(_event("a" * 27 + f"!{next(FRESH)}")), lambda: check.fn(_event(f"b {next(FRESH)}")), 20)
    scales_linearly(lambda n: lambda: check.fn(_event("a" * n + f"!{next(FRESH)}")), 2_000, 10)
    assert check.fn(_event("aaa"))["result"] == "DENY"  # type: ignore[index]
    inline["patterns"][0]["conditions"] = {"arguments": {"command": "^(?!safe).*"}}  # type: ignore[index]
    with pytest.raises(GoalrailError) as err:
        _session({"inline": inline})
    assert "RE2" in err.value.message and "arguments.command" in err.value.message
