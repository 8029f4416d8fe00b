"""OpenAI chat-completions payloads ⇄ Goalrail events.  Pure functions."""

from __future__ import annotations

import json
from typing import Any

HARNESS = "llm-proxy"


def request_event(body: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"model": body.get("model"), "messages": body.get("messages") or []}
    if body.get("tools"):
        data["tools"] = body["tools"]
    max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
    if max_tokens is not None:
        data["max_tokens"] = max_tokens
    return {"type": "llm_request", "data": data, "context": {"harness": HARNESS}}


def apply_rewrite(body: dict[str, Any], data: object) -> dict[str, Any]:
    """A policy may replace parts of the request (``data``: model, messages, tools, max_tokens)."""
    if not isinstance(data, dict):
        return body
    out = dict(body)
    for key in ("model", "messages", "tools"):
        if key in data and data[key] is not None:
            out[key] = data[key]
    if data.get("max_tokens") is not None:
        out["max_completion_tokens" if "max_completion_tokens" in body else "max_tokens"] = data["max_tokens"]
    return out


def response_data(
    model: str | None,
    text: str | None,
    tool_calls: list[Any] | None,
    usage: dict[str, Any] | None,
    stop_reason: object = None,
) -> dict[str, Any]:
    """An ``llm_response`` event's ``data``: the model, and what of text, calls, stop reason and usage there is."""
    data: dict[str, Any] = {"model": model}
    if text is not None:
        data["text"] = text
    if tool_calls:
        data["tool_calls"] = tool_calls
    if stop_reason is not None:
        data["stop_reason"] = stop_reason
    if usage:
        data["usage"] = usage
    return data


def response_event(
    model: str | None,
    text: str | None,
    tool_calls: list[Any] | None,
    usage: dict[str, Any] | None,
    *,
    event_id: str | None = None,
) -> dict[str, Any]:
    """The ``llm_response`` event; its ``usage`` is counted by the server (once per ``event_id``)."""
    data = response_data(model, text, tool_calls, usage)
    event: dict[str, Any] = {"type": "llm_response", "data": data, "context": {"harness": HARNESS}}
    if event_id is not None:
        event["id"] = event_id
    return event


def from_completion(body: dict[str, Any]) -> tuple[str | None, str | None, list[Any], dict[str, Any] | None]:
    """(model, text, tool_calls, usage) of a non-streamed completion."""
    choices = body.get("choices") or []
    message = (choices[0] or {}).get("message") or {} if choices else {}
    content = message.get("content")
    text = content if isinstance(content, str) else None
    return body.get("model"), text, list(message.get("tool_calls") or []), body.get("usage")


class StreamAccumulator:
    """Collects text, tool calls and usage from ``chat.completion.chunk`` SSE lines."""

    def __init__(self) -> None:
        self.model: str | None = None
        self.parts: list[str] = []
        self.tool_calls: dict[int, dict[str, Any]] = {}
        self.usage: dict[str, Any] | None = None

    def feed_line(self, line: str) -> None:
        if not line.startswith("data:"):
            return
        payload = line[5:].strip()
        if not payload or payload == "[DONE]":
            return
        try:
            chunk = json.loads(payload)
        except ValueError:
            return
        self.model = chunk.get("model") or self.model
        if chunk.get("usage"):
            self.usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if isinstance(delta.get("content"), str):
                self.parts.append(delta["content"])
            for call in delta.get("tool_calls") or []:
                slot = self.tool_calls.setdefault(
                    int(call.get("index", 0)), {"function": {"name": "", "arguments": ""}}
                )
                fn = call.get("function") or {}
                slot["id"] = call.get("id") or slot.get("id")
                slot["function"]["name"] += fn.get("name") or ""
                slot["function"]["arguments"] += fn.get("arguments") or ""

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def calls(self) -> list[dict[str, Any]]:
        return [self.tool_calls[i] for i in sorted(self.tool_calls)]


def is_usage_only_chunk(line: str) -> bool:
    """A ``data:`` line holding the final usage chunk (``choices: []``), sent only on request."""
    if not line.startswith("data:") or '"usage"' not in line:
        return False
    try:
        chunk = json.loads(line[5:].strip())
    except ValueError:
        return False
    return isinstance(chunk, dict) and not chunk.get("choices") and bool(chunk.get("usage"))


def error_body(message: str, *, type_: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def describe(verdict: dict[str, Any]) -> str:
    policy = verdict.get("policy")
    reason = str(verdict.get("reason") or verdict.get("result"))
    if policy and reason.startswith(f"{policy}: "):
        reason = reason[len(policy) + 2 :]
    return f"Goalrail ({policy}): {reason}" if policy else f"Goalrail: {reason}"
