"""An answer is spend even when its usage never reaches the proxy: a client that hangs up
after the last words (before the usage chunk, or Anthropic's ``message_delta``), an
upstream that sends no usage.  The ``llm_response`` then carries a generous estimate,
marked ``estimated``; a complete usage passes unchanged.  In-process, against a stub
Goalrail that records the events and an upstream that streams canned SSE."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from starlette.requests import Request

from goalrail.engine.tokens import tokens_of
from goalrail.integrations.llm_proxy.anthropic import AnthropicEndpoint
from goalrail.integrations.llm_proxy.proxy import Call, LLMProxy
from goalrail.jsontypes import JsonObject
from tests.unit.builtins.runtime_session import make_runtime, spec

PROMPT = [{"role": "user", "content": "x" * 4000}]  # ~1000 tokens
WORDS = ["word " * 40] * 10  # 2000 characters: ~500 tokens


class Recorder:
    def __init__(self) -> None:
        self.events: list[Mapping[str, object]] = []

    async def evaluate(self, session: str, event: Mapping[str, object], **_: object) -> JsonObject:
        self.events.append(event)
        return {"result": "ALLOW"}

    async def aclose(self) -> None:
        pass


def sse(events: list[Any], named: bool = False) -> bytes:
    out = ""
    for e in events:
        out += (f"event: {e['type']}\n" if named else "") + f"data: {json.dumps(e)}\n\n"
    return out.encode()


def openai_stream(usage: bool, model: str = "gpt-4o") -> bytes:
    base = {"id": "c", "object": "chat.completion.chunk", "model": model}
    chunks = [{**base, "choices": [{"index": 0, "delta": {"content": w}, "finish_reason": None}]} for w in WORDS]
    chunks.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    if usage:
        chunks.append({**base, "choices": [], "usage": {"prompt_tokens": 1000, "completion_tokens": 500}})
    return sse(chunks) + b"data: [DONE]\n\n"


def anthropic_stream() -> bytes:
    start = {"id": "m", "model": "claude-opus-4-1", "usage": {"input_tokens": 1000, "output_tokens": 1}}
    events: list[Any] = [{"type": "message_start", "message": start}]
    events.append({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})
    events += [{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": w}} for w in WORDS]
    events.append({"type": "content_block_stop", "index": 0})
    events.append({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 500}})
    events.append({"type": "message_stop"})
    return sse(events, named=True)


def proxy_for(content: bytes, recorder: Recorder) -> LLMProxy:
    def answer(request: httpx.Request) -> httpx.Response:
        media = "text/event-stream" if json.loads(request.content).get("stream") else "application/json"
        return httpx.Response(200, content=content, headers={"content-type": media})

    transport = httpx.MockTransport(answer)
    return LLMProxy(lambda r: recorder, "http://up/v1", anthropic_upstream="http://up", upstream_transport=transport)  # type: ignore[arg-type,return-value]


async def read(response: Any, hang_up_after: bytes | None) -> None:
    """Read the relayed stream; hang up (close it, as a client's disconnect does) after a line."""
    body = response.body_iterator
    async for chunk in body:
        if hang_up_after is not None and hang_up_after in chunk:
            break
    await body.aclose()


async def counted(recorder: Recorder) -> dict[str, int]:
    # the accounting runs in a task of its own: wait for its event (was: a fixed 50 ms sleep,
    # which a loaded machine can outlast), then a moment more for a second one, which must not come
    for _ in range(3000):
        if any(e.get("type") == "llm_response" for e in recorder.events):
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    (event,) = [e for e in recorder.events if e.get("type") == "llm_response"]
    data = event["data"]
    assert isinstance(data, dict)
    tokens = tokens_of(data.get("usage"))
    assert tokens is not None
    return tokens


@pytest.mark.parametrize("case", ["hang-up before the usage chunk", "upstream sends no usage"])
async def test_openai_stream_without_usage_is_counted_as_an_estimate(case: str) -> None:
    rec = Recorder()
    proxy = proxy_for(openai_stream(usage=case.startswith("hang")), rec)
    body = {"model": "gpt-4o", "stream": True, "messages": PROMPT}
    await read(await proxy._chat(Call(rec, "t", "s"), body), b'"finish_reason": "stop"')  # type: ignore[arg-type]
    tokens = await counted(rec)
    assert tokens["input_tokens"] >= 1000 and tokens["output_tokens"] >= 500, tokens


async def test_openai_complete_usage_is_unchanged() -> None:
    rec = Recorder()
    proxy = proxy_for(openai_stream(usage=True), rec)
    body = {"model": "gpt-4o", "stream": True, "messages": PROMPT}
    await read(await proxy._chat(Call(rec, "t", "s"), body), None)  # type: ignore[arg-type]
    event = rec.events[-1]["data"]
    assert isinstance(event, dict) and event["usage"] == {"prompt_tokens": 1000, "completion_tokens": 500}


async def test_openai_answer_without_usage_is_counted_as_an_estimate() -> None:
    rec = Recorder()
    answer = {"model": "gpt-4o", "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(WORDS)}}]}
    proxy = proxy_for(json.dumps(answer).encode(), rec)
    await proxy._chat(Call(rec, "t", "s"), {"model": "gpt-4o", "messages": PROMPT})  # type: ignore[arg-type]
    tokens = await counted(rec)
    assert tokens["input_tokens"] >= 1000 and tokens["output_tokens"] >= 500, tokens


async def test_anthropic_hang_up_before_message_delta_counts_the_output() -> None:
    rec = Recorder()
    proxy = proxy_for(anthropic_stream(), rec)
    endpoints = AnthropicEndpoint(proxy)
    request = Request({"type": "http", "method": "POST", "path": "/v1/messages", "query_string": b"", "headers": []})
    body = {"model": "claude-opus-4-1", "stream": True, "max_tokens": 1000, "messages": PROMPT}
    response = await endpoints._messages(Call(rec, "t", "s"), request, body, "llm-proxy")  # type: ignore[arg-type]
    await read(response, b"content_block_stop")
    tokens = await counted(rec)
    assert tokens["input_tokens"] == 1000 and tokens["output_tokens"] >= 500, tokens


@pytest.mark.parametrize(
    "bad",
    [
        {"prompt_tokens": 1000.0, "completion_tokens": 500},
        {"prompt_tokens": "1000"},
        {"x": 1},
        {"prompt_tokens": 0, "completion_tokens": 0},
    ],
)
async def test_a_usage_the_server_cannot_count_is_replaced_by_an_estimate(bad: dict[str, Any]) -> None:
    rec = Recorder()
    answer = {"model": "gpt-4o", "choices": [{"index": 0, "message": {"content": "".join(WORDS)}}], "usage": bad}
    proxy = proxy_for(json.dumps(answer).encode(), rec)
    await proxy._chat(Call(rec, "t", "s"), {"model": "gpt-4o", "messages": PROMPT})  # type: ignore[arg-type]
    tokens = await counted(rec)  # tokens_of would raise on the upstream's own usage: the event would be refused
    assert tokens["input_tokens"] >= 1000 and tokens["output_tokens"] >= 500, tokens


class RuntimeGoalrail(Recorder):
    """Goalrail in-process: a real runtime with a $0.15 session budget."""

    def __init__(self) -> None:
        super().__init__()
        self.rt = make_runtime(spec("cost", "cost.cost_budget", max_cost_usd=0.15))

    async def evaluate(self, session: str, event: Mapping[str, object], **_: object) -> JsonObject:
        if session not in self.rt.store.sessions:
            await self.rt.store.ensure_session(session, owner="alice")
        out = await self.rt.evaluate(session, dict(event), owner="alice")
        return {"result": out.result, "reason": out.decision.reason, "policy": out.decision.policy}


async def test_hanging_up_before_the_usage_does_not_escape_the_budget() -> None:
    """Each call is ~$0.05 on Opus (1,000 in, 500 out); the worst case of the next one
    ($0.09) crosses the $0.15 limit after two: the third is refused (on main, never)."""
    goalrail = RuntimeGoalrail()
    proxy = proxy_for(openai_stream(usage=True, model="claude-opus-4-1"), goalrail)  # type: ignore[arg-type]
    body = {"model": "claude-opus-4-1", "stream": True, "max_tokens": 1000, "messages": PROMPT}
    statuses = []
    for _ in range(4):
        response = await proxy._chat(Call(goalrail, "t", "s"), body)  # type: ignore[arg-type]
        statuses.append(response.status_code)
        if response.status_code == 200:
            await read(response, b'"finish_reason": "stop"')
    assert statuses == [200, 200, 403, 403], statuses
