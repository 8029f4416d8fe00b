"""Model ids are matched in every spelling a gateway gives them (policies/builtins/_models.py)."""

from __future__ import annotations

import pytest

from goalrail.policies.builtins._models import ModelMatcher, model_forms
from goalrail.policies.builtins.cost import cost_budget
from goalrail.policies.builtins.routing import DEFAULT_EXPENSIVE_MODELS
from tests.unit.builtins.test_cost import TOOL, ev, llm

DEFAULTS = ModelMatcher(DEFAULT_EXPENSIVE_MODELS)


@pytest.mark.parametrize(
    "model",
    [
        "openai/gpt-5",
        "OpenAI/GPT-5",
        "azure/gpt-5",
        "openrouter/openai/gpt-5:online",
        "openai/o1",
        "openai.o1",
        "us.openai.gpt-5-v1:0",
        "bedrock/us.openai.o1-v1:0",
        "anthropic/claude-opus-4-1",
        "vertex_ai/claude-opus-4@20250514",
        "gpt-5:mini",
    ],
)
def test_gateway_spellings_of_expensive_models_match(model: str) -> None:
    assert DEFAULTS.matches(model), model_forms(model)


@pytest.mark.parametrize(
    "model", ["openai/gpt-5-mini", "azure/gpt-5-nano", "openai/gpt-4o", "gemini-2.5-pro", "gpt-4.1", "claude-sonnet-4"]
)
def test_cheaper_models_stay_unmatched_in_every_spelling(model: str) -> None:
    assert not DEFAULTS.matches(model), model_forms(model)


def test_a_prefix_pattern_still_selects_the_whole_id() -> None:
    by_prefix = ModelMatcher(["openai/*"])
    assert by_prefix.matches("openai/gpt-4o") and not by_prefix.matches("gpt-4o")


def test_a_plain_id_has_one_form() -> None:
    assert model_forms(" GPT-5-2025-08-07 ") == ("gpt-5-2025-08-07",)


def test_the_hard_limit_stops_a_gateway_spelling_of_an_expensive_model() -> None:
    p = cost_budget(max_cost_usd=10, expensive_models=["gpt-5*", "!*mini*"])
    assert p(ev(llm("openai/gpt-5"), spent=12.0, model="openai/gpt-5"))["result"] == "DENY"
    assert p(ev(TOOL, spent=12.0, model="openrouter/openai/gpt-5:online"))["result"] == "DENY"
    assert p(ev(llm("openai/gpt-5-mini"), spent=12.0, model="openai/gpt-5"))["result"] == "ALLOW"
