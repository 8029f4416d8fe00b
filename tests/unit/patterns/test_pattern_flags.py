"""Inline flags and case in a compiled policy agree with each pattern alone.

A pattern that compiles alone must compile and match the same way inside a
policy, where anchored patterns share one alternation: leading global flags
(``(?a)``, ``(?u)``, ``(?x)``, several groups) become scoped groups, and what
cannot be a branch is matched alone.  An inline flag the engine does not have
(``(?L)`` for a text pattern, ``(?a)``/``(?u)``/``(?x)`` for RE2) is refused by
name with its location.  Matching a ``database_*`` action ignores case for every
pattern that reaches it — typed or a glob (``*``), anchored or a "contains" rule.
"""

from __future__ import annotations

import pytest

from goalrail.engine import PolicySpec, compile_policy
from goalrail.errors import GoalrailError
from goalrail.patterns import Pattern, Policy
from goalrail.patterns.compile import CompiledPolicy
from goalrail.patterns.regex import BACKTRACKING, LINEAR, RegexRefused, regex_engine
from goalrail.policies.registry import Registry

HANDLER = "goalrail.policies.builtins.patterns.pattern_policy"

#: (pattern, engines that compile it alone, a target it matches, a target it does not)
FLAGGED = [
    ("(?a)sudo\\w", (BACKTRACKING,), "sudox", "sudo\u00e9"),  # ASCII \w: é is not a word character
    ("(?u)sudo\\w", (BACKTRACKING,), "sudo\u00e9", "sudo-"),
    ("(?ai)SUDO", (BACKTRACKING,), "sudo", "su do"),
    ("(?i)(?a)SUDO", (BACKTRACKING,), "sudo", "su do"),
    ("(?x) sudo \\s+ rm  # escalation", (BACKTRACKING,), "sudo rm", "sudorm"),
    ("(?#why)(?i)SUDO", (BACKTRACKING,), "sudo", "su do"),  # flags after a comment: matched alone
    ("(?x)  # a comment first\n(?i)SUDO", (BACKTRACKING,), "sudo", "sudx"),
    ("(?i)^SUDO", (BACKTRACKING, LINEAR), "sudo", "xsudo"),
    ("(?s)a.b", (BACKTRACKING, LINEAR), "a\nb", "ab"),
    ("(?m)rm$\\n", (BACKTRACKING, LINEAR), "rm\n", "rmx\n"),
    ("(?U)a+", (LINEAR,), "aa", "b"),  # RE2's ungreedy flag (Python has none)
]


def _policy(first: str, engine: str, action_type: str = "shell_execute") -> list[Pattern]:
    with regex_engine(engine):
        return [
            Pattern(action_type="shell_execute", pattern="ls", action="allow"),
            Pattern(action_type=action_type, pattern=first, action="deny"),
            Pattern(action_type="shell_execute", pattern="sudo", action="warn"),
        ]


@pytest.mark.parametrize("with_set", [True, False])
@pytest.mark.parametrize(
    ("engine", "pattern", "hit", "miss"),
    [(engine, pattern, hit, miss) for pattern, engines, hit, miss in FLAGGED for engine in engines],
)
def test_a_leading_flag_group_works_in_a_policy_as_alone(
    engine: str, pattern: str, hit: str, miss: str, with_set: bool
) -> None:
    patterns = _policy(pattern, engine)
    alone = patterns[1]
    assert alone.matches(hit) and not alone.matches(miss)
    idx = CompiledPolicy(patterns).index_for("shell_execute")
    assert idx is not None
    if not with_set:
        idx._set = None
    for target in (hit, miss, "ls", "sudo x"):
        first = next((p for p in patterns if p.matches(target)), None)
        entry = idx.first(target)
        assert (entry.pattern if entry else None) is first, (pattern, target)


@pytest.mark.parametrize(
    ("engine", "pattern", "shown"),
    [
        (BACKTRACKING, "(?L)sudo", "cannot use 'L' flag"),
        (LINEAR, "(?a)sudo", "inline flag `a`"),
        (LINEAR, "(?u)sudo", "inline flag `u`"),
        (LINEAR, "(?x)sudo", "inline flag `x`"),
        (LINEAR, "x(?ai:sudo)", "inline flag `a`"),
    ],
)
def test_a_flag_the_engine_lacks_is_refused_by_name(engine: str, pattern: str, shown: str) -> None:
    with regex_engine(engine), pytest.raises(ValueError) as err:
        Pattern(action_type="shell_execute", pattern=pattern, action="deny")
    assert pattern in str(err.value) and shown in str(err.value)
    if engine == LINEAR:
        assert isinstance(err.value, RegexRefused) and "RE2 reads i, m, s and U" in str(err.value)


