"""The parameters ``cost_budget`` and ``user_daily_cost_budget`` share, validated once at
factory time (``_budget.py`` holds the gate itself)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from goalrail.policies.builtins._models import ModelMatcher


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or math.isinf(value):
        raise ValueError(f"`{name}` must be a number, got `{value!r}`")
    return float(value)


def check_params(
    max_cost_usd: object,
    ask_thresholds_usd: object,
    expensive_models: object,
    default_max_output_tokens: object,
) -> tuple[float | None, tuple[float, ...], ModelMatcher | None, int]:
    """Validate the common parameters; raise ValueError with a clear message."""
    max_usd = None
    if max_cost_usd is not None:
        max_usd = _number(max_cost_usd, "max_cost_usd")
        if max_usd <= 0:
            raise ValueError("`max_cost_usd` must be greater than 0")
    thresholds: tuple[float, ...] = ()
    if ask_thresholds_usd is not None:
        if isinstance(ask_thresholds_usd, (str, bytes, Mapping)) or not isinstance(ask_thresholds_usd, Sequence):
            raise ValueError("`ask_thresholds_usd` must be a list of numbers")
        values = [_number(v, "ask_thresholds_usd[]") for v in ask_thresholds_usd]
        for v in values:
            if v <= 0:
                raise ValueError(f"`ask_thresholds_usd` values must be greater than 0, got {v:g}")
            if max_usd is not None and v >= max_usd:
                raise ValueError(f"`ask_thresholds_usd` value {v:g} must be below `max_cost_usd` ({max_usd:g})")
        thresholds = tuple(sorted(set(values)))
    if max_usd is None and not thresholds:
        raise ValueError("set `max_cost_usd`, `ask_thresholds_usd`, or both")
    matcher = None
    if expensive_models is not None:
        if isinstance(expensive_models, str) or not isinstance(expensive_models, Sequence):
            raise ValueError("`expensive_models` must be a list of model globs or null")
        matcher = ModelMatcher(list(expensive_models)) if expensive_models else None
    if (
        isinstance(default_max_output_tokens, bool)
        or not isinstance(default_max_output_tokens, int)
        or default_max_output_tokens < 1
    ):
        raise ValueError("`default_max_output_tokens` must be an integer >= 1")
    return max_usd, thresholds, matcher, default_max_output_tokens
