"""A budget holds on a model without a price: once its one-time ASK is approved, its
tokens count toward the budget at the fallback price (``unpriced_usd_per_mtok``, $75
per million by default) and its requests reserve their worst case at that price, so
the budget still DENYs when spent, in the session and across the owner's day."""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.snapshot import Snapshot
from goalrail.policies.builtins.cost import cost_budget, user_daily_cost_budget

NOW = 1_795_000_000.0
PRIVATE = "my-private-model-7"
TOOL = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}


def _llm(max_tokens: int = 1000) -> dict[str, Any]:
    data = {"model": PRIVATE, "messages": [{"role": "user", "content": "x" * 400}], "max_tokens": max_tokens}
    return {"type": "llm_request", "id": "c1", "data": data}


def _event(raw: dict[str, Any], *, unpriced: int, state: dict[str, Any], daily: dict[str, Any] | None = None) -> Any:
    usage = {"total_cost_usd": None, "priced_cost_usd": 0.5, "total_tokens": unpriced, "unpriced_tokens": unpriced}
    snap = Snapshot("s1", owner="alice", model=PRIVATE, usage=usage, user_daily_cost=daily or {}, user_state=state)
    event = dict(build_event(normalize_event(raw), snap, now=NOW))
    event["policy_state"] = state
    return event


def test_approved_unpriced_tokens_still_spend_the_session_budget() -> None:
    gate = cost_budget(max_cost_usd=2.0, expensive_models=[])
    ok = {"unpriced_ok": True}
    # $0.50 priced + 10,000 unpriced tokens at $75/M ($0.75): under the $2 limit
    assert gate(_event(TOOL, unpriced=10_000, state=ok)) is None
    # 24,000 tokens ($1.80): $2.30 spent, past the limit, every model expensive: DENY
    r = gate(_event(TOOL, unpriced=24_000, state=ok))
    assert r is not None and r["result"] == "DENY" and "$2.30 reached the $2.00 limit" in r["reason"], r
    # a request whose worst case at the fallback price (16,104 tokens: $1.21) would cross it: DENY first
    r = gate(_event(_llm(max_tokens=16_000), unpriced=10_000, state=ok))
    assert (
        r is not None and r["result"] == "DENY" and "could cost up to $1.21; with session spend $1.25" in r["reason"]
    ), r


def test_approved_unpriced_tokens_spend_the_daily_budget() -> None:
    gate = user_daily_cost_budget(max_cost_usd=1.0, expensive_models=[])
    day = {"day": "2026-11-18", "cost_usd": 0.2, "unpriced_tokens": 12_000}  # $0.20 + $0.90
    r = gate(_event(TOOL, unpriced=0, state={}, daily=day))
    assert r is not None and r["result"] == "DENY" and "today's spend $1.10" in r["reason"], r


@pytest.mark.parametrize("rate", [-1, 2e6, "75", True])
def test_the_fallback_price_is_validated(rate: object) -> None:
    with pytest.raises(ValueError, match="unpriced_usd_per_mtok"):
        cost_budget(max_cost_usd=1.0, unpriced_usd_per_mtok=rate)  # type: ignore[arg-type]
