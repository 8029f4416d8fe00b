"""The pattern_policy builtin: params, verdict mapping, action types, state, hot reload."""

from __future__ import annotations

import inspect
import logging
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from goalrail.engine import PolicySpec, compile_chain, evaluate
from goalrail.engine.actions import ACTION_TYPES, ActionMapper
from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.snapshot import Snapshot
from goalrail.errors import InvalidParams
from goalrail.policies.builtins.patterns import POLICY_REGISTRY, pattern_policy
from goalrail.policies.declare import plain
from goalrail.policies.files import FileAccess, operator_scope
from goalrail.policies.registry import Registry

HANDLER = "goalrail.policies.builtins.patterns.pattern_policy"


def _event(
    tool: str,
    now: float = 1_000.0,
    mapper: ActionMapper | None = None,
    phase: str = "tool_call",
    agent: str | None = None,
    policy_state: dict[str, Any] | None = None,
    **arguments: Any,
) -> dict[str, Any]:
    raw: dict[str, Any] = {"type": phase, "target": tool, "data": {"arguments": arguments}}
    if agent:
        raw["context"] = {"agent": agent}
    kwargs: dict[str, Any] = {"now": now}
    if mapper is not None:
        kwargs["mapper"] = mapper
    ev = dict(build_event(normalize_event(raw), Snapshot("s1"), **kwargs))
    ev["policy_state"] = policy_state or {}
    return ev


