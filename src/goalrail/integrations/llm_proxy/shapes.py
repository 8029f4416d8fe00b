"""OpenAI chat-completions payloads ⇄ Goalrail events.  Pure functions."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TypedDict

from goalrail.engine.tokens import tokens_of
from goalrail.jsontypes import JsonObject, JsonValue
from goalrail.policies.prompt_size import estimate_prompt_tokens
from goalrail.policies.redact import redact

HARNESS = "llm-proxy"


def request_event(body: JsonObject, event_id: str | None = None) -> JsonObject:
    """The ``llm_request`` event; ``event_id`` (the call's, sent again with its ``llm_response``)
    lets only that response release the budget's reservation for it."""
    data: JsonObject = {"model": body.get("model"), "messages": body.get("messages") or []}
    if body.get("tools"):
        data["tools"] = body["tools"]
    max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
    if max_tokens is not None:
        data["max_tokens"] = max_tokens
    if body.get("n") is not None:  # each of the n answers is billed: the budget's worst case counts them
        data["n"] = body["n"]
    event: JsonObject = {"type": "llm_request", "data": data, "context": {"harness": HARNESS}}
    if event_id is not None:
        event["id"] = event_id
    return event


def apply_rewrite(body: JsonObject, data: object) -> JsonObject:
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
    model: JsonValue,
    text: str | None,
    tool_calls: list[JsonValue] | None,
    usage: JsonValue,
    stop_reason: JsonValue = None,
) -> JsonObject:
    """An ``llm_response`` event's ``data``: the model, and what of text, calls, stop reason and usage there is."""
    data: JsonObject = {"model": model}
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
    model: JsonValue,
    text: str | None,
    tool_calls: list[JsonValue] | None,
    usage: JsonValue,
    *,
    event_id: str | None = None,
) -> JsonObject:
    """The ``llm_response`` event; its ``usage`` is counted by the server (once per ``event_id``)."""
    data = response_data(model, text, tool_calls, usage)
    event: JsonObject = {"type": "llm_response", "data": data, "context": {"harness": HARNESS}}
    if event_id is not None:
        event["id"] = event_id
    return event


def _counts(usage: JsonValue) -> bool:
    """Whether the server counts ``usage``: it refuses an event whose usage it cannot read,
    and a usage of no tokens at all counts nothing (no real call uses none)."""
    try:
        tokens = tokens_of(usage)
    except ValueError:
        return False
    return tokens is not None and any(tokens.values())


