"""The parameters ``cost_budget`` and ``user_daily_cost_budget`` share, validated once at
factory time (``_budget.py`` holds the gate itself)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from goalrail.policies.builtins._models import ModelMatcher

#: What a token without a price counts for, in USD per million tokens, unless a budget says
#: otherwise: an output token of the dearest common frontier models (Claude Opus), for input
#: and output alike, so an unpriced model is never cheaper to the budget than a priced one.
UNPRICED_USD_PER_MTOK = 75.0


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or math.isinf(value):
        raise ValueError(f"`{name}` must be a number, got `{value!r}`")
    return float(value)


def check_params(
    max_cost_usd: object,
    ask_thresholds_usd: object,
    expensive_models: object,
    default_max_output_tokens: object,
    unpriced_usd_per_mtok: object = None,
) -> tuple[float | None, tuple[float, ...], ModelMatcher | None, int, float]:
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
    fallback = UNPRICED_USD_PER_MTOK
    if unpriced_usd_per_mtok is not None:
        fallback = _number(unpriced_usd_per_mtok, "unpriced_usd_per_mtok")
        if not 0 <= fallback <= 1e6:
            raise ValueError("`unpriced_usd_per_mtok` must be from 0 to 1000000")
    return max_usd, thresholds, matcher, default_max_output_tokens, fallback
