"""Builtin policies: cost budgets (per session, and per owner per UTC day).

Both builtins share one algorithm (``_budget.py``): ASK once at each soft
threshold, DENY at the hard limit while the model is expensive (a downgrade
gate), ASK once to continue when usage cannot be priced, and reserve the
worst-case cost of every LLM request until its response arrives.  Prices come
from the runtime's table, handed in with each event as ``event["prices"]``
(genai-prices plus the server's ``pricing:`` aliases and overrides).
``expensive_models`` null or ``[]`` means *every* model is expensive: the hard
limit is then a hard stop.
"""

from __future__ import annotations

from collections.abc import Callable

from goalrail.policies.builtins._budget import DEFAULT_MAX_OUTPUT_TOKENS, DailyBudget, SessionBudget
from goalrail.policies.builtins._budget_params import check_params
from goalrail.policies.declare import Param, builtin, registry_entries
from goalrail.policies.listens import listens_to
from goalrail.policies.registry import reads_event
from goalrail.policies.schema import PolicyEvent, PolicyResponse

Policy = Callable[[PolicyEvent], PolicyResponse | None]


_EXPENSIVE_DOC = (
    "Case-insensitive globs of models the hard limit blocks (`*opus*`, `gpt-5*`; a leading `!` "
    "excludes, e.g. `!*mini*`). Once the limit is reached, requests on other models are still "
    "allowed (a downgrade gate). null or [] means EVERY model is expensive: the limit is a hard stop."
)
_MAX_DOC = (
    "Hard limit in USD. At or above it, requests, tool calls and LLM requests on "
    "expensive models are denied; an LLM request whose worst-case cost would cross "
    "it is denied too."
)


@listens_to(types=("request", "tool_call", "llm_request", "llm_response"))
def _params(max_required: bool) -> dict[str, Param]:
    return {
        "max_cost_usd": Param(
            _MAX_DOC if max_required else _MAX_DOC + " Set this, ask_thresholds_usd, or both.",
            exclusiveMinimum=0,
            maximum=1e9,
        ),
        "ask_thresholds_usd": Param(
            "Soft thresholds in USD, each below max_cost_usd. The first time spend "
            "(or an LLM request's worst case) reaches one, the user is asked; an "
            "approval is remembered.",
            items={"exclusiveMinimum": 0, "maximum": 1e9},
        ),
        "expensive_models": Param(_EXPENSIVE_DOC, items={"minLength": 1}),
        "default_max_output_tokens": Param(
            "Output tokens assumed for an LLM request that sets no max_tokens when reserving its worst-case cost.",
            minimum=1,
            maximum=10_000_000,
        ),
        "unpriced_usd_per_mtok": Param(
            "USD per million tokens a token without a known price counts for (input and output alike), "
            "and that an LLM request to a model without a price reserves at; default 75. 0 counts them "
            "as free (the budget then cannot hold on such a model).",
            minimum=0,
            maximum=1_000_000,
        ),
    }


@builtin(
    "Session cost budget",
    "ASKs at soft spend thresholds; at the hard limit DENYs turns, tool calls and LLM "
    "requests on expensive models (switching to a cheaper model continues). Reserves each "
    "LLM request's worst-case cost so parallel calls cannot overspend; unpriced usage "
    "ASKs once and counts at a fallback price.",
    params=_params(max_required=False),
    example={"ask_thresholds_usd": [3.0], "max_cost_usd": 5.0},
)
@reads_event(4)
def cost_budget(
    max_cost_usd: float | None = None,
    ask_thresholds_usd: list[float] | None = None,
    expensive_models: list[str] | None = None,
    default_max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS,
    unpriced_usd_per_mtok: float | None = None,
) -> Policy:
    """Budget on this session's spend (``context.usage.total_cost_usd``)."""
    return SessionBudget(
        *check_params(
            max_cost_usd, ask_thresholds_usd, expensive_models, default_max_output_tokens, unpriced_usd_per_mtok
        )
    )


@builtin(
    "Per-user daily cost budget",
    "Same as the session cost budget, on the session owner's spend across all their sessions for the current UTC day.",
    params=_params(max_required=True),
    example={"ask_thresholds_usd": [10.0, 25.0], "max_cost_usd": 50.0},
)
@listens_to(types=("request", "tool_call", "llm_request", "llm_response"))
@reads_event(4)
def user_daily_cost_budget(
    max_cost_usd: float,
    ask_thresholds_usd: list[float] | None = None,
    expensive_models: list[str] | None = None,
    default_max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS,
    unpriced_usd_per_mtok: float | None = None,
) -> Policy:
    """Budget on the session owner's spend today (``context.user_daily_cost.cost_usd``), UTC days."""
    if max_cost_usd is None:
        raise ValueError("`max_cost_usd` is required for user_daily_cost_budget")
    return DailyBudget(
        *check_params(
            max_cost_usd, ask_thresholds_usd, expensive_models, default_max_output_tokens, unpriced_usd_per_mtok
        )
    )


POLICY_REGISTRY = registry_entries(__name__)
