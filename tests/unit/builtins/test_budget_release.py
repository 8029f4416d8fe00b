"""A budget reservation is released only by the response to the request that made it.

The LLM proxy sends one event ``id`` with a call's ``llm_request`` and its ``llm_response``;
an agent posting ``llm_response`` events of its own (no id, a made-up one, or another
session's) must not free its budget: a $2 Opus budget with a $0.75 worst case per request
allows two requests in flight, whatever responses are posted in between.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.builtins.runtime_session import Session, make_runtime, spec

OPUS = "claude-opus-4-1"


def request(event_id: str | None) -> dict[str, Any]:
    data = {"model": OPUS, "max_tokens": 10_000, "messages": [{"role": "user", "content": "hi"}]}  # ~$0.754
    raw: dict[str, Any] = {"type": "llm_request", "data": data}
    return {**raw, "id": event_id} if event_id else raw


def response(event_id: str | None, usage: dict[str, int] | None = None) -> dict[str, Any]:
    raw: dict[str, Any] = {"type": "llm_response", "data": {"model": OPUS, "text": "ok"}}
    if usage is not None:
        raw["data"]["usage"] = usage
    return {**raw, "id": event_id} if event_id else raw


def session(handler: str = "cost_budget", sid: str = "s1", rt: Any = None) -> Session:
    rt = rt or make_runtime(spec("budget", f"cost.{handler}", max_cost_usd=2.0))
    return Session(rt, sid, model=OPUS)


@pytest.mark.parametrize("handler", ["cost_budget", "user_daily_cost_budget"])
@pytest.mark.parametrize("forged", ["no id", "made-up id"])
async def test_forged_responses_release_nothing(handler: str, forged: str) -> None:
    sim = session(handler)
    verdicts = []
    for i in range(5):
        verdicts.append((await sim.send(request(f"llm-{i:032x}"))).result)  # the proxy's ids
        assert (await sim.send(response(None if forged == "no id" else f"mine-{i}"))).result == "ALLOW"
    assert verdicts == ["ALLOW", "ALLOW", "DENY", "DENY", "DENY"]


@pytest.mark.parametrize("handler", ["cost_budget", "user_daily_cost_budget"])
async def test_a_replayed_response_releases_nothing_more(handler: str) -> None:
    sim = session(handler)
    assert (await sim.send(request("call-0"))).result == "ALLOW"
    assert (await sim.send(request("call-1"))).result == "ALLOW"
    await sim.send(response("call-0"))
    await sim.send(response("call-0"))
    assert (await sim.send(request("call-2"))).result == "ALLOW"
    assert (await sim.send(request("call-3"))).result == "DENY"


@pytest.mark.parametrize("handler", ["cost_budget", "user_daily_cost_budget"])
async def test_the_response_to_the_request_releases_it(handler: str) -> None:
    sim = session(handler)
    for i in range(5):
        assert (await sim.send(request(f"call-{i}"))).result == "ALLOW"
        await sim.send(response(f"call-{i}"))
    if handler == "cost_budget":
        state = sim.policy_state("budget")
        assert state["reserved_n"] == 0 and not [k for k, v in state.items() if k.startswith("held:")]


async def test_another_sessions_response_does_not_release_an_owners_reservation() -> None:
    """The daily budget's reservations are the owner's: a response posted in another of
    their sessions, with the same id, releases nothing."""
    rt = make_runtime(spec("budget", "cost.user_daily_cost_budget", max_cost_usd=2.0))
    a, b = session(sid="a", rt=rt), session(sid="b", rt=rt)
    assert (await a.send(request("call-0"))).result == "ALLOW"
    assert (await a.send(request("call-1"))).result == "ALLOW"
    await b.send(response("call-0"))
    assert (await a.send(request("call-2"))).result == "DENY"
    await a.send(response("call-0"))
    assert (await a.send(request("call-2"))).result == "ALLOW"


async def test_a_forged_responses_usage_counts_as_spend_and_releases_nothing() -> None:
    sim = session()
    assert (await sim.send(request("call-0"))).result == "ALLOW"
    await sim.send(response("mine", {"input_tokens": 10_000, "output_tokens": 0}))  # $0.15
    assert sim.usage["total_cost_usd"] == pytest.approx(0.15)
    assert sim.policy_state("budget")["reserved_n"] == 1
    assert (await sim.send(request("call-1"))).result == "ALLOW"  # 0.15 + 0.754 + 0.754 <= 2
    assert (await sim.send(request("call-2"))).result == "DENY"


async def test_requests_without_an_id_are_held_until_they_expire() -> None:
    sim = session()
    for _ in range(2):
        assert (await sim.send(request(None))).result == "ALLOW"
        await sim.send(response(None))
    assert (await sim.send(request(None))).result == "DENY"