def estimated_usage(
    body: Mapping[str, object], usage: JsonValue, text: str | None, calls: list[JsonValue], *, complete: bool
) -> JsonValue:
    """``usage`` when the upstream reported it all (``complete``), else a generous estimate.

    An answer without its usage (a stream whose client hung up before the usage chunk,
    an upstream that sent none or broke off) is still spend: its input is estimated from
    the request, its output from what was relayed (characters / 4), each never below
    what the upstream did report, and the usage is marked ``"estimated": true``.
    """
    if complete and usage and _counts(usage):
        return usage
    given = usage if isinstance(usage, dict) and _counts(usage) else {}
    reported_in = given.get("input_tokens", given.get("prompt_tokens"))
    reported_out = given.get("output_tokens", given.get("completion_tokens"))
    out_chars = len(text or "") + (len(json.dumps(calls)) if calls else 0)
    inp = estimate_prompt_tokens(body)
    out = -(-out_chars // 4)
    if isinstance(reported_in, int) and not isinstance(reported_in, bool) and reported_in > 0:
        inp = reported_in
    if isinstance(reported_out, int) and not isinstance(reported_out, bool):
        out = max(out, reported_out)
    cached = {k: v for k, v in given.items() if k in ("cache_read_input_tokens", "cache_creation_input_tokens")}
    return {"input_tokens": inp, "output_tokens": out, **cached, "estimated": True}


def from_completion(body: Mapping[str, JsonValue]) -> tuple[JsonValue, str | None, list[JsonValue], JsonValue]:
    """(model, text, tool_calls, usage) of a non-streamed completion: the calls of every choice
    (``n`` > 1 answers several), a legacy ``function_call`` as a call too, and the texts of
    every choice (one paragraph each), so no part of the answer escapes the ``llm_response``."""
    choices = body.get("choices")
    texts: list[str] = []
    calls: list[JsonValue] = []
    for choice in choices if isinstance(choices, list) else ():
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):  # content parts: their text is the answer too
            texts.append(
                "".join(str(p["text"]) for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
            )
        made = message.get("tool_calls")
        calls.extend(made if isinstance(made, list) else ())
        legacy = message.get("function_call")
        if isinstance(legacy, dict):
            calls.append({"type": "function", "function": legacy})
    text = "\n\n".join(texts) if texts else None
    return body.get("model"), text, calls, body.get("usage")


#: What opens something a chat client fetches by itself when it shows the answer (``information_flow``
#: judges it): a markdown image, an HTML ``src``, a CSS ``url(``; whitespace is read collapsed.
_OPENER = re.compile(r"!\[|\bsrc ?=|\burl\(", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


class ImageWatch:
    """Whether streamed text has opened an image yet, read piece by piece (an opener may be split
    across pieces): from then on the stream is held back until the verdict on the whole answer."""

    def __init__(self) -> None:
        self.tails: dict[int, str] = {}
        self.seen = False

    def feed(self, text: str, stream: int = 0) -> None:
        if self.seen or not text:
            return
        tail = _SPACE.sub(" ", self.tails.get(stream, "") + text)
        self.seen = _OPENER.search(tail) is not None
        self.tails[stream] = tail[-8:]


class _Function(TypedDict):
    name: str
    arguments: str


class _ToolCall(TypedDict):
    """A tool call being put together from its deltas."""

    function: _Function
    id: JsonValue


class StreamAccumulator:
    """Collects text, tool calls and usage from ``chat.completion.chunk`` SSE lines: per choice
    (``n`` > 1 streams several, their deltas interleaved), a legacy ``function_call`` as a call.

    A call's deltas are told apart as clients tell them apart, so no call a client runs is judged
    merged into another: by ``index``, except that a delta bringing another ``id`` than its
    index's call opens a new call (servers that number parallel calls all 0); a delta without an
    ``index`` (Gemini's and other OpenAI-compatible servers) continues the call opened last,
    unless it brings another ``id``."""

    def __init__(self) -> None:
        self.model: JsonValue = None
        self.parts: dict[int, list[str]] = {}
        #: (choice, n-th call opened in it) → the call, in the order the calls opened
        self.tool_calls: dict[tuple[int, int], _ToolCall] = {}
        self._at_index: dict[tuple[int, int], tuple[int, int]] = {}  # (choice, index) → its call; legacy: -1
        self._last: dict[int, tuple[int, int]] = {}  # choice → the call opened last
        self._opened: dict[int, int] = {}  # choice → how many calls opened in it
        self.usage: JsonValue = None
        self.images = ImageWatch()

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
        if not isinstance(chunk, dict):
            return
        self.model = chunk.get("model") or self.model
        if chunk.get("usage"):
            self.usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            if not isinstance(choice, dict):
                continue
            at = choice.get("index")
            number = at if isinstance(at, int) else 0
            delta = choice.get("delta") or {}
            if isinstance(delta.get("content"), str):
                self.parts.setdefault(number, []).append(delta["content"])
                self.images.feed(delta["content"], number)
            pieces = [c for c in delta.get("tool_calls") or [] if isinstance(c, dict)]
            if isinstance(delta.get("function_call"), dict):
                pieces.append({"index": -1, "function": delta["function_call"]})
            for call in pieces:
                self._piece(number, call)

    def _piece(self, choice: int, call: Mapping[str, JsonValue]) -> None:
        at = call.get("index")
        index = at if isinstance(at, int) and not isinstance(at, bool) else None
        ident = call.get("id") or None
        key = self._at_index.get((choice, index)) if index is not None else self._last.get(choice)
        if key is not None and ident is not None and self.tool_calls[key]["id"] not in (None, ident):
            key = None  # another call: its own id at a reused index, or after a call without index
        if key is None:
            key = (choice, self._opened.get(choice, 0))
            self._opened[choice] = key[1] + 1
            self.tool_calls[key] = {"function": {"name": "", "arguments": ""}, "id": None}
        if index is not None:
            self._at_index[(choice, index)] = key
        self._last[choice] = key
        slot = self.tool_calls[key]
        fn = call.get("function")
        if not isinstance(fn, dict):  # a custom (freeform) tool's delta: its raw text comes as `input`
            custom = call.get("custom")
            fn = {"name": custom.get("name"), "arguments": custom.get("input")} if isinstance(custom, dict) else {}
        slot["id"] = call.get("id") or slot.get("id")
        slot["function"]["name"] += str(fn.get("name") or "")
        slot["function"]["arguments"] += str(fn.get("arguments") or "")

    @property
    def has_calls(self) -> bool:
        return bool(self.tool_calls)

    @property
    def shows_image(self) -> bool:
        return self.images.seen

    @property
    def text(self) -> str:
        return "\n\n".join("".join(self.parts[i]) for i in sorted(self.parts))

    def calls(self) -> list[JsonValue]:
        out: list[JsonValue] = []
        for key in sorted(self.tool_calls):
            slot = self.tool_calls[key]
            fn = slot["function"]
            out.append({"function": {"name": fn["name"], "arguments": fn["arguments"]}, "id": slot["id"]})
        return out


def is_usage_only_chunk(line: str) -> bool:
    """A ``data:`` line holding the final usage chunk (``choices: []``), sent only on request."""
    if not line.startswith("data:") or '"usage"' not in line:
        return False
    try:
        chunk = json.loads(line[5:].strip())
    except ValueError:
        return False
    return isinstance(chunk, dict) and not chunk.get("choices") and bool(chunk.get("usage"))


def error_body(message: str, *, type_: str, code: str | None) -> JsonObject:
    """OpenAI's error envelope; a secret the message quotes is redacted (``policies.redact``)."""
    return {"error": {"message": redact(message), "type": type_, "param": None, "code": code}}


def describe(verdict: Mapping[str, object]) -> str:
    policy = verdict.get("policy")
    reason = str(verdict.get("reason") or verdict.get("result"))
    if policy and reason.startswith(f"{policy}: "):
        reason = reason[len(f"{policy}: ") :]
    return f"Goalrail ({policy}): {reason}" if policy else f"Goalrail: {reason}"
