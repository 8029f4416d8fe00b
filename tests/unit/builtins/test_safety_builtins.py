"""safety: max_tool_calls_per_session, ask_on_os_tools, block_skills, enforce_sandbox,
deny_pii_in_llm_request, rate_limit."""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.engine import PolicySpec, compile_chain, evaluate
from goalrail.engine.state import apply_update, split_updates
from goalrail.policies.builtins import safety
from tests.unit.builtins.builtin_events import make_event, shell_event, tool_event

# --- max_tool_calls_per_session ---------------------------------------------------


def test_max_tool_calls_default_limit_is_100() -> None:
    policy = safety.max_tool_calls_per_session()
    assert policy(tool_event("Read", {"file_path": "x"}, policy_state={"tool_calls": 99}))["result"] == "ALLOW"
    out = policy(tool_event("Read", {"file_path": "x"}, policy_state={"tool_calls": 100}))
    assert out["result"] == "DENY" and "100" in out["reason"]


def test_max_tool_calls_increments_in_policy_scope() -> None:
    out = safety.max_tool_calls_per_session(limit=2)(shell_event("ls"))
    assert out == {
        "result": "ALLOW",
        "state_updates": [{"key": "tool_calls", "action": "increment", "value": 1, "scope": "policy"}],
    }


def test_max_tool_calls_ignores_other_phases_and_zero_limit_denies_all() -> None:
    assert safety.max_tool_calls_per_session(limit=1)(make_event("request", None, "hi")) is None
    assert safety.max_tool_calls_per_session(limit=0)(shell_event("ls"))["result"] == "DENY"


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True, None])
def test_max_tool_calls_validates_limit(bad: Any) -> None:
    with pytest.raises(ValueError, match="limit"):
        safety.max_tool_calls_per_session(limit=bad)


def test_max_tool_calls_end_to_end_two_instances_do_not_collide() -> None:
    chain = compile_chain(
        [
            PolicySpec(
                "cap_a",
                "goalrail.policies.builtins.safety.max_tool_calls_per_session",
                "server",
                {"limit": 2},
            ),
            PolicySpec(
                "cap_b",
                "goalrail.policies.builtins.safety.max_tool_calls_per_session",
                "session",
                {"limit": 3},
            ),
        ]
    )
    states: dict[str, dict[str, Any]] = {}
    verdicts = []
    for _ in range(4):
        d = evaluate(chain, shell_event("ls"), states)
        verdicts.append(d.result)
        _, per_policy, _ = split_updates(d.state_updates)
        for ns, upds in per_policy.items():
            for u in upds:
                apply_update(states.setdefault(ns, {}), u)
    assert verdicts == ["ALLOW", "ALLOW", "DENY", "DENY"]
    assert states["server:cap_a"]["tool_calls"] == 2
    assert states["session:cap_b"]["tool_calls"] == 2  # denied calls never count


# --- ask_on_os_tools ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "args", "shown"),
    [
        ("Bash", {"command": "ls -la"}, "sys_os_shell: ls -la"),
        ("Read", {"file_path": "/etc/hosts"}, "sys_os_read: /etc/hosts"),
        ("Write", {"file_path": "a.txt", "content": "x"}, "sys_os_write: a.txt"),
        ("Edit", {"file_path": "b.py"}, "sys_os_edit: b.py"),
        ("MultiEdit", {"file_path": "c.py"}, "sys_os_edit: c.py"),
        ("sys_os_delete", {"path": "d"}, "sys_os_delete: d"),
        ("sys_os_shell", "echo hi", "sys_os_shell: echo hi"),
        ("read_many_files", {"paths": ["a.py", "/etc/shadow"]}, "sys_os_read: 2 targets: a.py, /etc/shadow"),
    ],
)
def test_ask_on_os_tools(tool: str, args: Any, shown: str) -> None:
    assert safety.ask_on_os_tools(tool_event(tool, args)) == {"result": "ASK", "reason": shown}


