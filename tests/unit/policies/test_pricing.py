"""PriceTable: genai-prices, built-in alias rules, operator aliases and overrides."""

from __future__ import annotations

import pytest

from goalrail.policies import pricing as _pricing
from goalrail.policies.pricing import PriceTable, default_price_table

M = 1_000_000


@pytest.fixture(scope="module")
def table() -> PriceTable:
    return PriceTable()


def test_known_model_is_priced_from_genai_prices(table: PriceTable) -> None:
    assert table.cost("gpt-4o", input_tokens=M, output_tokens=M) == pytest.approx(12.5)
    assert table.source("gpt-4o").startswith("genai-prices ")
    assert "openai/gpt-4o" in table.source("gpt-4o")


def test_unknown_model_is_none_never_zero(table: PriceTable) -> None:
    assert table.cost("totally-unknown-model-x", input_tokens=1000, output_tokens=10) is None
    assert table.estimate_max("totally-unknown-model-x", 1000, 100) is None
    assert table.source("totally-unknown-model-x") is None
    assert not table.is_priced("totally-unknown-model-x")
    assert table.cost(None, input_tokens=10) is None
    assert table.cost("", input_tokens=10) is None


def test_zero_tokens_cost_zero_for_a_priced_model(table: PriceTable) -> None:
    assert table.cost("gpt-4o") == 0.0


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("databricks-claude-sonnet-4", 18.0),
        ("databricks-claude-opus-4-1", 90.0),
        ("anthropic.claude-sonnet-4-20250514-v1:0", 18.0),
        ("us.anthropic.claude-sonnet-4-20250514-v1:0", 18.0),
        ("azure/gpt-4o", 12.5),
        ("openai/gpt-4o", 12.5),
        ("anthropic/claude-sonnet-4-5", None),  # priced (tiered), checked below
        ("openrouter/anthropic/claude-sonnet-4", 18.0),
        ("bedrock/anthropic.claude-3-haiku-20240307-v1:0", 1.5),
        ("vertex_ai/gemini-2.5-pro", None),
        ("azure_ai/gpt-4o", 12.5),
    ],
)
def test_builtin_alias_rules(table: PriceTable, model: str, expected: float | None) -> None:
    cost = table.cost(model, input_tokens=M, output_tokens=M)
    assert cost is not None and cost > 0
    if expected is not None:
        assert cost == pytest.approx(expected)
    assert "alias rule" in table.source(model)


def test_databricks_claude_is_priced_as_anthropic(table: PriceTable) -> None:
    src = table.source("databricks-claude-sonnet-4")
    assert "databricks-claude-*" in src and "anthropic/" in src
    assert table.cost("databricks-claude-sonnet-4", input_tokens=1000) == table.cost(
        "claude-sonnet-4", input_tokens=1000
    )


def test_bedrock_ids_use_the_aws_provider(table: PriceTable) -> None:
    assert "aws/" in table.source("anthropic.claude-sonnet-4-20250514-v1:0")


def test_native_databricks_model_needs_no_alias(table: PriceTable) -> None:
    assert table.source("databricks-meta-llama-3-3-70b-instruct").startswith("genai-prices")


def test_operator_alias_exact_and_glob_with_provider() -> None:
    t = PriceTable(aliases={"corp-gpt": "gpt-4o", "my-*": "anthropic:claude-*"})
    assert t.cost("corp-gpt", input_tokens=M) == pytest.approx(2.5)
    assert t.cost("CORP-GPT", input_tokens=M) == pytest.approx(2.5)
    assert "alias `corp-gpt` → `gpt-4o`" in t.source("corp-gpt")
    assert t.cost("my-sonnet-4", input_tokens=M) == pytest.approx(3.0)
    assert "anthropic:claude-sonnet-4" in t.source("my-sonnet-4")


def test_alias_to_an_unknown_model_stays_unpriced() -> None:
    t = PriceTable(aliases={"corp-x": "no-such-model-anywhere"})
    assert t.cost("corp-x", input_tokens=10) is None


