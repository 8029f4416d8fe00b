"""A serialized in-memory session for budget tests (stands in for goalrail.runtime).

Evaluations of one session run under an asyncio.Lock, state updates are applied
per scope with ``goalrail.engine.state.apply_update`` (ALLOW: all; DENY: the
denying policy's; ASK: held until ``approve()``), and LLM usage is priced with
the PriceTable the way the runtime records it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from goalrail.engine import Chain, Decision, Snapshot, aevaluate
from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.state import apply_update, split_updates
from goalrail.policies.builtins._pricing import get_price_table


class SessionSim:
    def __init__(self, chain: Chain, *, model: str | None = None, owner: str | None = "alice",
                 day: str = "2026-11-22", session_id: str = "s1",
                 user_state: dict[str, Any] | None = None, daily: dict[str, Any] | None = None) -> None:
        self.chain = chain
        self.snap = Snapshot(session_id, owner=owner, model=model,
                             usage={"input_tokens": 0, "output_tokens": 0, "total_tokens": 0,
                                    "total_cost_usd": 0.0, "unpriced_tokens": 0, "llm_calls": 0},
                             user_daily_cost=daily if daily is not None else
                             {"user_id": owner, "day": day, "cost_usd": 0.0},
                             user_state=user_state if user_state is not None else {})
        self.lock = asyncio.Lock()
        self.pending: Decision | None = None
        self.now = 1_795_000_000.0
        self.priced = 0.0

    async def send(self, raw: dict[str, Any]) -> Decision:
        async with self.lock:
            ev = build_event(normalize_event(raw), self.snap, now=self.now)
            d = await aevaluate(self.chain, ev, self.snap.policy_states)
            if d.result == "ASK":
                self.pending = d
            else:
                self.apply(d)
            return d

    def approve(self) -> None:
        assert self.pending is not None
        self.apply(self.pending)
        self.pending = None

    def apply(self, d: Decision) -> None:
        session, policy, user = split_updates(d.state_updates)
        for u in session:
            apply_update(self.snap.state, u)
        for ns, ups in policy.items():
            target = self.snap.policy_states.setdefault(ns, {})
            for u in ups:
                apply_update(target, u)
        for u in user:
            apply_update(self.snap.user_state, u)

    def record(self, model: str, input_tokens: int, output_tokens: int) -> float | None:
        cost = get_price_table().cost(model, input_tokens=input_tokens, output_tokens=output_tokens)
        u = self.snap.usage
        u["input_tokens"] += input_tokens
        u["output_tokens"] += output_tokens
        u["total_tokens"] += input_tokens + output_tokens
        u["llm_calls"] += 1
        if cost is None:
            u["unpriced_tokens"] += input_tokens + output_tokens
            u["total_cost_usd"] = None
        else:
            self.priced += cost
            if u["total_cost_usd"] is not None:
                u["total_cost_usd"] = self.priced
            daily = self.snap.user_daily_cost
            daily["cost_usd"] = float(daily.get("cost_usd") or 0.0) + cost
        return cost
