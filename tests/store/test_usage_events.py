"""An ``llm_response`` carrying ``usage`` is spend: counted once per event, in the
event's own transaction, on every store (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from goalrail.engine.spec import PolicySpec
from goalrail.errors import InvalidEvent
from goalrail.policies.pricing import PriceTable
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime

REGISTRY = Registry.load()
# $1 per million input tokens, $10 per million output, $0.10 cache read, $1.25 cache write
PRICES = PriceTable.from_config(
    {
        "overrides": {
            "test-model": {"input": 1.0, "output": 10.0, "cache_read": 0.1, "cache_write": 1.25},
        }
    }
)
OPENAI_USAGE = {
    "prompt_tokens": 1000,
    "completion_tokens": 100,
    "total_tokens": 1100,
    "prompt_tokens_details": {"cached_tokens": 400},
}
ANTHROPIC_USAGE = {
    "input_tokens": 600,
    "output_tokens": 100,
    "cache_read_input_tokens": 400,
    "cache_creation_input_tokens": 200,
    "service_tier": "standard",
}
# 600 × $1 + 100 × $10 + 400 × $0.10 (per million) = $0.00164; Anthropic adds 200 × $1.25
OPENAI_COST = 0.00164
ANTHROPIC_COST = 0.00189


def runtime(store: Any, *specs: PolicySpec) -> Runtime:
    return Runtime(store, registry=REGISTRY, server_specs=list(specs), prices=PRICES)


def response(usage: Any, *, event_id: str | None = None, model: str = "test-model") -> dict[str, Any]:
    event: dict[str, Any] = {"type": "llm_response", "data": {"model": model, "text": "ok", "usage": usage}}
    if event_id is not None:
        event["id"] = event_id
    return event


async def totals(rt: Runtime, session: str) -> dict[str, Any]:
    async with rt.store.transaction(session) as tx:
        return dict((await tx.snapshot(user_day="2026-01-01")).usage)


async def test_openai_and_anthropic_usage_become_priced_spend(store: Any) -> None:
    rt = runtime(store)
    await rt.evaluate("s1", response(OPENAI_USAGE), owner="alice")
    await rt.evaluate("s1", response(ANTHROPIC_USAGE), owner="alice")
    records = await store.usage_records("s1")
    got = [(r.model, r.input_tokens, r.output_tokens, r.cache_read_tokens, r.cache_write_tokens) for r in records]
    assert got == [("test-model", 600, 100, 400, 0), ("test-model", 600, 100, 400, 200)]
    assert [r.cost_usd for r in records] == pytest.approx([OPENAI_COST, ANTHROPIC_COST])
    t = await totals(rt, "s1")
    assert t["llm_calls"] == 2 and t["total_cost_usd"] == pytest.approx(OPENAI_COST + ANTHROPIC_COST)


@pytest.fixture
def installed_prices() -> Any:
    return PRICES  # the runtime hands its table to the cost builtins with each event


async def test_the_next_event_sees_the_spend(store: Any, installed_prices: Any) -> None:
    spec = PolicySpec(
        name="budget",
        handler="goalrail.policies.builtins.cost.cost_budget",
        params={"max_cost_usd": 0.002},
        kind="factory",
    )
    rt = runtime(store, spec)
    request = {"type": "llm_request", "data": {"model": "test-model", "messages": [], "max_tokens": 10}}
    assert (await rt.evaluate("s2", request, owner="alice")).result == "ALLOW"
    await rt.evaluate("s2", response(OPENAI_USAGE), owner="alice")
    await rt.evaluate("s2", response(OPENAI_USAGE), owner="alice")  # $0.00328 spent ≥ $0.002
    denied = await rt.evaluate("s2", request, owner="alice")
    assert denied.result == "DENY" and denied.decision.policy == "budget"


async def test_an_event_id_is_counted_once_even_under_concurrent_retries(store: Any) -> None:
    rt = runtime(store)
    retries = [rt.evaluate("s3", response(OPENAI_USAGE, event_id="resp-1"), owner="alice") for _ in range(8)]
    outcomes = await asyncio.gather(*retries)
    assert {o.result for o in outcomes} == {"ALLOW"}  # every retry is answered
    await rt.evaluate("s3", response(OPENAI_USAGE, event_id="resp-2"), owner="alice")
    await rt.evaluate("s3", response(OPENAI_USAGE), owner="alice")  # no id: each event counts
    await rt.evaluate("s3", response(OPENAI_USAGE), owner="alice")
    assert len(await store.usage_records("s3")) == 4
    # ids are per session: the same id in another session is another call
    await rt.evaluate("s4", response(OPENAI_USAGE, event_id="resp-1"), owner="alice")
    assert len(await store.usage_records("s4")) == 1


async def test_usage_counts_whatever_the_verdict(store: Any) -> None:
    deny = PolicySpec(name="deny", handler="store_policies.deny_phase", params={}, kind="factory")
    rt = runtime(store, deny)
    outcome = await rt.evaluate("s5", response(OPENAI_USAGE), owner="alice")
    assert outcome.result == "DENY"  # the answer is withheld, but the tokens were spent
    assert [r.cost_usd for r in await store.usage_records("s5")] == pytest.approx([OPENAI_COST])


async def test_no_usage_or_zero_tokens_records_nothing(store: Any) -> None:
    rt = runtime(store)
    await rt.evaluate("s6", {"type": "llm_response", "data": {"model": "test-model", "text": "hi"}}, owner="alice")
    await rt.evaluate("s6", response({}), owner="alice")
    await rt.evaluate("s6", response({"input_tokens": 0, "output_tokens": 0}), owner="alice")
    await rt.evaluate("s6", {"type": "tool_call", "target": "Bash", "data": {"usage": OPENAI_USAGE}}, owner="alice")
    assert await store.usage_records("s6") == []


async def test_an_unpriced_model_is_recorded_as_unpriced(store: Any) -> None:
    rt = runtime(store)
    await rt.evaluate("s7", response({"input_tokens": 10, "output_tokens": 5}, model="no-such-model-xyz"))
    t = await totals(rt, "s7")
    assert t["unpriced_tokens"] == 15 and t["total_cost_usd"] is None


@pytest.mark.parametrize(
    "usage",
    [
        "lots",
        {"input_tokens": -1},
        {"input_tokens": "10"},
        {"prompt_tokens": 5, "prompt_tokens_details": [1]},
        {"tokens": 5},
    ],
)
async def test_malformed_usage_is_refused_and_counts_nothing(store: Any, usage: Any) -> None:
    rt = runtime(store)
    with pytest.raises(InvalidEvent) as bad:
        await rt.evaluate("s8", response(usage), owner="alice")
    assert bad.value.errors[0]["loc"] == "data.usage"
    assert await store.usage_records("s8") == []


async def test_a_trace_import_does_not_count_event_usage(store: Any) -> None:
    rt = runtime(store)
    await rt.evaluate("s9", response(OPENAI_USAGE), owner="alice", count_usage=False)
    assert await store.usage_records("s9") == []
