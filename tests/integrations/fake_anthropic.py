"""A local fake Anthropic Messages upstream that reports token usage.

``python fake_anthropic.py PORT`` serves ``POST /v1/messages`` (plain and
streamed as Anthropic does: message_start, content_block_start/delta/stop,
message_delta with usage, message_stop), ``POST /v1/messages/count_tokens`` and
``GET /_requests`` (what it received: body, query and the headers that matter).

Every answer reports 600 input, 400 output, 100 cache-read and 50 cache-write
tokens.  A message mentioning "weather" is answered with a ``get_weather``
tool_use; the model ``overloaded-model`` gets Anthropic's 529 overloaded error.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

USAGE = {
    "input_tokens": 600,
    "cache_creation_input_tokens": 50,
    "cache_read_input_tokens": 100,
    "output_tokens": 400,
    "service_tier": "standard",
}
app = FastAPI()
received: list[dict[str, Any]] = []


def _last_text(body: dict[str, Any]) -> str:
    content = (body.get("messages") or [{}])[-1].get("content", "")
    if isinstance(content, list):
        return " ".join(b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text")
    return str(content)


def _blocks(text: str) -> list[dict[str, Any]]:
    if "weather" in text:
        return [
            {"type": "text", "text": "Let me check."},
            {"type": "tool_use", "id": "toolu_fake1", "name": "get_weather", "input": {"city": "Paris"}},
        ]
    return [{"type": "text", "text": f"You said: {text}"}]


def _sse(kind: str, data: dict[str, Any]) -> bytes:
    return f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode()


async def _stream(model: str, blocks: list[dict[str, Any]]) -> AsyncIterator[bytes]:
    start = {**USAGE, "output_tokens": 1}
    message = {
        "id": "msg_fake456",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": start,
    }
    yield _sse("message_start", {"type": "message_start", "message": message})
    for i, block in enumerate(blocks):
        if block["type"] == "text":
            yield _sse(
                "content_block_start",
                {"type": "content_block_start", "index": i, "content_block": {"type": "text", "text": ""}},
            )
            yield _sse("ping", {"type": "ping"})
            for word in block["text"].split(" "):
                delta = {"type": "text_delta", "text": word + " "}
                yield _sse("content_block_delta", {"type": "content_block_delta", "index": i, "delta": delta})
        else:
            opened = {**block, "input": {}}
            yield _sse("content_block_start", {"type": "content_block_start", "index": i, "content_block": opened})
            raw = json.dumps(block["input"])
            for part in (raw[: len(raw) // 2], raw[len(raw) // 2 :]):
                delta = {"type": "input_json_delta", "partial_json": part}
                yield _sse("content_block_delta", {"type": "content_block_delta", "index": i, "delta": delta})
        yield _sse("content_block_stop", {"type": "content_block_stop", "index": i})
    stop = "tool_use" if any(b["type"] == "tool_use" for b in blocks) else "end_turn"
    delta = {
        "type": "message_delta",
        "delta": {"stop_reason": stop, "stop_sequence": None},
        "usage": {"output_tokens": 400},
    }
    yield _sse("message_delta", delta)
    yield _sse("message_stop", {"type": "message_stop"})


def _record(request: Request, body: Any) -> None:
    headers = {k: request.headers.get(k) for k in ("x-api-key", "authorization", "anthropic-version", "anthropic-beta")}
    received.append({"path": request.url.path, "query": request.url.query, "headers": headers, "body": body})


@app.post("/v1/messages")
async def messages(request: Request) -> Any:
    body = await request.json()
    _record(request, body)
    model = body.get("model", "claude-sonnet-4-6")
    if model == "overloaded-model":
        error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
        return JSONResponse(error, status_code=529)
    blocks = _blocks(_last_text(body))
    if body.get("stream"):
        return StreamingResponse(_stream(model, blocks), media_type="text/event-stream")
    stop = "tool_use" if any(b["type"] == "tool_use" for b in blocks) else "end_turn"
    return JSONResponse(
        {
            "id": "msg_fake123",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": blocks,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": USAGE,
        }
    )


@app.post("/v1/messages/count_tokens")
async def count_tokens(request: Request) -> Any:
    body = await request.json()
    _record(request, body)
    return JSONResponse({"input_tokens": 4242})


@app.get("/_requests")
async def requests() -> list[dict[str, Any]]:
    return received


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
