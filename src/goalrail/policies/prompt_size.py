"""A generous size estimate of an LLM request, before the provider counts it.

Used by the cost budget to reserve a request's worst case and by the LLM proxy to
answer ``count_tokens`` locally.  Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_IMAGE_TOKENS = 1600


def _text_len(content: object) -> tuple[int, int]:
    """(characters of text, number of non-text parts) in a message content."""
    if isinstance(content, str):
        return len(content), 0
    chars = images = 0
    if isinstance(content, list):
        for part in content:
            if isinstance(part, Mapping):
                text = part.get("text", part.get("thinking"))
                kind = part.get("type")
                if isinstance(text, str):
                    chars += len(text)
                elif kind in ("tool_result", "function_call_output") and "content" in part:  # Anthropic blocks
                    c, i = _text_len(part.get("content"))
                    chars, images = chars + c, images + i
                elif kind in ("tool_use", "server_tool_use"):
                    chars += len(str(part.get("input") or "")) + len(str(part.get("name") or ""))
                elif kind not in (None, "text"):
                    images += 1
            elif isinstance(part, str):
                chars += len(part)
    return chars, images


def estimate_prompt_tokens(data: Mapping[str, Any]) -> int:
    """A generous prompt size: characters / 4, plus per-message and per-image allowances."""
    chars = images = 0
    messages = data.get("messages") or []
    for msg in messages:
        if isinstance(msg, Mapping):
            c, i = _text_len(msg.get("content"))
            chars += c
            images += i
            calls = msg.get("tool_calls")
            if calls:
                chars += len(str(calls))
    system = data.get("system")
    if system:
        chars += _text_len(system)[0]
    tools = data.get("tools")
    if tools:
        chars += len(str(tools))
    return -(-chars // 4) + 4 * len(messages) + _IMAGE_TOKENS * images


def max_output_tokens(data: Mapping[str, object], default: int) -> int:
    """The most output tokens the request may be billed: its limit per answer (``default``
    when it sets none) times the answers it asks for (OpenAI's ``n``)."""
    n = data.get("n")
    answers = n if isinstance(n, int) and not isinstance(n, bool) and n > 1 else 1
    for key in ("max_tokens", "max_completion_tokens", "max_output_tokens"):
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value * answers
    return default * answers