def test_registry_schema_matches_the_factory_defaults() -> None:
    entry = Registry.load().require(HANDLER)
    sig = inspect.signature(pattern_policy)
    props = entry.params_schema["properties"]
    assert set(props) == set(sig.parameters)
    for name, param in sig.parameters.items():
        if "default" in props[name]:
            assert props[name]["default"] == plain(param.default)
    assert entry.defaults() == {
        "options": {},
        "criteria": [],
        "merge": [],
        "reload_interval_s": 1.0,
    }
    assert POLICY_REGISTRY[0]["params_schema"]["additionalProperties"] is False


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "exactly one of"),
        ({"policy": "strict", "path": "x.yaml"}, "exactly one of"),
        ({"policy": "lenient"}, "not one of"),
        ({"policy": "strict", "options": {"age_group": "high"}}, "apply to templates"),
        ({"policy": "k12_safe", "options": {"age_group": "toddler"}}, "not one of elementary"),
        (
            {
                "inline": {
                    "name": "x",
                    "patterns": [{"action_type": "file_read", "pattern": "(", "action": "deny"}],
                }
            },
            "invalid regular expression",
        ),
        ({"path": "/nonexistent/policy.yaml"}, "server file"),
        ({"policy": "strict", "reload_interval_s": -1}, "non-negative"),
        (
            {"inline": {"name": "x"}, "merge": [{"policy": "strict", "strategy": "custom"}]},
            "conflict_resolver",
        ),
    ],
)
def test_bad_params_fail_eagerly(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pattern_policy(**params)


def test_inline_errors_name_locations_not_lines() -> None:
    bad = {
        "name": "x",
        "patterns": [{"id": "a", "action_type": "file_read", "pattern": "x", "action": "nope"}],
    }
    with pytest.raises(ValueError) as info:
        pattern_policy(inline=bad)
    assert str(info.value).startswith("inline policy: patterns[0].action: `nope` is not one of")
    assert "line " not in str(info.value).replace("inline ", "")


def test_registry_validation_rejects_two_sources() -> None:
    with pytest.raises(InvalidParams):
        compile_chain(
            [PolicySpec("pp", HANDLER, params={"policy": "strict", "inline": {"name": "x"}})],
            Registry.load(),
        )


def test_every_action_type_is_matched_through_the_action_mapper() -> None:
    mapper = ActionMapper({f"mcp__sys__{t}": t for t in ACTION_TYPES})
    inline = {
        "name": "all_types",
        "patterns": [
            {
                "id": f"deny_{t}",
                "action_type": t,
                "pattern": "^target-.*",
                "action": "deny",
                "severity": "high",
            }
            for t in ACTION_TYPES
        ],
    }
    check = pattern_policy(inline=inline)
    for t in ACTION_TYPES:
        v = f"target-{t}"
        out = check(_event(f"mcp__sys__{t}", mapper=mapper, command=v, file_path=v, path=v, url=v, sql=v))
        assert out is not None and out["result"] == "DENY", t
        assert f"deny_{t}" in out["reason"] and "(high)" in out["reason"]
        assert out["metadata"]["pattern_id"] == f"deny_{t}"
        assert (
            check(
                _event(
                    f"mcp__sys__{t}",
                    mapper=mapper,
                    command="o",
                    file_path="o",
                    path="o",
                    url="o",
                    sql="o",
                )
            )
            is None
        )


def test_verdict_mapping_metadata_and_abstentions() -> None:
    check = pattern_policy(
        inline={
            "name": "m",
            "patterns": [
                {
                    "id": "logged",
                    "action_type": "shell_execute",
                    "pattern": "curl.*",
                    "action": "deny",
                    "violation_mode": "log_only",
                },
                {
                    "id": "killed",
                    "action_type": "shell_execute",
                    "pattern": "mkfs.*",
                    "action": "deny",
                    "violation_mode": "sigkill",
                },
                {
                    "id": "noted",
                    "action_type": "shell_execute",
                    "pattern": "git.*",
                    "action": "warn",
                    "severity": "low",
                },
            ],
        }
    )
    logged = check(_event("Bash", command="curl x"))
    assert logged is not None and logged["result"] == "ALLOW" and logged["metadata"]["logged"] is True
    assert logged["metadata"]["violation_mode"] == "log_only" and "warning" not in logged
    killed = check(_event("Bash", command="mkfs /dev/sda"))
    assert killed is not None and killed["result"] == "DENY" and killed["end_session"] is True
    assert killed["metadata"]["signal"] == "SIGKILL"
    noted = check(_event("Bash", command="git push"))
    assert noted is not None and noted["result"] == "ALLOW" and "noted" in noted["warning"]
    assert check(_event("Bash", phase="tool_result", command="mkfs x")) is None
    assert check(_event("mcp__unmapped__tool", command="mkfs x")) is None


def test_reasons_never_echo_the_target() -> None:
    check = pattern_policy(policy="strict")
    out = check(_event("Bash", command="sudo echo sk-live-SECRET123"))
    assert out is not None and "SECRET123" not in out["reason"]


def test_rate_limit_state_lives_in_policy_state() -> None:
    check = pattern_policy(
        inline={
            "name": "r",
            "default_action": "deny",
            "patterns": [
                {
                    "id": "two",
                    "action_type": "shell_execute",
                    "pattern": ".*",
                    "action": "allow",
                    "conditions": {"max_operations_per_minute": 2},
                }
            ],
        }
    )
    first = check(_event("Bash", now=100.0, command="ls"))
    assert first is not None and first["state_updates"] == [
        {"key": "rate:r/two", "action": "append", "value": 100.0, "scope": "policy", "max_len": 2}
    ]
    full = {"rate:r/two": [90.0, 99.0]}
    assert check(_event("Bash", now=100.0, policy_state=full, command="ls"))["result"] == "DENY"  # type: ignore[index]
    assert check(_event("Bash", now=151.0, policy_state=full, command="ls"))["result"] == "ALLOW"  # type: ignore[index]


def test_engine_end_to_end_with_exceptions_from_the_agent() -> None:
    inline = {
        "name": "exc",
        "patterns": [
            {
                "id": "no_etc",
                "action_type": "file_write",
                "pattern": "/etc/.*",
                "action": "deny",
                "severity": "critical",
                "violation_mode": "sigkill",
            }
        ],
        "exceptions": [{"agent_pattern": "ops_.*", "patterns": ["no_etc"], "expires": "2999-01-01"}],
    }
    chain = compile_chain([PolicySpec("pp", HANDLER, params={"inline": inline})], Registry.load())
    ok = evaluate(chain, _event("Write", agent="ops_1", file_path="/etc/motd", content="x"))
    assert ok.result == "ALLOW" and "exception" in (ok.reason or "")
    no = evaluate(chain, _event("Write", agent="dev_1", file_path="/etc/motd", content="x"))
    assert no.result == "DENY" and no.end_session and "no_etc" in (no.reason or "")


def _admin_policy(path: Path, **params: Any) -> Any:
    """pattern_policy(path=...) as the server builds it from its config (policy_dirs: the file's dir)."""
    with operator_scope(FileAccess.under([path.parent])):
        return pattern_policy(path=str(path), **params)


def _write(path: Path, text: str, mtime: float) -> None:
    path.write_text(text)
    os.utime(path, (mtime, mtime))


HOT = "name: hot\npatterns:\n  - {action_type: shell_execute, "
V1 = HOT + "id: v1, pattern: 'rm.*', action: deny}\n"
V2 = HOT + "id: v2_rule, pattern: 'rm.*', action: warn}\n"
BAD = "name: hot\npatterns:\n  - {id: v3, action_type: shell_execute, pattern: 'rm(', action: deny}\n"


def test_hot_reload_picks_up_a_valid_change_after_the_interval(tmp_path: Path) -> None:
    path = tmp_path / "hot.yaml"
    _write(path, V1, 1_000)
    check = _admin_policy(path)
    assert check(_event("Bash", now=10.0, command="rm x"))["reason"].count("v1") == 1  # type: ignore[index]
    _write(path, V2, 2_000)
    assert "v1" in check(_event("Bash", now=10.5, command="rm x"))["reason"]  # type: ignore[index]  # not yet checked
    out = check(_event("Bash", now=11.1, command="rm x"))
    assert out is not None and out["result"] == "ALLOW" and "v2_rule" in out["reason"]


def test_hot_reload_keeps_the_old_version_when_the_new_one_is_invalid(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "hot.yaml"
    _write(path, V1, 1_000)
    check = _admin_policy(path, reload_interval_s=0)
    _write(path, BAD, 2_000)
    with caplog.at_level(logging.WARNING, logger="goalrail.policies.patterns"):
        out = check(_event("Bash", now=20.0, command="rm x"))
    assert out is not None and out["result"] == "DENY" and "v1" in out["reason"]
    warning = " ".join(r.getMessage() for r in caplog.records)
    # where the problem is, never what the file says there
    assert "keeping the previous version" in warning and "line 3 (patterns[0].pattern)" in warning
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="goalrail.policies.patterns"):
        check(_event("Bash", now=21.0, command="rm x"))
    assert not caplog.records  # the same rejected file is not re-read and re-reported
    _write(path, V2, 3_000)
    assert "v2_rule" in check(_event("Bash", now=22.0, command="rm x"))["reason"]  # type: ignore[index]


def test_hot_reload_under_concurrent_evaluation(tmp_path: Path) -> None:
    path = tmp_path / "hot.yaml"
    _write(path, V1, 1_000)
    check = _admin_policy(path, reload_interval_s=0)
    seen: set[str] = set()
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker(n: int) -> None:
        try:
            start.wait()
            for i in range(200):
                out = check(_event("Bash", now=float(n * 1000 + i), command="rm x"))
                assert out is not None
                seen.add(out["metadata"]["pattern_id"])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    _write(path, V2, 2_000)
    for t in threads:
        t.join()
    assert not errors and seen <= {"v1", "v2_rule"}
    assert check(_event("Bash", now=99_999.0, command="rm x"))["metadata"]["pattern_id"] == "v2_rule"  # type: ignore[index]


def test_hot_reload_survives_the_file_disappearing(tmp_path: Path) -> None:
    path = tmp_path / "hot.yaml"
    _write(path, V1, 1_000)
    check = _admin_policy(path, reload_interval_s=0)
    path.unlink()
    assert "v1" in check(_event("Bash", now=5.0, command="rm x"))["reason"]  # type: ignore[index]