def test_ask_on_os_tools_previews_are_short_and_hide_secrets() -> None:
    long = safety.ask_on_os_tools(shell_event("echo " + "x" * 500))
    assert len(long["reason"]) < 110 and long["reason"].endswith("…")
    secret = safety.ask_on_os_tools(shell_event("export KEY=AKIAIOSFODNN7EXAMPLE"))
    assert "AKIA" not in secret["reason"] and "secret" in secret["reason"]


def test_ask_on_os_tools_ignores_others() -> None:
    assert safety.ask_on_os_tools(tool_event("WebFetch", {"url": "https://x.io"})) is None
    assert safety.ask_on_os_tools(tool_event("mcp__github__get_me", {})) is None
    assert safety.ask_on_os_tools(make_event("request", None, "run ls")) is None
    assert safety.ask_on_os_tools(tool_event("Bash", {}))["reason"] == "sys_os_shell needs approval"


# --- block_skills -----------------------------------------------------------------------


def test_block_skills_tool_calls_case_insensitive() -> None:
    policy = safety.block_skills(blocked=["Deploy", "/pdf"])
    assert policy(tool_event("load_skill", {"name": "deploy"}))["result"] == "DENY"
    assert policy(tool_event("read_skill_file", {"skill_name": "PDF", "path": "x"}))["result"] == "DENY"
    assert policy(tool_event("Skill", {"skill": "myplugin:deploy"}))["result"] == "DENY"
    assert policy(tool_event("SlashCommand", {"command": "/deploy now"}))["result"] == "DENY"
    assert policy(tool_event("Read", {"file_path": "/home/u/.claude/skills/deploy/SKILL.md"}))["result"] == "DENY"
    assert policy(tool_event("load_skill", {"name": "deploy-docs"})) is None
    assert policy(tool_event("Skill", {"skill": "review"})) is None
    assert policy(tool_event("Read", {"file_path": "docs/deploy.md"})) is None


def test_block_skills_slash_commands_in_requests() -> None:
    policy = safety.block_skills(blocked=["deploy"])
    out = policy(make_event("request", None, "  /DEPLOY prod please"))
    assert out == {"result": "DENY", "reason": "skill `deploy` is blocked"}
    assert policy(make_event("request", None, {"user_content": "/deploy", "attachments": []}))["result"] == "DENY"
    assert policy(make_event("request", None, "please /deploy")) is None
    assert policy(make_event("request", None, "/deployment notes")) is None
    assert policy(make_event("request", None, "/")) is None


@pytest.mark.parametrize("bad", [[], [""], "deploy", None, [1]])
def test_block_skills_validates(bad: Any) -> None:
    with pytest.raises(ValueError):
        safety.block_skills(blocked=bad)


# --- enforce_sandbox ----------------------------------------------------------------------


def test_enforce_sandbox_defaults_on_session_start() -> None:
    out = safety.enforce_sandbox()(make_event("session_start", None, {"agent": "a"}))
    assert out["result"] == "ALLOW"
    assert out["data"] == {"agent": "a", "sandbox": {"type": "linux_bwrap", "allow_network": True}}


def test_enforce_sandbox_all_params_and_sys_agent_start() -> None:
    policy = safety.enforce_sandbox(
        sandbox_type="docker",
        allow_network=False,
        write_paths=["/work"],
        read_paths=["/work", "/usr"],
        env_passthrough=["PATH"],
    )
    out = policy(tool_event("sys_agent_start", {"spec": "x", "sandbox": {"type": "none"}}))
    assert out["result"] == "ALLOW"
    assert out["data"]["name"] == "sys_agent_start"
    assert out["data"]["arguments"] == {
        "spec": "x",
        "sandbox": {
            "type": "docker",
            "allow_network": False,
            "write_paths": ["/work"],
            "read_paths": ["/work", "/usr"],
            "env_passthrough": ["PATH"],
        },
    }
    assert policy(shell_event("ls")) is None
    assert policy(make_event("request", None, "hi")) is None


