"""A local fake OpenAI-compatible upstream that reports token usage.

``python fake_openai.py PORT`` serves ``POST /v1/chat/completions`` (plain and
streamed, with a final usage chunk when ``stream_options.include_usage``) and
``GET /_requests`` (what it received, with the Authorization header it saw).
Every answer reports 600 prompt + 400 completion tokens.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

USAGE = {
    "prompt_tokens": 600,
    "completion_tokens": 400,
    "total_tokens": 1000,
    "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
    "completion_tokens_details": {
        "reasoning_tokens": 0,
        "audio_tokens": 0,
        "accepted_prediction_tokens": 0,
        "rejected_prediction_tokens": 0,
    },
}

app = FastAPI()
received: list[dict[str, Any]] = []


def completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake123",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None, "annotations": []},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": USAGE,
        "service_tier": "default",
        "system_fingerprint": "fp_fake",
    }


def chunks(model: str, words: list[str], include_usage: bool) -> list[dict[str, Any]]:
    base = {
        "id": "chatcmpl-fake456",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "service_tier": "default",
        "system_fingerprint": "fp_fake",
    }
    out = [
        {
            **base,
            "choices": [
                {
                    "index": 0,
                    "delta": {"role": "assistant", "content": "", "refusal": None},
                    "logprobs": None,
                    "finish_reason": None,
                }
            ],
        }
    ]
    out += [
        {**base, "choices": [{"index": 0, "delta": {"content": w}, "logprobs": None, "finish_reason": None}]}
        for w in words
    ]
    out.append({**base, "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}]})
    if include_usage:
        out.append({**base, "choices": [], "usage": USAGE})
    return out


@app.post("/v1/chat/completions")
async def chat(request: Request) -> Any:
    body = await request.json()
    received.append({"authorization": request.headers.get("authorization"), "body": body})
    model = body.get("model", "fake-gpt")
    last = (body.get("messages") or [{}])[-1].get("content", "")
    text = f"You said: {last}"
    if not body.get("stream"):
        return JSONResponse(completion(model, text))
    include = bool((body.get("stream_options") or {}).get("include_usage"))

    async def sse() -> AsyncIterator[bytes]:
        for chunk in chunks(model, [w + " " for w in text.split()], include):
            yield f"data: {json.dumps(chunk)}\n\n".encode()
        yield b"data: [DONE]\n\n"

    return StreamingResponse(sse(), media_type="text/event-stream")


@app.get("/_requests")
async def requests() -> list[dict[str, Any]]:
    return received


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
