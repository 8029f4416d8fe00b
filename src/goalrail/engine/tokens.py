"""Token counts from a provider's ``usage`` object, whatever its shape.

An ``llm_response`` event may carry ``data.usage`` as the provider reported it;
the runtime counts it as spend.  Understood shapes:

* OpenAI chat completions: ``prompt_tokens`` (includes cached ones),
  ``completion_tokens``, ``prompt_tokens_details.cached_tokens``;
* OpenAI Responses and Anthropic Messages: ``input_tokens`` (Anthropic: without
  cached ones), ``output_tokens``, ``cache_read_input_tokens``,
  ``cache_creation_input_tokens`` (Responses: ``input_tokens_details.cached_tokens``);
* Goalrail's own usage body: ``input_tokens``, ``output_tokens``,
  ``cache_read_tokens``, ``cache_write_tokens``;
* Gemini ``usageMetadata``: ``promptTokenCount``, ``candidatesTokenCount``,
  ``cachedContentTokenCount``, ``thoughtsTokenCount``.

The answer is the usage body's four fields, ``input_tokens`` never counting a
cached token twice.  Pure; raises ``ValueError`` with a short message.
"""

from __future__ import annotations

from collections.abc import Mapping

#: The most tokens one usage record may count in each field: far above any LLM call, and
#: low enough that no number of records can overflow a 64-bit sum in the store.
MAX_TOKENS = 10**12
FIELDS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")
_COUNTS = frozenset(
    {
        "prompt_tokens",
        "completion_tokens",
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
        "cache_read_input_tokens",
        "cache_creation_input_tokens",
        "promptTokenCount",
        "candidatesTokenCount",
        "cachedContentTokenCount",
        "thoughtsTokenCount",
    }
)


def _int(usage: Mapping[str, object], key: str) -> int:
    value = usage.get(key)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TOKENS:
        raise ValueError(f"`usage.{key}` must be an integer from 0 to {MAX_TOKENS}")
    return value


def _detail(usage: Mapping[str, object], key: str, inner: str) -> int:
    details = usage.get(key)
    if details is None:
        return 0
    if not isinstance(details, Mapping):
        raise ValueError(f"`usage.{key}` must be an object")
    return _int(details, inner)


def tokens_of(usage: object) -> dict[str, int] | None:
    """The four token counts of ``usage``; None when it is absent or empty.

    Raises ``ValueError`` for a usage that is not an object, carries no token
    count this module understands, or has a count that is not an integer ≥ 0.
    """
    if usage is None:
        return None
    if not isinstance(usage, Mapping):
        raise ValueError("`usage` must be an object")
    if not usage:
        return None
    if not _COUNTS.intersection(usage):
        raise ValueError("`usage` has no token counts (expected e.g. `input_tokens` or `prompt_tokens`)")
    if "prompt_tokens" in usage or "completion_tokens" in usage:  # OpenAI chat completions
        cached = _detail(usage, "prompt_tokens_details", "cached_tokens")
        prompt = _int(usage, "prompt_tokens")
        return {
            "input_tokens": max(prompt - cached, 0),
            "output_tokens": _int(usage, "completion_tokens"),
            "cache_read_tokens": min(cached, prompt) if prompt else cached,
            "cache_write_tokens": 0,
        }
    if "promptTokenCount" in usage or "candidatesTokenCount" in usage:  # Gemini
        cached = _int(usage, "cachedContentTokenCount")
        return {
            "input_tokens": max(_int(usage, "promptTokenCount") - cached, 0),
            "output_tokens": _int(usage, "candidatesTokenCount") + _int(usage, "thoughtsTokenCount"),
            "cache_read_tokens": cached,
            "cache_write_tokens": 0,
        }
    cache_read = _int(usage, "cache_read_tokens") + _int(usage, "cache_read_input_tokens")
    inp = _int(usage, "input_tokens")
    responses_cached = _detail(usage, "input_tokens_details", "cached_tokens")  # OpenAI Responses
    if responses_cached and not cache_read:
        inp, cache_read = max(inp - responses_cached, 0), responses_cached
    return {
        "input_tokens": inp,
        "output_tokens": _int(usage, "output_tokens"),
        "cache_read_tokens": cache_read,
        "cache_write_tokens": _int(usage, "cache_write_tokens") + _int(usage, "cache_creation_input_tokens"),
    }
