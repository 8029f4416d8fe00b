"""A lower level's DENY never hides an attempt from a higher level that would end the session
(DESIGN decision 10), in the sync loop and the async one alike."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from goalrail.engine import evaluate
from goalrail.engine.chain import Chain, CompiledPolicy, compile_policy
from goalrail.engine.evaluate import aevaluate
from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry

REGISTRY = Registry.load()
PATTERNS = "goalrail.policies.builtins.patterns.pattern_policy"
RM = {
    "type": "tool_call",
    "target": "sys_os_shell",
    "data": {"name": "sys_os_shell", "arguments": {"command": "rm -rf /"}},
    "context": {"action": {"type": "shell_execute", "tool": "sys_os_shell", "target": "rm -rf /"}},
    "session_state": {},
}


def _patterns(name: str, level: str, mode: str, pattern: str = "rm -rf") -> CompiledPolicy:
    rule = {"action_type": "shell_execute", "pattern": pattern, "action": "deny", "violation_mode": mode}
    params = {"inline": {"name": name, "patterns": [{**rule, "severity": "critical"}]}}
    spec = PolicySpec(name, PATTERNS, level=level, params=params)  # type: ignore[arg-type]
    return compile_policy(spec, REGISTRY, require_registered=True)


async def _nothing(event: Any) -> None:
    return None


def _async_noop(level: str) -> CompiledPolicy:
    """An async policy that abstains: its chain takes the async loop."""
    spec = PolicySpec("noop", "tests.noop", level=level, kind="callable")  # type: ignore[arg-type]
    return CompiledPolicy(spec=spec, fn=_nothing, is_async=True, timeout_s=1.0, shadow=False, ns=f"{level}:noop")


def _run(chain: Chain, loop: str) -> Any:
    return evaluate(chain, RM) if loop == "sync" else asyncio.run(aevaluate(chain, RM))


@pytest.mark.parametrize("loop", ["sync", "async"])
@pytest.mark.parametrize("lower", ["session", "agent"])
def test_a_lower_deny_still_ends_the_session_a_higher_level_would_end(loop: str, lower: str) -> None:
    policies = [_patterns("mine", lower, "BLOCK"), _patterns("kill", "server", "SIGKILL")]
    if loop == "async":
        policies.append(_async_noop("server"))
    d = _run(Chain(policies), loop)
    assert d.result == "DENY" and d.policy == "mine" and d.end_session, d
    assert any(w.startswith("kill: ends the session") for w in d.warnings or []), d.warnings


@pytest.mark.parametrize("loop", ["sync", "async"])
def test_nothing_else_of_the_higher_level_applies(loop: str) -> None:
    """A higher level that would not deny (or deny without ending) changes nothing."""
    for other in (_patterns("elsewhere", "server", "SIGKILL", pattern="mkfs"), _patterns("block", "server", "BLOCK")):
        policies = [_patterns("mine", "session", "BLOCK"), other]
        if loop == "async":
            policies.append(_async_noop("server"))
        d = _run(Chain(policies), loop)
        assert d.result == "DENY" and d.policy == "mine" and not d.end_session and not d.warnings, d