def test_yaml_names_the_pattern_with_a_flag_re_lacks_by_line() -> None:
    text = (
        "name: flags\npatterns:\n"
        "  - {action_type: shell_execute, pattern: 'ls', action: allow}\n"
        "  - {action_type: shell_execute, pattern: '(?L)sudo', action: deny}\n"
    )
    errors = Policy.validate_yaml_string(text)
    assert len(errors) == 1 and "line 4" in errors[0] and "patterns[1].pattern" in errors[0]
    assert "(?L)sudo" in errors[0]


def test_a_session_pattern_with_a_flag_re2_lacks_is_refused_with_its_location() -> None:
    inline = {
        "name": "mine",
        "patterns": [
            {"id": "p0", "action_type": "shell_execute", "pattern": "ls", "action": "allow"},
            {"id": "p1", "action_type": "shell_execute", "pattern": "(?a)sudo", "action": "deny"},
        ],
    }
    spec = PolicySpec("mine", HANDLER, level="session", params={"inline": inline})
    with pytest.raises(GoalrailError) as err:
        compile_policy(spec, Registry.load())
    assert "(?a)sudo" in err.value.message and "inline flag `a`" in err.value.message
    assert err.value.errors[0]["loc"].startswith("factory_params.")


def test_an_operator_policy_with_an_ascii_flag_evaluates() -> None:
    policy = Policy(
        name="flags",
        patterns=[
            Pattern(action_type="shell_execute", pattern="ls", action="allow"),
            Pattern(action_type="shell_execute", pattern="(?a)sudo\\b", action="deny"),
        ],
    )
    assert policy.evaluate("shell_execute", "sudo rm").action == "deny"
    assert policy.evaluate("shell_execute", "ls -l").action == "allow"


@pytest.mark.parametrize("with_set", [True, False])
@pytest.mark.parametrize("glob", ["*", "data*", "database*", "database_*"])
@pytest.mark.parametrize("engine", [BACKTRACKING, LINEAR])
def test_a_glob_on_a_database_action_ignores_case_anchored_and_contains(engine: str, glob: str, with_set: bool) -> None:
    with regex_engine(engine):
        patterns = [
            Pattern(action_type=glob, pattern="DROP TABLE", action="deny"),  # anchored
            Pattern(action_type=glob, pattern=".*TRUNCATE.*", action="deny"),  # contains
            Pattern(action_type=glob, pattern="(?s).*GRANT.*", action="deny"),  # contains, own flags
        ]
    idx = CompiledPolicy(patterns).index_for("database_write")
    assert idx is not None
    if not with_set:
        idx._set = None
    for target, want in [
        ("drop table users", 0),
        ("DROP TABLE users", 0),
        ("delete; truncate users", 1),
        ("x TRUNCATE y", 1),
        ("a\ngrant all", 2),
        ("select 1", None),
    ]:
        entry = idx.first(target)
        assert (entry.index if entry else None) == want, (glob, target)


@pytest.mark.parametrize("engine", [BACKTRACKING, LINEAR])
def test_a_glob_on_other_actions_keeps_case(engine: str) -> None:
    with regex_engine(engine):
        patterns = [
            Pattern(action_type="*", pattern="SUDO", action="deny"),
            Pattern(action_type="*", pattern=".*REBOOT.*", action="deny"),
        ]
    idx = CompiledPolicy(patterns).index_for("shell_execute")
    assert idx is not None
    assert idx.first("sudo ls") is None and idx.first("x reboot") is None
    assert idx.first("SUDO ls") is not None and idx.first("x REBOOT") is not None


def test_one_branchs_multiline_flag_does_not_change_anothers_dollar_on_re2() -> None:
    """RE2 reads ``$`` for the whole regex: each branch is converted on its own."""
    with regex_engine(LINEAR):
        patterns = [
            Pattern(action_type="shell_execute", pattern="rm$", action="deny"),
            Pattern(action_type="shell_execute", pattern="(?m)ls$", action="deny"),
        ]
    assert patterns[0].matches("rm\n")  # `$` before a final newline, as in `re`
    for with_set in (True, False):
        idx = CompiledPolicy(patterns).index_for("shell_execute")
        assert idx is not None
        if not with_set:
            idx._set = None
        entry = idx.first("rm\n")
        assert entry is not None and entry.index == 0
