"""Token counts from each provider's usage shape (goalrail.engine.tokens)."""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.engine.tokens import tokens_of


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        (  # OpenAI chat completions: prompt_tokens includes the cached ones
            {"prompt_tokens": 100, "completion_tokens": 5, "prompt_tokens_details": {"cached_tokens": 40}},
            (60, 5, 40, 0),
        ),
        (  # Anthropic Messages: input_tokens excludes cache reads and writes
            {
                "input_tokens": 600,
                "output_tokens": 400,
                "cache_read_input_tokens": 100,
                "cache_creation_input_tokens": 50,
                "cache_creation": {"ephemeral_5m_input_tokens": 50},
                "server_tool_use": {"web_search_requests": 0},
            },
            (600, 400, 100, 50),
        ),
        (  # OpenAI Responses: input_tokens includes the cached ones
            {"input_tokens": 100, "output_tokens": 7, "input_tokens_details": {"cached_tokens": 30}},
            (70, 7, 30, 0),
        ),
        (  # Goalrail's own usage body
            {"input_tokens": 1, "output_tokens": 2, "cache_read_tokens": 3, "cache_write_tokens": 4},
            (1, 2, 3, 4),
        ),
        (  # Gemini usageMetadata: thinking tokens are output
            {
                "promptTokenCount": 90,
                "candidatesTokenCount": 10,
                "cachedContentTokenCount": 20,
                "thoughtsTokenCount": 5,
            },
            (70, 15, 20, 0),
        ),
        ({"prompt_tokens": 10, "completion_tokens": None}, (10, 0, 0, 0)),
    ],
)
def test_shapes(usage: dict[str, Any], expected: tuple[int, int, int, int]) -> None:
    got = tokens_of(usage)
    assert got is not None
    assert (got["input_tokens"], got["output_tokens"], got["cache_read_tokens"], got["cache_write_tokens"]) == expected


def test_absent_or_empty_is_none() -> None:
    assert tokens_of(None) is None and tokens_of({}) is None


@pytest.mark.parametrize(
    ("usage", "message"),
    [
        ([1], "must be an object"),
        ({"total_tokens": 5}, "no token counts"),
        ({"input_tokens": True}, "`usage.input_tokens`"),
        ({"output_tokens": 1.5}, "`usage.output_tokens`"),
        ({"prompt_tokens": 1, "prompt_tokens_details": "x"}, "`usage.prompt_tokens_details`"),
    ],
)
def test_malformed(usage: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        tokens_of(usage)
