"""What the Python API knows about an action (from its ``context`` mapping)
and its in-memory per-session counters for ``max_operations_per_minute``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime

from goalrail.patterns.conditions import RATE_WINDOW_S, ActionFacts, count_after
from goalrail.patterns.model import EvaluationResult


def _epoch(value: object) -> float:
    if value is None:
        return time.time()
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise ValueError(f"context time `{value}` must be epoch seconds or a datetime")


def facts_from_context(context: Mapping[str, object] | None) -> ActionFacts:
    ctx = context or {}
    size = ctx.get("size_bytes", ctx.get("size"))
    rows = ctx.get("affected_rows")
    agent = ctx.get("agent_id", ctx.get("agent"))
    return ActionFacts(
        agent=str(agent) if agent is not None else None,
        now=_epoch(ctx.get("now", ctx.get("time"))),
        size=int(size) if isinstance(size, (int, float)) and not isinstance(size, bool) else None,
        method=str(ctx["method"]) if ctx.get("method") else None,
        affected_rows=int(rows) if isinstance(rows, int) and not isinstance(rows, bool) else None,
    )


class InMemoryRates:
    """Per-session operation timestamps for ``max_operations_per_minute`` in
    the Python API (the Goalrail builtin keeps them in policy state instead)."""

    #: windows kept before the first sweep of those that can never count again
    SWEEP_AT = 1024

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rate: dict[tuple[str, str], list[float]] = {}
        self._sweep_at = self.SWEEP_AT

    def evaluate(
        self,
        decide: Callable[..., EvaluationResult],
        action_type: str,
        target: str | None,
        context: Mapping[str, object] | None,
    ) -> EvaluationResult:
        facts = facts_from_context(context)
        session = str((context or {}).get("session_id", ""))

        def rate(key: str, cutoff: float) -> int:
            with self._lock:
                return count_after(self._rate.get((session, key), ()), cutoff)

        result: EvaluationResult = decide(action_type, target or "", facts, rate)
        if result.rate_keys:
            with self._lock:
                for key, limit in result.rate_keys:
                    items = self._rate.setdefault((session, key), [])
                    items.append(facts.now)
                    del items[:-limit]
                if len(self._rate) >= self._sweep_at:
                    self._sweep(facts.now - RATE_WINDOW_S)
        return result

    def _sweep(self, cutoff: float) -> None:
        """Drop the windows whose every time is at or before ``cutoff`` (no call at ``now`` or later
        counts them: one window long), then sweep again when twice as many are kept (amortised)."""
        gone = [key for key, items in self._rate.items() if max(items, default=cutoff) <= cutoff]
        for key in gone:
            del self._rate[key]
        self._sweep_at = max(self.SWEEP_AT, 2 * len(self._rate))
