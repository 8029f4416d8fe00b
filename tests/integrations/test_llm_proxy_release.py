"""Through the LLM proxy: a call's ``llm_request`` and ``llm_response`` carry one event ``id``,
so only the call's own response releases the budget's reservation for it — an agent posting
``llm_response`` events of its own while its calls are in flight frees nothing.  In-process,
the proxy evaluating through a real runtime, against an upstream that answers when told."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import httpx

from goalrail.integrations.llm_proxy.proxy import Call, LLMProxy
from goalrail.jsontypes import JsonObject
from goalrail.runtime.runtime import Runtime
from tests.unit.builtins.runtime_session import make_runtime, spec

OPUS = "claude-opus-4-1"
BODY = {"model": OPUS, "max_tokens": 10_000, "messages": [{"role": "user", "content": "hi"}]}  # ~$0.754 worst case


class RuntimeClient:
    """The proxy's Goalrail client, evaluating through ``rt`` (and keeping what it was sent)."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.events: list[Mapping[str, object]] = []

    async def evaluate(self, session: str, event: Mapping[str, object], **_: object) -> JsonObject:
        self.events.append(event)
        out = await self.rt.evaluate(session, dict(event), owner="alice")
        return {"result": out.result, "reason": out.decision.reason}

    async def aclose(self) -> None:
        pass


def proxy_for(client: RuntimeClient, answer_now: asyncio.Event) -> LLMProxy:
    async def answer(request: httpx.Request) -> httpx.Response:
        await answer_now.wait()
        body = {
            "model": OPUS,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10},
        }
        return httpx.Response(200, content=json.dumps(body).encode(), headers={"content-type": "application/json"})

    transport = httpx.MockTransport(answer)
    return LLMProxy(lambda r: client, "http://up/v1", upstream_transport=transport)  # type: ignore[arg-type,return-value]


async def test_forged_responses_do_not_release_calls_in_flight() -> None:
    rt = make_runtime(spec("budget", "cost.cost_budget", max_cost_usd=2.0))
    client, answer_now = RuntimeClient(rt), asyncio.Event()
    proxy = proxy_for(client, answer_now)
    calls: list[asyncio.Task[Any]] = []
    for i in range(5):
        call = Call(client, "t", "s")  # type: ignore[arg-type]
        calls.append(asyncio.create_task(proxy._chat(call, dict(BODY))))
        while len([e for e in client.events if e["type"] == "llm_request"]) <= i:
            await asyncio.sleep(0.005)
        forged = {"type": "llm_response", "id": f"mine-{i}", "data": {"model": OPUS, "text": "done"}}
        assert (await rt.evaluate("s", forged, owner="alice")).result == "ALLOW"
    await asyncio.sleep(0.01)
    answer_now.set()
    statuses = [r.status_code for r in await asyncio.gather(*calls)]
    assert statuses == [200, 200, 403, 403, 403]
    requests = [e for e in client.events if e["type"] == "llm_request"]
    responses = [e for e in client.events if e["type"] == "llm_response"]
    assert [e["id"] for e in responses] == [e["id"] for e in requests[:2]]  # one id per call
    state = rt.store.sessions["s"].policy_states["server:budget"]  # type: ignore[attr-defined]
    assert state["reserved_n"] == 0  # each call's own response released its reservation
    await proxy.aclose()
