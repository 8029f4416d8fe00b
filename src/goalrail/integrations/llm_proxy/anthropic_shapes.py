"""Anthropic Messages payloads ⇄ Goalrail events.  Pure functions.

The ``llm_request`` event carries the request as Anthropic sent it (``model``,
``messages`` with their content blocks, ``system``, ``tools``, ``max_tokens``),
which the builtins read (PII scans every text leaf, budgets estimate the
prompt, routing reads the last user text).  The ``llm_response`` event carries
the answer's text, its ``tool_use`` blocks as tool calls (the OpenAI proxy's
shape: ``{"id", "function": {"name", "arguments"}}``), ``stop_reason`` and
``usage`` as Anthropic reported it (counted by the server).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from goalrail.integrations.llm_proxy.shapes import HARNESS, ImageWatch, response_data
from goalrail.jsontypes import JsonObject, JsonValue
from goalrail.policies.redact import redact


def request_event(body: JsonObject, harness: str = HARNESS, event_id: str | None = None) -> JsonObject:
    """The ``llm_request`` event; ``event_id`` as in :func:`.shapes.request_event`."""
    data: JsonObject = {"model": body.get("model"), "messages": body.get("messages") or []}
    if body.get("system"):
        data["system"] = body["system"]
    if body.get("tools"):
        data["tools"] = body["tools"]
    if body.get("max_tokens") is not None:
        data["max_tokens"] = body["max_tokens"]
    event: JsonObject = {"type": "llm_request", "data": data, "context": {"harness": harness}}
    if event_id is not None:
        event["id"] = event_id
    return event


def apply_rewrite(body: JsonObject, data: object) -> JsonObject:
    """A policy may replace ``model``, ``messages``, ``system``, ``tools`` or ``max_tokens``."""
    if not isinstance(data, dict):
        return body
    out = dict(body)
    for key in ("model", "messages", "system", "tools", "max_tokens"):
        if key in data and data[key] is not None:
            out[key] = data[key]
    return out


def _tool_call(block: Mapping[str, JsonValue], arguments: str | None = None) -> JsonObject:
    args = arguments if arguments is not None else json.dumps(block.get("input") or {}, separators=(",", ":"))
    return {"id": block.get("id"), "type": "function", "function": {"name": block.get("name") or "", "arguments": args}}


def from_message(body: Mapping[str, JsonValue]) -> tuple[JsonValue, str, list[JsonValue], JsonObject | None, JsonValue]:
    """(model, text, tool_calls, usage, stop_reason) of a non-streamed message."""
    parts: list[str] = []
    calls: list[JsonValue] = []
    content = body.get("content")
    for block in content if isinstance(content, list) else []:
        if not isinstance(block, dict):
            continue
        text = block.get("text")
        if block.get("type") == "text" and isinstance(text, str):
            parts.append(text)
        elif block.get("type") in ("tool_use", "server_tool_use"):
            calls.append(_tool_call(block))
    given = body.get("usage")
    usage = given if isinstance(given, dict) else None
    return body.get("model"), "".join(parts), calls, usage, body.get("stop_reason")


def response_event(
    model: JsonValue,
    text: str | None,
    tool_calls: list[JsonValue],
    usage: JsonValue,
    stop_reason: JsonValue,
    event_id: str,
    harness: str = HARNESS,
) -> JsonObject:
    data = response_data(model, text, tool_calls, usage, stop_reason)
    return {"type": "llm_response", "id": event_id, "data": data, "context": {"harness": harness}}


class StreamAccumulator:
    """Collects the message from Anthropic SSE lines (``event:``/``data:``).

    Usage starts from ``message_start``'s ``message.usage``; every
    ``message_delta`` ``usage`` replaces the counts it carries (they are
    cumulative).
    """

    def __init__(self) -> None:
        self.model: JsonValue = None
        self.parts: list[str] = []
        self.blocks: dict[int, JsonObject] = {}  # each with the ``partial_json`` of its input so far
        #: blocks an upstream started again at their index: still judged, and given that index's deltas
        #: too (the SDKs append each started block and apply a delta to the content at its index)
        self.earlier: list[tuple[int, JsonObject]] = []
        self.usage: JsonObject | None = None
        self.stop_reason: JsonValue = None
        self.images = ImageWatch()

    def feed_line(self, line: str) -> None:
        if not line.startswith("data:"):
            return
        try:
            event = json.loads(line[5:].strip())
        except ValueError:
            return
        if not isinstance(event, dict):
            return
        kind = event.get("type")
        if kind == "message_start":
            message = event.get("message") or {}
            self.model = message.get("model") or self.model
            if isinstance(message.get("usage"), dict):
                self.usage = dict(message["usage"])
        elif kind == "content_block_start":
            block = event.get("content_block") or {}
            index = int(event.get("index") or 0)
            if index in self.blocks:
                self.earlier.append((index, self.blocks[index]))
            self.blocks[index] = {**block, "partial_json": ""}
            if block.get("type") == "text" and isinstance(block.get("text"), str):
                self.parts.append(block["text"])
                self.images.feed(block["text"])
        elif kind == "content_block_delta":
            self._delta(int(event.get("index") or 0), event.get("delta") or {})
        elif kind == "message_delta":
            self.stop_reason = (event.get("delta") or {}).get("stop_reason") or self.stop_reason
            usage = event.get("usage")
            if isinstance(usage, dict):
                self.usage = {**(self.usage or {}), **{k: v for k, v in usage.items() if v is not None}}

    def _delta(self, index: int, delta: Mapping[str, JsonValue]) -> None:
        text = delta.get("text")
        if delta.get("type") == "text_delta" and isinstance(text, str):
            self.parts.append(text)
            self.images.feed(text)
        elif delta.get("type") == "input_json_delta" and index in self.blocks:
            piece = str(delta.get("partial_json") or "")
            for at, block in [*self.earlier, (index, self.blocks[index])]:
                if at == index:
                    block["partial_json"] = str(block["partial_json"]) + piece

    def _all(self) -> list[JsonObject]:
        return [block for _, block in self.earlier] + [self.blocks[i] for i in sorted(self.blocks)]

    @property
    def has_calls(self) -> bool:
        calls = ("tool_use", "server_tool_use")
        return any(b.get("type") in calls for b in self.blocks.values()) or any(
            b.get("type") in calls for _, b in self.earlier
        )

    @property
    def shows_image(self) -> bool:
        return self.images.seen

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def calls(self) -> list[JsonValue]:
        out: list[JsonValue] = []
        for block in self._all():
            if block.get("type") in ("tool_use", "server_tool_use"):
                out.append(_tool_call(block, str(block["partial_json"]) or None))
        return out


def error_body(message: str, *, type_: str) -> JsonObject:
    """Anthropic's error envelope (``type`` e.g. ``permission_error``, ``api_error``); a secret the
    message quotes is redacted (``policies.redact``)."""
    return {"type": "error", "error": {"type": type_, "message": redact(message)}}
