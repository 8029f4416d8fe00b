"""Property: however in-flight LLM calls interleave, cost_budget never lets spend pass the limit.

Hypothesis picks a budget, the calls (prompt size, max_tokens, how much of it is
really used) and an interleaving of "request" and "finish" steps.  Everything
runs through the real runtime (serialized session, held/applied state, usage
priced by the PriceTable).  Invariants: spend ≤ max_cost_usd whenever real usage
stays within each call's reservation, and all reservations are released at the end.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goalrail.engine.spec import PolicySpec
from goalrail.runtime.runtime import Runtime
from goalrail.runtime.usage import usage_totals
from goalrail.store.memory import MemoryStore

MODEL = "claude-sonnet-4"  # $3/M input, $15/M output

CALL = st.tuples(st.integers(0, 40_000), st.integers(1, 8_000), st.floats(0.0, 1.0))


@st.composite
def scenario(draw: Any) -> tuple[float, list[tuple[int, int, float]], list[int]]:
    limit = draw(st.floats(0.05, 1.0))
    calls = draw(st.lists(CALL, min_size=1, max_size=12))
    # each call appears twice: first occurrence = request, second = finish
    order = draw(st.permutations([i for i in range(len(calls)) for _ in (0, 1)]))
    return limit, calls, list(order)


async def _run(limit: float, calls: list[tuple[int, int, float]], order: list[int]) -> None:
    spec = PolicySpec("budget", "goalrail.policies.builtins.cost.cost_budget", params={"max_cost_usd": limit})
    store = MemoryStore()
    rt = Runtime(store, server_specs=[spec])
    sid = "p"
    started: dict[int, bool] = {}
    for i in order:
        chars, max_tokens, used = calls[i]
        if i not in started:
            raw = {
                "id": f"call-{i}",
                "type": "llm_request",
                "data": {
                    "model": MODEL,
                    "max_tokens": max_tokens,
                    "messages": [{"role": "user", "content": "x" * chars}],
                },
            }
            out = await rt.evaluate(sid, raw, owner="u")
            started[i] = out.result == "ALLOW"
        elif started[i]:
            # real usage: at most the estimated prompt and the allowed output
            await rt.record_usage(sid, MODEL, input_tokens=chars // 4, output_tokens=int(max_tokens * used), owner="u")
            await rt.evaluate(sid, {"type": "llm_response", "id": f"call-{i}", "data": {"model": MODEL}}, owner="u")
        spent = usage_totals(store.sessions[sid].usage)["total_cost_usd"]
        assert spent <= limit + 1e-9, (spent, limit)
    state = store.sessions[sid].policy_states.get("server:budget", {})
    assert state.get("reserved_n", 0) == 0
    assert not [k for k, v in state.items() if k.startswith("reserved:") and v]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_interleaved_calls_never_overspend(case: tuple[float, list[tuple[int, int, float]], list[int]]) -> None:
    asyncio.run(_run(*case))
