"""Usage totals: the shape ``context.usage`` has in every store and in replay."""

from __future__ import annotations

from typing import Any

from goalrail.runtime.ports import UsageRecord

#: The most tokens one usage record may count in each field: far above any LLM call, and
#: low enough that no number of records can overflow a 64-bit sum in the store.
MAX_TOKENS = 10**12


def usage_totals(records: list[UsageRecord]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "input_tokens": 0,
        "output_tokens": 0,
        "total_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_creation_input_tokens": 0,
        "total_cost_usd": 0.0,
        "unpriced_tokens": 0,
        "llm_calls": 0,
    }
    cost = 0.0
    for r in records:
        out["input_tokens"] += r.input_tokens
        out["output_tokens"] += r.output_tokens
        out["cache_read_input_tokens"] += r.cache_read_tokens
        out["cache_creation_input_tokens"] += r.cache_write_tokens
        out["llm_calls"] += 1
        if r.cost_usd is None:
            out["unpriced_tokens"] += r.input_tokens + r.output_tokens + r.cache_read_tokens + r.cache_write_tokens
        else:
            cost += r.cost_usd
    out["total_tokens"] = out["input_tokens"] + out["output_tokens"]
    out["total_cost_usd"] = round(cost, 10) if out["unpriced_tokens"] == 0 else None
    out["priced_cost_usd"] = round(cost, 10)
    return out


class RunningTotals:
    """``usage_totals`` kept up to date one record at a time (same sums, same order)."""

    def __init__(self) -> None:
        self.tokens = [0, 0, 0, 0]
        self.calls = 0
        self.unpriced = 0
        self.cost = 0.0
        self.totals = usage_totals([])

    def add(self, r: UsageRecord) -> dict[str, Any]:
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
        self.totals = {
            "input_tokens": t[0],
            "output_tokens": t[1],
            "total_tokens": t[0] + t[1],
            "cache_read_input_tokens": t[2],
            "cache_creation_input_tokens": t[3],
            "total_cost_usd": round(self.cost, 10) if self.unpriced == 0 else None,
            "unpriced_tokens": self.unpriced,
            "llm_calls": self.calls,
            "priced_cost_usd": round(self.cost, 10),
        }
        return self.totals
