"""Usage: priced records, the usage an ``llm_response`` reports, and totals (the
shape ``context.usage`` has in every store and in replay)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Protocol

from goalrail.engine.snapshot import Snapshot
from goalrail.engine.tokens import tokens_of
from goalrail.jsontypes import JsonObject
from goalrail.policies.schema import StateUpdate
from goalrail.runtime.ports import UsageRecord

USAGE_NS = "goalrail.usage"  # session-private: ids of llm_response events whose usage was counted
COUNTED_IDS = 256  # how many recent ids are remembered (retries come soon after the first try)


class Prices(Protocol):
    """What pricing needs of a price table (``policies.pricing.PriceTable``); ``source(model)`` is optional."""

    def cost(
        self,
        model: str | None,
        *,
        input_tokens: int = 0,
        output_tokens: int = 0,
        cache_read_tokens: int = 0,
        cache_write_tokens: int = 0,
    ) -> float | None: ...


def priced_usage(
    prices: Prices | None,
    model: str,
    now: float,
    *,
    input_tokens: int = 0,
    output_tokens: int = 0,
    cache_read_tokens: int = 0,
    cache_write_tokens: int = 0,
) -> UsageRecord:
    """A usage record priced with ``prices`` (``cost_usd`` None when the model is unpriced)."""
    cost: float | None = None
    source: str | None = None
    if prices is not None:
        cost = prices.cost(
            model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cache_read_tokens=cache_read_tokens,
            cache_write_tokens=cache_write_tokens,
        )
        source_fn = getattr(prices, "source", None)
        source = source_fn(model) if callable(source_fn) else None
    day = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")
    return UsageRecord(
        model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost, source, now, day
    )


def usage_of_response(
    prices: Prices | None, normalized: Mapping[str, object], model: str | None, snap: Snapshot, now: float
) -> tuple[UsageRecord | None, StateUpdate | None]:
    """The usage record an ``llm_response`` reports, and the update remembering its id.

    (None, None) when it reports no tokens, or when its ``id`` was counted already.
    """
    data = normalized.get("data")
    tokens = tokens_of(data.get("usage") if isinstance(data, Mapping) else None)  # a Mapping: see normalize_event
    if not tokens or not any(tokens.values()):
        return None, None
    update: StateUpdate | None = None
    event_id = normalized.get("id")
    if event_id is not None:
        counted = (snap.policy_states.get(USAGE_NS) or {}).get("counted")
        if isinstance(counted, list) and event_id in counted:
            return None, None
        update = {"action": "append", "key": "counted", "value": event_id, "scope": "policy", "max_len": COUNTED_IDS}
    return priced_usage(prices, model or "unknown", now, **tokens), update


def totals_of(tokens: list[int], calls: int, unpriced: int, cost: float) -> JsonObject:
    """The shape of ``context.usage``: ``tokens`` are input, output, cache read, cache write.

    The one place the totals are shaped; ``cost`` is the sum of the priced records, and
    ``total_cost_usd`` is None while any tokens are unpriced (never silently free).
    """
    return {
        "input_tokens": tokens[0],
        "output_tokens": tokens[1],
        "total_tokens": tokens[0] + tokens[1],
        "cache_read_input_tokens": tokens[2],
        "cache_creation_input_tokens": tokens[3],
        "total_cost_usd": round(cost, 10) if unpriced == 0 else None,
        "unpriced_tokens": unpriced,
        "llm_calls": calls,
        "priced_cost_usd": round(cost, 10),
    }


def usage_totals(records: list[UsageRecord]) -> JsonObject:
    """The totals of ``records`` (summed in order, as the stores' running totals are)."""
    running = RunningTotals()
    for r in records:
        running.add(r)
    return running.totals


class RunningTotals:
    """``usage_totals`` kept up to date one record at a time."""

    def __init__(self) -> None:
        self.tokens = [0, 0, 0, 0]
        self.calls = 0
        self.unpriced = 0
        self.cost = 0.0
        self.totals = totals_of(self.tokens, 0, 0, 0.0)

    def add(self, r: UsageRecord) -> JsonObject:
        t = self.tokens
        t[0] += r.input_tokens
        t[1] += r.output_tokens
        t[2] += r.cache_read_tokens
        t[3] += r.cache_write_tokens
        self.calls += 1
        if r.cost_usd is None:
            self.unpriced += r.input_tokens + r.output_tokens + r.cache_read_tokens + r.cache_write_tokens
        else:
            self.cost += r.cost_usd
        self.totals = totals_of(t, self.calls, self.unpriced, self.cost)
        return self.totals