def test_enforce_sandbox_only_makes_stricter() -> None:
    existing = {
        "type": "linux_bwrap",
        "allow_network": False,
        "write_paths": ["/work/repo"],
        "env_passthrough": ["PATH", "HOME"],
        "custom": 1,
    }
    out = safety.enforce_sandbox(
        allow_network=True, write_paths=["/work", "/tmp"], env_passthrough=["PATH", "AWS_SECRET"]
    )(make_event("session_start", None, {"sandbox": existing}))
    box = out["data"]["sandbox"]
    assert box["allow_network"] is False  # cannot re-enable the network
    assert box["write_paths"] == ["/work/repo"]  # /tmp not added; /work narrowed to the existing subtree
    assert box["env_passthrough"] == ["PATH"]
    assert box["custom"] == 1


def test_enforce_sandbox_chained_policies_compose_stricter() -> None:
    chain = compile_chain(
        [
            PolicySpec(
                "user_box",
                "goalrail.policies.builtins.safety.enforce_sandbox",
                "session",
                {"allow_network": False},
            ),
            PolicySpec(
                "admin_box",
                "goalrail.policies.builtins.safety.enforce_sandbox",
                "server",
                {"allow_network": True, "write_paths": ["/work"]},
            ),
        ]
    )
    d = evaluate(chain, make_event("session_start", None, {}))
    assert d.result == "ALLOW"
    assert d.data["sandbox"] == {
        "type": "linux_bwrap",
        "allow_network": False,
        "write_paths": ["/work"],
    }


