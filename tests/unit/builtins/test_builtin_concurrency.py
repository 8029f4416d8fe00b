"""The stateful safety builtins stay exact under real concurrency (the runtime serializes a session)."""

from __future__ import annotations

import asyncio
from collections import Counter

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore

TOOL = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}


def _runtime(*specs: PolicySpec) -> Runtime:
    return Runtime(MemoryStore(), registry=Registry.load(), server_specs=list(specs))


async def test_200_parallel_calls_against_limit_50_allow_exactly_50() -> None:
    rt = _runtime(
        PolicySpec("cap", "goalrail.policies.builtins.safety.max_tool_calls_per_session", params={"limit": 50})
    )
    results = await asyncio.gather(*[rt.evaluate("s", TOOL) for _ in range(200)])
    assert Counter(r.result for r in results) == {"ALLOW": 50, "DENY": 150}


async def test_two_cap_instances_in_parallel_do_not_share_a_counter() -> None:
    rt = _runtime(
        PolicySpec(
            "admin_cap", "goalrail.policies.builtins.safety.max_tool_calls_per_session", "server", params={"limit": 30}
        ),
        PolicySpec(
            "user_cap", "goalrail.policies.builtins.safety.max_tool_calls_per_session", "server", params={"limit": 40}
        ),
    )
    results = await asyncio.gather(*[rt.evaluate("s", TOOL) for _ in range(100)])
    assert Counter(r.result for r in results) == {"ALLOW": 30, "DENY": 70}


async def test_rate_limit_in_parallel_allows_exactly_max_calls() -> None:
    rt = _runtime(
        PolicySpec(
            "rl", "goalrail.policies.builtins.safety.rate_limit", params={"max_calls": 20, "window_seconds": 3600}
        )
    )
    results = await asyncio.gather(*[rt.evaluate("s", TOOL) for _ in range(120)])
    assert Counter(r.result for r in results) == {"ALLOW": 20, "DENY": 100}
