"""Policy evaluation: ordering, severities, modes, conditions, exceptions,
inheritance, dynamic changes, merge and stacks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from goalrail.patterns import AgentSignal, Pattern, Policy, PolicyStack, Severity, ViolationMode
from goalrail.patterns.model import PolicyChange

MON_10_UTC = datetime(2024, 6, 17, 10, 0, tzinfo=UTC).timestamp()
MON_23_UTC = datetime(2024, 6, 17, 23, 0, tzinfo=UTC).timestamp()
SAT_10_UTC = datetime(2024, 6, 22, 10, 0, tzinfo=UTC).timestamp()


def test_severity_orders_and_compares_with_names() -> None:
    assert Severity.LOW < Severity.MEDIUM < Severity.HIGH < Severity.CRITICAL
    assert Severity.CRITICAL == "critical" and Severity.HIGH == "HIGH" and Severity.HIGH != "low"
    assert Severity.HIGH > "medium" and Severity("low") is Severity.LOW and str(Severity.CRITICAL) == "critical"
    assert Severity.CRITICAL == 4 and {Severity.LOW: 1}[Severity.LOW] == 1
    with pytest.raises(ValueError, match="not one of low, medium"):
        Severity.coerce("extreme")


def test_violation_mode_accepts_names_and_signals() -> None:
    assert ViolationMode.coerce("SIGKILL") is ViolationMode.SIGKILL
    assert ViolationMode.coerce("log-only") is ViolationMode.LOG_ONLY
    assert ViolationMode.coerce(AgentSignal.SIGSTOP) is ViolationMode.SIGSTOP
    with pytest.raises(ValueError, match="sigterm"):
        ViolationMode.coerce("sigterm")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"action_type": "file_read", "pattern": "(", "action": "deny"},
            "not a valid regular expression",
        ),
        (
            {"action_type": "file_read", "pattern": "x", "action": "block"},
            "not one of allow, deny, warn",
        ),
        ({"action_type": "File Read", "pattern": "x"}, "lowercase action type"),
        (
            {"action_type": "file_read", "pattern": "x", "conditions": {"days": ["funday"]}},
            "not a weekday",
        ),
    ],
)
def test_pattern_validates_eagerly(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Pattern(**kwargs)


def test_auto_ids_are_stable() -> None:
    a = Pattern(action_type="file_read", pattern="x", action="deny")
    assert a.id == Pattern(action_type="file_read", pattern="x", action="deny").id
    assert a.id is not None and a.id.startswith("file_read_deny_")


def test_first_match_wins_but_critical_denies_come_first() -> None:
    policy = Policy(
        name="p",
        patterns=[
            Pattern(id="allow_all", action_type="file_read", pattern=".*", action="allow"),
            Pattern(
                id="high_secret",
                action_type="file_read",
                pattern=".*secret.*",
                action="deny",
                severity="high",
            ),
            Pattern(
                id="crit_key",
                action_type="file_read",
                pattern=r".*\.key$",
                action="deny",
                severity="critical",
            ),
        ],
    )
    assert policy.evaluate("file_read", "/a/secret.txt").pattern_id == "allow_all"  # HIGH is shadowed
    assert policy.evaluate("file_read", "/a/server.key").pattern_id == "crit_key"  # CRITICAL is not


def test_match_semantics_anchor_at_start_dotall_and_sql_case() -> None:
    policy = Policy(
        name="p",
        default_action="allow",
        patterns=[
            Pattern(id="prefix", action_type="file_write", pattern="/etc/", action="deny"),
            Pattern(id="sudo", action_type="shell_execute", pattern=".*sudo.*", action="deny"),
            Pattern(id="drop", action_type="database_execute", pattern=".*DROP TABLE.*", action="deny"),
        ],
    )
    assert policy.evaluate("file_write", "/etc/hosts").pattern_id == "prefix"
    assert policy.evaluate("file_write", "/home/etc/").pattern_id is None  # re.match: anchored at the start
    assert policy.evaluate("shell_execute", "echo\nsudo id").pattern_id == "sudo"
    assert policy.evaluate("database_execute", "drop table users").pattern_id == "drop"


def test_violation_modes_and_default_actions() -> None:
    def result(mode: str) -> tuple[bool, str, object]:
        p = Policy(
            name="m",
            violation_mode=mode,
            patterns=[Pattern(action_type="env_read", pattern=".*", action="deny")],
        )
        r = p.evaluate("env_read", "HOME")
        return r.allowed, r.verdict, r.signal

    assert result("sigkill") == (False, "DENY", AgentSignal.SIGKILL)
    assert result("sigstop") == (False, "ASK", AgentSignal.SIGSTOP)
    assert result("sigwarn") == (True, "ALLOW", AgentSignal.SIGWARN)
    assert result("log_only") == (True, "ALLOW", None)
    assert result("block") == (False, "DENY", None)
    assert Policy(name="d").evaluate("env_read", "X").allowed  # default allow
    warn = Policy(name="w", default_action="warn").evaluate("env_read", "X")
    assert warn.allowed and warn.action == "warn" and warn.pattern_id is None
    deny = Policy(name="x", default_action="deny").evaluate("env_read", "X")
    assert not deny.allowed and "default_action `deny`" in deny.reason


def test_time_windows_days_and_timezones() -> None:
    def policy(**conds: object) -> Policy:
        return Policy(
            name="t",
            default_action="deny",
            patterns=[
                Pattern(
                    id="w",
                    action_type="database_write",
                    pattern=".*",
                    action="allow",
                    conditions=dict(conds),
                )
            ],
        )

    business = policy(time_range={"start": "09:00", "end": "17:00"}, days=["mon", "tuesday"])
    assert business.evaluate("database_write", "x", {"now": MON_10_UTC}).allowed
    assert not business.evaluate("database_write", "x", {"now": MON_23_UTC}).allowed
    assert not business.evaluate("database_write", "x", {"now": SAT_10_UTC}).allowed
    night = policy(time_range={"start": "22:00", "end": "06:00"})
    assert night.evaluate("database_write", "x", {"now": MON_23_UTC}).allowed
    assert not night.evaluate("database_write", "x", {"now": MON_10_UTC}).allowed
    tokyo = policy(time_range={"start": "18:00", "end": "20:00"}, timezone="Asia/Tokyo")  # 10:00 UTC = 19:00 JST
    assert tokyo.evaluate("database_write", "x", {"now": datetime.fromtimestamp(MON_10_UTC, UTC)}).allowed


def test_rate_limit_is_per_session_and_slides() -> None:
    policy = Policy(
        name="r",
        default_action="deny",
        patterns=[
            Pattern(
                id="two",
                action_type="shell_execute",
                pattern=".*",
                action="allow",
                conditions={"max_operations_per_minute": 2},
            )
        ],
    )
    t = 1_000_000.0
    a = [policy.evaluate("shell_execute", "ls", {"session_id": "a", "now": t + i}).allowed for i in range(3)]
    assert a == [True, True, False]
    assert policy.evaluate("shell_execute", "ls", {"session_id": "b", "now": t + 3}).allowed
    assert policy.evaluate("shell_execute", "ls", {"session_id": "a", "now": t + 61}).allowed


def test_exceptions_expire_and_match_whole_agent_ids() -> None:
    policy = Policy(
        name="e",
        patterns=[
            Pattern(
                id="no_etc",
                action_type="file_write",
                pattern="/etc/.*",
                action="deny",
                severity="critical",
            )
        ],
        exceptions=[
            {
                "agent_pattern": "admin_.*",
                "patterns": ["no_etc"],
                "reason": "ops",
                "expires": "2024-12-31",
            }
        ],
    )
    before = datetime(2024, 12, 31, 23, 0, tzinfo=UTC).timestamp()
    after = datetime(2025, 1, 1, 0, 1, tzinfo=UTC).timestamp()
    ok = policy.evaluate("file_write", "/etc/x", {"agent_id": "admin_1", "now": before})
    assert ok.allowed and ok.exception == "admin_.*" and "ops" in ok.reason
    assert not policy.evaluate("file_write", "/etc/x", {"agent_id": "admin_1", "now": after}).allowed
    assert not policy.evaluate("file_write", "/etc/x", {"agent_id": "not_admin_1", "now": before}).allowed
    assert not policy.evaluate("file_write", "/etc/x", {"now": before}).allowed


def test_elevated_privileges_soften_non_critical_denies_for_that_agent_only() -> None:
    policy = Policy(
        name="e",
        patterns=[
            Pattern(
                id="high",
                action_type="database_delete",
                pattern=".*",
                action="deny",
                severity="high",
            ),
            Pattern(
                id="crit",
                action_type="file_write",
                pattern="/boot/.*",
                action="deny",
                severity="critical",
            ),
        ],
    )
    with policy.elevated_privileges("ops"):
        assert policy.evaluate("database_delete", "DELETE", {"agent_id": "ops"}).allowed
        assert not policy.evaluate("database_delete", "DELETE", {"agent_id": "dev"}).allowed
        assert not policy.evaluate("file_write", "/boot/x", {"agent_id": "ops"}).allowed
    assert not policy.evaluate("database_delete", "DELETE", {"agent_id": "ops"}).allowed


def test_dynamic_changes_notify_and_recompile() -> None:
    events: list[PolicyChange] = []
    policy = Policy(name="d", default_action="allow")
    off = policy.on_change(events.append)
    policy.add_pattern(Pattern(id="x", action_type="shell_execute", pattern="rm.*", action="deny"))
    assert not policy.evaluate("shell_execute", "rm a").allowed
    policy.disable_pattern("x")
    assert policy.evaluate("shell_execute", "rm a").allowed
    policy.enable_pattern("x")
    assert not policy.evaluate("shell_execute", "rm a").allowed
    assert policy.remove_pattern("x") and not policy.remove_pattern("x")
    assert not policy.disable_pattern("missing")
    off()
    policy.add_pattern(Pattern(id="y", action_type="shell_execute", pattern="y", action="deny"))
    assert [(e.change_type, e.pattern_id) for e in events] == [
        ("pattern_added", "x"),
        ("pattern_disabled", "x"),
        ("pattern_enabled", "x"),
        ("pattern_removed", "x"),
    ]
    with pytest.raises(ValueError, match="already has a pattern `y`"):
        policy.add_pattern(Pattern(id="y", action_type="file_read", pattern="y", action="deny"))


def test_inheritance_own_patterns_first_and_ids_hide_the_parent() -> None:
    parent = Policy(
        name="parent",
        default_action="deny",
        violation_mode="sigstop",
        patterns=[
            Pattern(id="shared", action_type="file_read", pattern=".*", action="deny"),
            Pattern(id="p_only", action_type="file_write", pattern=".*", action="allow"),
        ],
    )
    child = Policy(
        name="child",
        extends=parent,
        patterns=[Pattern(id="shared", action_type="file_read", pattern=".*", action="allow")],
    )
    assert child.evaluate("file_read", "/x").allowed
    assert child.evaluate("file_write", "/x").pattern_id == "p_only"
    assert child.evaluate("env_read", "X").verdict == "ASK"  # inherited default and mode
    parent.add_pattern(Pattern(id="late", action_type="env_read", pattern="X", action="allow"))
    assert child.evaluate("env_read", "X").pattern_id == "late"  # parent changes reach the child
    named = Policy(name="c2", extends="strict")
    assert named.evaluate("file_read", "/etc/passwd").pattern_id == "strict_read_system"


def _two() -> tuple[Policy, Policy]:
    a = Policy(
        name="a",
        default_action="allow",
        violation_mode="sigwarn",
        patterns=[
            Pattern(id="same", action_type="file_read", pattern=".*", action="allow", severity="low"),
            Pattern(id="a_only", action_type="file_write", pattern=".*", action="allow"),
        ],
    )
    b = Policy(
        name="b",
        default_action="deny",
        violation_mode="sigkill",
        patterns=[
            Pattern(id="same", action_type="file_read", pattern=".*", action="deny", severity="high"),
            Pattern(id="b_tmp", action_type="file_write", pattern="/tmp/.*", action="deny"),
        ],
    )
    return a, b


def test_merge_strategies() -> None:
    a, b = _two()
    strict = a.merge(b, strategy="strict")
    assert strict.evaluate("file_read", "/x").pattern_id == "same" and not strict.evaluate("file_read", "/x").allowed
    assert strict.evaluate("file_write", "/tmp/x").pattern_id == "b_tmp"  # deny ordered before a's allow
    assert strict.default_action == "deny" and strict.violation_mode is ViolationMode.SIGKILL
    permissive = a.merge(b, strategy="permissive")
    assert permissive.evaluate("file_read", "/x").allowed and permissive.evaluate("file_write", "/tmp/x").allowed
    assert permissive.default_action == "allow" and permissive.violation_mode is ViolationMode.SIGWARN
    override = a.merge(b, strategy="override")
    assert not override.evaluate("file_read", "/x").allowed and override.default_action == "deny"
    custom = a.merge(b, strategy="custom", conflict_resolver=lambda p1, p2: p1)
    assert custom.evaluate("file_read", "/x").allowed and custom.default_action == "allow"
    assert [p.id for p in a.patterns] == ["same", "a_only"]  # inputs untouched
    with pytest.raises(ValueError, match="conflict_resolver"):
        a.merge(b, strategy="custom")
    with pytest.raises(ValueError, match="not one of strict"):
        a.merge(b, strategy="union")


def test_policy_stack_first_layer_with_a_match_decides() -> None:
    top = Policy(
        name="top",
        patterns=[Pattern(id="t", action_type="file_read", pattern="/ok/.*", action="allow")],
    )
    base = Policy(
        name="base",
        default_action="deny",
        patterns=[Pattern(id="b", action_type="file_read", pattern=".*", action="deny", severity="high")],
    )
    stack = PolicyStack([top, base])
    assert stack.evaluate("file_read", "/ok/a").pattern_id == "t"
    assert stack.evaluate("file_read", "/no/a").pattern_id == "b"
    assert not stack.evaluate("env_read", "X").allowed  # the baseline's default
    stack.add_pattern(Pattern(id="new", action_type="env_read", pattern="X", action="allow"))
    assert stack.evaluate("env_read", "X").allowed and top.get_pattern("new") is not None
    assert stack.disable_pattern("b") and stack.evaluate("file_read", "/no/a").pattern_id is None
    assert PolicyStack(["read_only"]).evaluate("file_write", "/x").pattern_id == "read_only_write"