@pytest.mark.parametrize(
    "params",
    [
        {"sandbox_type": "none"},
        {"allow_network": "yes"},
        {"write_paths": "/x"},
        {"env_passthrough": [1]},
    ],
)
def test_enforce_sandbox_validates(params: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        safety.enforce_sandbox(**params)


# --- deny_pii_in_llm_request ----------------------------------------------------------------


def test_pii_request_text_and_attachments() -> None:
    policy = safety.deny_pii_in_llm_request()
    out = policy(
        make_event(
            "request",
            None,
            {
                "user_content": "my card is 4111 1111 1111 1111",
                "attachments": [
                    {"filename": "a.txt", "text": "ssn 536-90-4412, mail a@b.io"},
                    "bob@x.io",
                ],
            },
        )
    )
    assert out["result"] == "DENY"
    assert out["reason"] == "message contains credit_card (1), email (2), ssn (1)"
    for secret in ("4111", "536-90", "a@b.io"):
        assert secret not in str(out)


def test_pii_llm_request_all_messages_and_blocks() -> None:
    policy = safety.deny_pii_in_llm_request()
    data = {
        "model": "m",
        "messages": [
            {"role": "system", "content": "be nice"},
            {"role": "user", "content": [{"type": "text", "text": "key AKIAIOSFODNN7EXAMPLE"}]},
            {"role": "assistant", "content": "ok"},
            {
                "role": "tool",
                "content": [{"type": "tool_result", "content": [{"type": "text", "text": "x@y.io"}]}],
            },
        ],
        "system": "call +1 415 555 2671",
    }
    out = policy(make_event("llm_request", None, data))
    assert out["result"] == "DENY"
    # Tool results are not scanned by default (an email in `git log` output must not block the session).
    assert out["reason"] == "LLM request contains aws_access_key (1), phone (1)"
    everything = safety.deny_pii_in_llm_request(scan_roles=["user", "system", "tool"])
    out = everything(make_event("llm_request", None, data))
    assert out["reason"] == "LLM request contains aws_access_key (1), email (1), phone (1)"
    assert out["metadata"] == {
        "pii_types": ["aws_access_key", "email", "phone"],
        "pii_counts": {"aws_access_key": 1, "email": 1, "phone": 1},
    }
    only_tools = safety.deny_pii_in_llm_request(scan_roles=["tool"])
    assert only_tools(make_event("llm_request", None, data))["reason"] == "LLM request contains email (1)"
    with pytest.raises(ValueError, match="scan_roles"):
        safety.deny_pii_in_llm_request(scan_roles=["robot"])


def test_pii_types_filter_and_ask_action() -> None:
    policy = safety.deny_pii_in_llm_request(pii_types=["ssn"], action="ASK")
    assert policy(make_event("request", None, "mail a@b.io")) is None
    assert policy(make_event("request", None, "ssn 536 90 4412"))["result"] == "ASK"
    secrets_only = safety.deny_pii_in_llm_request(pii_types=["secrets"])
    assert secrets_only(make_event("request", None, "mail a@b.io")) is None
    assert secrets_only(make_event("request", None, f"token ghp_{'a' * 36}"))["result"] == "DENY"


def test_pii_clean_and_other_phases_abstain() -> None:
    policy = safety.deny_pii_in_llm_request()
    assert policy(make_event("request", None, "refactor the parser please")) is None
    assert policy(make_event("llm_request", None, {"model": "m", "messages": []})) is None
    assert policy(shell_event("echo a@b.io")) is None
    assert policy(make_event("llm_response", None, {"model": "m", "text": "a@b.io"})) is None


@pytest.mark.parametrize(
    "params",
    [
        {"action": "deny"},
        {"action": "ALLOW"},
        {"pii_types": []},
        {"pii_types": ["nope"]},
        {"pii_types": "email"},
    ],
)
def test_pii_validates(params: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        safety.deny_pii_in_llm_request(**params)


# --- rate_limit ---------------------------------------------------------------------------------


def test_rate_limit_sliding_window() -> None:
    policy = safety.rate_limit(max_calls=2, window_seconds=60)
    out = policy(shell_event("ls", now=100.0))
    assert out == {
        "result": "ALLOW",
        "state_updates": [{"key": "calls", "action": "append", "value": 100.0, "scope": "policy", "max_len": 2}],
    }
    full = {"calls": [100.0, 130.0]}
    denied = policy(shell_event("ls", now=150.0, policy_state=full))
    assert denied["result"] == "DENY"
    assert denied["reason"] == "rate limit: 2 calls per 60 s reached; retry in 10 s"
    assert policy(shell_event("ls", now=160.5, policy_state=full))["result"] == "ALLOW"


def test_rate_limit_tool_pattern_on_canonical_names() -> None:
    policy = safety.rate_limit(max_calls=1, window_seconds=10, tool_pattern="sys_os_*")
    state = {"calls": [5.0]}
    assert policy(tool_event("Bash", {"command": "ls"}, now=6.0, policy_state=state))["result"] == "DENY"
    assert "to `sys_os_*`" in policy(tool_event("Read", {"file_path": "x"}, now=6.0, policy_state=state))["reason"]
    assert policy(tool_event("WebFetch", {"url": "u"}, now=6.0, policy_state=state)) is None
    assert policy(make_event("request", None, "hi")) is None


def test_rate_limit_end_to_end_with_engine_state() -> None:
    chain = compile_chain(
        [
            PolicySpec(
                "rl",
                "goalrail.policies.builtins.safety.rate_limit",
                "server",
                {"max_calls": 3, "window_seconds": 10},
            )
        ]
    )
    states: dict[str, dict[str, Any]] = {}
    out = []
    for t in (0, 1, 2, 3, 9, 10.5, 11, 12):
        d = evaluate(chain, shell_event("ls", now=float(t)), states)
        out.append(d.result)
        for ns, upds in split_updates(d.state_updates)[1].items():
            for u in upds:
                apply_update(states.setdefault(ns, {}), u)
    assert out == ["ALLOW", "ALLOW", "ALLOW", "DENY", "DENY", "ALLOW", "ALLOW", "ALLOW"]
    assert len(states["server:rl"]["calls"]) == 3  # bounded by max_len


@pytest.mark.parametrize(
    "params",
    [
        {"max_calls": 0, "window_seconds": 1},
        {"max_calls": 1, "window_seconds": 0},
        {"max_calls": 1, "window_seconds": float("inf")},
        {"max_calls": 1, "window_seconds": 1, "tool_pattern": ""},
        {"max_calls": True, "window_seconds": 1},
    ],
)
def test_rate_limit_validates(params: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        safety.rate_limit(**params)
