"""State written by a policy is visible to its own level and those below, never above
(DESIGN decision 10): the reproduction of issue 10's risk-score bypass, and the rule for
every kind of state a policy can write (session state, user state, labels)."""

from __future__ import annotations

import asyncio
import itertools
import sys
import types
from typing import Any

import pytest

from goalrail.config.agent import AgentSpec
from goalrail.engine.levels import view
from goalrail.engine.spec import PolicySpec
from goalrail.errors import GoalrailError
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore

RISK = "goalrail.policies.builtins.risk.risk_score_policy"
GUARD = {"threshold": 10, "escalate_action": "DENY", "tool_points": {"sys_os_shell": 5}}
SHELL = {"type": "tool_call", "target": "sys_os_shell", "data": {"arguments": {"command": "ls"}}}
MODULE = "goalrail_test_level_writers"


def _writer(event: Any) -> Any:
    """A session policy doing its worst to what levels above read."""
    return {
        "result": "ALLOW",
        "state_updates": [
            {"key": "risk_score", "action": "set", "value": -(10**9)},
            {"key": "seen", "action": "set", "value": "session"},
            {"key": "quota", "action": "set", "value": 0, "scope": "user"},
        ],
        "set_labels": {"env": "dev"},
    }


def _reader(event: Any) -> Any:
    """DENYs when it reads what a session policy wrote (at whatever level it is placed)."""
    seen = (
        event["session_state"].get("seen"),
        event["context"]["user_state"].get("quota"),
        event["context"]["labels"].get("env"),
    )
    return {"result": "DENY", "reason": f"read {seen}"} if seen != (None, None, None) else None


@pytest.fixture(scope="module")
def registry() -> Registry:
    module = types.ModuleType(MODULE)
    module._writer = _writer  # type: ignore[attr-defined]
    module._reader = _reader  # type: ignore[attr-defined]
    module.POLICY_REGISTRY = [  # type: ignore[attr-defined]
        {"handler": f"{MODULE}._writer", "kind": "callable", "name": "writer"},
        {"handler": f"{MODULE}._reader", "kind": "callable", "name": "reader"},
    ]
    sys.modules[MODULE] = module
    return Registry.load([MODULE])


def _runtime(registry: Registry, server: list[PolicySpec], agent: list[PolicySpec] | None = None) -> Runtime:
    clock = itertools.count(1_800_000_000)
    return Runtime(
        MemoryStore(),
        registry=registry,
        server_specs=server,
        agents={"bot": AgentSpec("bot", policies=agent or [])},
        clock=lambda: float(next(clock)),
    )


async def _run(rt: Runtime, session: list[PolicySpec], events: list[dict[str, Any]]) -> list[str]:
    await rt.store.ensure_session("s", owner="alice", agent="bot")
    for spec in session:
        await rt.store.add_session_policy("s", spec)
    actor = {"run_as": "alice"}
    return [(await rt.evaluate("s", e, agent="bot", actor=actor)).result for e in events]


def test_issue_reproduction_negative_initial_score_is_refused(registry: Registry) -> None:
    """The exact parameters of the report no longer validate (scores only add risk)."""
    with pytest.raises(GoalrailError, match="initial_scores_by_actor"):
        registry.validate(RISK, {"initial_scores_by_actor": {"alice": -1000000000}})


def test_a_session_write_does_not_reach_the_admin_guard(registry: Registry) -> None:
    """The class behind the report: a session policy writing the key the admin's guard reads."""
    rt = _runtime(registry, [PolicySpec("admin_guard", RISK, level="server", params=GUARD)])
    session = [PolicySpec("mine", f"{MODULE}._writer", level="session")]
    events = [{"type": "request", "data": "hi"}] + [SHELL] * 30
    results = asyncio.run(_run(rt, session, events))
    assert results[1:3] == ["ALLOW", "DENY"]  # 5, then 10 = the threshold
    assert results.count("DENY") == 29


@pytest.mark.parametrize("reader_level", ["agent", "server"])
def test_nothing_a_session_policy_writes_is_read_above(registry: Registry, reader_level: str) -> None:
    reader = PolicySpec("reader", f"{MODULE}._reader", level=reader_level)  # type: ignore[arg-type]
    rt = _runtime(registry, [reader] if reader_level == "server" else [], [reader] if reader_level == "agent" else [])
    session = [PolicySpec("mine", f"{MODULE}._writer", level="session")]
    assert asyncio.run(_run(rt, session, [{"type": "request", "data": "hi"}] * 3)) == ["ALLOW"] * 3


def test_a_session_policy_reads_its_own_writes_and_those_above(registry: Registry) -> None:
    session = [
        PolicySpec("mine", f"{MODULE}._writer", level="session"),
        PolicySpec("reader", f"{MODULE}._reader", level="session"),
    ]
    rt = _runtime(registry, [])
    assert asyncio.run(_run(rt, session, [{"type": "request", "data": "hi"}] * 2)) == ["ALLOW", "DENY"]


def test_views_per_level() -> None:
    stored = {"k": 1, "@agent/k": 2, "@session/k": 3, "@agent/a": "x", "@session/@agent/a": "s"}
    assert view(stored, "server") == {"k": 1}
    assert view(stored, "agent") == {"k": 2, "a": "x"}
    # a session key that looks like a tier stays in the session tier
    assert view(stored, "session") == {"k": 3, "a": "x", "@agent/a": "s"}


def test_labels_given_at_creation_cannot_pose_as_a_lower_level(registry: Registry) -> None:
    rt = _runtime(registry, [])
    with pytest.raises(GoalrailError, match="reserved prefix"):
        asyncio.run(rt.evaluate("s2", {"type": "request", "data": "hi"}, labels={"@agent/env": "dev"}))


def test_a_lower_level_cannot_keep_a_question_open_longer() -> None:
    from goalrail.engine.chain import Chain, CompiledPolicy
    from goalrail.engine.context import build_event, normalize_event
    from goalrail.engine.evaluate import evaluate
    from goalrail.engine.snapshot import Snapshot

    def asking(timeout: float) -> Any:
        return lambda event: {"result": "ASK", "reason": "?", "ask_timeout_s": timeout}

    policies = [
        CompiledPolicy(PolicySpec(n, "t.x", level=lvl), asking(t), False, 5.0, False, f"{lvl}:{n}")  # type: ignore[arg-type]
        for n, lvl, t in (("mine", "session", 86400.0), ("admin", "server", 60.0))
    ]
    event = build_event(normalize_event({"type": "request", "data": "hi"}), Snapshot("s"))
    assert evaluate(Chain(policies), event).ask_timeout_s == 60.0