def test_overrides_exact_glob_and_cache_defaults() -> None:
    t = PriceTable(
        overrides={
            "internal-llm": {"input": 1, "output": 2, "cache_read": 0.1, "cache_write": 1.5},
            "corp-*": {"input": 4, "output": 8},
            "gpt-4o": {"input": 100, "output": 100},
        }
    )
    assert t.cost(
        "internal-llm", input_tokens=M, output_tokens=M, cache_read_tokens=M, cache_write_tokens=M
    ) == pytest.approx(1 + 2 + 0.1 + 1.5)
    # cache prices default to the input price (never cheaper than it could be)
    assert t.cost("corp-a", input_tokens=M, cache_read_tokens=M, cache_write_tokens=M) == pytest.approx(12)
    assert t.source("corp-a") == "override `corp-*`"
    # an override wins over genai-prices
    assert t.cost("gpt-4o", input_tokens=M) == pytest.approx(100)


@pytest.mark.parametrize(
    "bad",
    [
        {"x": {"input": 1}},
        {"x": {"output": 1}},
        {"x": {"input": -1, "output": 1}},
        {"x": {"input": "1", "output": 1}},
        {"x": {"input": 1, "output": 1, "batch": 2}},
        {"x": [1, 2]},
    ],
)
def test_invalid_overrides_are_rejected(bad: dict) -> None:
    with pytest.raises(ValueError, match="price override `x`"):
        PriceTable(overrides=bad)


def test_invalid_alias_is_rejected() -> None:
    with pytest.raises(ValueError, match="aliases"):
        PriceTable(aliases={"x": ""})


def test_cache_tokens_are_cheaper_than_uncached(table: PriceTable) -> None:
    uncached = table.cost("claude-sonnet-4", input_tokens=M)
    cached = table.cost("claude-sonnet-4", cache_read_tokens=M)
    assert cached is not None and uncached is not None and cached < uncached
    # OpenAI-style prompt_tokens that include the cached part
    both = table.cost("claude-sonnet-4", input_tokens=M, cache_read_tokens=M, input_includes_cache=True)
    assert both == pytest.approx(cached)


def test_tiered_prices_depend_on_the_prompt_size(table: PriceTable) -> None:
    small = table.cost("claude-sonnet-4-5", input_tokens=100_000, output_tokens=1000)
    assert small == pytest.approx(0.315)
    big = table.cost("claude-sonnet-4-5", input_tokens=M)
    assert big == pytest.approx(6.0)


def test_estimate_max_is_never_below_the_exact_price(table: PriceTable) -> None:
    for prompt in (1, 255, 256, 257, 10_000, 123_457):
        est = table.estimate_max("gpt-4o", prompt, 500)
        exact = table.cost("gpt-4o", input_tokens=prompt, output_tokens=500)
        assert est is not None and exact is not None
        assert exact <= est <= exact + table.cost("gpt-4o", input_tokens=256)
    assert table.estimate_max(None, 10, 10) is None


def test_resolution_is_cached_per_model() -> None:
    t = PriceTable()
    first = t.resolve("gpt-4o")
    assert t.resolve("gpt-4o") is first
    assert t.resolve("no-such-model") is None and "no-such-model" in t._cache


def test_the_default_table_is_the_built_in_one_and_cannot_be_replaced() -> None:
    original = default_price_table()
    assert default_price_table() is original  # built once, shared by whatever has no table handed in
    assert original.cost("gpt-4o") == 0.0
    assert original.cost("zz-1", input_tokens=M) is None  # no operator overrides in it
    assert not any(name.startswith(("set_", "install")) for name in vars(_pricing))  # no process-wide setter


def test_genai_prices_is_imported_once() -> None:
    assert _pricing._genai() is _pricing._genai()
    assert _pricing.genai_prices_version() != "unknown"


def test_from_config_builds_aliases_and_overrides() -> None:
    t = PriceTable.from_config({"aliases": {"corp-gpt": "gpt-4o"}, "overrides": {"x-*": {"input": 1, "output": 1}}})
    assert t.cost("corp-gpt", input_tokens=M) == pytest.approx(2.5)
    assert t.cost("x-1", output_tokens=M) == pytest.approx(1.0)
    assert PriceTable.from_config(None).cost("gpt-4o") == 0.0
