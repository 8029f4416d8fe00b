"""The budget gate shared by ``cost_budget`` and ``user_daily_cost_budget``.

One algorithm, two sources of spend and two homes for the gate's own state:

* ``SessionBudget`` reads ``context.usage`` and keeps its state in *policy*
  scope (private to the policy instance, per session);
* ``DailyBudget`` reads ``context.user_daily_cost`` and keeps its state in
  *user* scope under keys that contain the UTC day, so approvals and
  reservations are shared by the owner's sessions and reset every day.

Per event (``request``, ``tool_call``, ``llm_request``; ``llm_response`` only
releases the reservation of the request with its ``id``):

1. hard limit: spend ≥ ``max_cost_usd`` (``llm_request``: spend + in-flight
   reservations + this request's worst case > max) → DENY while the model is
   expensive; a cheaper model is allowed (the downgrade gate);
2. unpriced usage, or an ``llm_request`` to a model without a price → ASK once
   (remembered when approved); such tokens count, and such a request reserves, at
   the fallback price ``unpriced_usd_per_mtok`` all the same, so steps 1 and 4 hold;
3. the highest soft threshold reached that is above the approved level → ASK
   (remembered when approved);
4. an allowed ``llm_request`` reserves its worst-case cost; only the
   ``llm_response`` carrying the same event ``id`` in the same session releases
   it (``_budget_keys.py``), so a response naming no reservation, or another
   session's, releases nothing and an agent cannot free its own budget by
   posting responses.  Reservations older than ``RESERVATION_TTL_S`` are
   dropped (a call that never answered, or a request without an ``id``).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Mapping
from typing import Any

from goalrail.policies.builtins._budget_keys import MAX_BUCKETS as MAX_BUCKETS  # (re-exported)
from goalrail.policies.builtins._budget_keys import MAX_HELD, bucket_amount
from goalrail.policies.builtins._budget_keys import Bucket as _Bucket
from goalrail.policies.builtins._budget_keys import Keys as _Keys
from goalrail.policies.builtins._budget_keys import buckets as _buckets
from goalrail.policies.builtins._budget_keys import prefixed as _prefixed
from goalrail.policies.builtins._budget_params import UNPRICED_USD_PER_MTOK
from goalrail.policies.builtins._models import ModelMatcher, shown
from goalrail.policies.pricing import default_price_table
from goalrail.policies.prompt_size import estimate_prompt_tokens, max_output_tokens
from goalrail.policies.schema import PolicyEvent, PolicyResponse, StateAction, StateScope, StateUpdate

GATED_PHASES = frozenset({"request", "tool_call", "llm_request"})
_LLM_PHASES = frozenset({"llm_request", "llm_response"})  # the events a reservation claim is named by
_PHASES = GATED_PHASES | {"llm_response"}
RESERVATION_TTL_S = 900.0
DEFAULT_MAX_OUTPUT_TOKENS = 4096
_EPS = 1e-9


def usd(x: float) -> str:
    return f"${x:,.2f}" if abs(x) >= 0.01 or x == 0 else f"${x:.4f}"


class BudgetGate:
    """The shared algorithm; subclasses say where spend and state live."""

    name = "cost_budget"
    scope: StateScope = "policy"
    what = "session spend"

    def __init__(
        self,
        max_cost_usd: float | None,
        thresholds: tuple[float, ...],
        matcher: ModelMatcher | None,
        default_max_output_tokens: int,
        unpriced_usd_per_mtok: float = UNPRICED_USD_PER_MTOK,
    ) -> None:
        self.max = max_cost_usd
        self.thresholds = thresholds
        self.matcher = matcher
        self.default_out = default_max_output_tokens
        self.per_mtok = unpriced_usd_per_mtok
        self.fallback = unpriced_usd_per_mtok / 1e6  # USD per unpriced token
        self._lowest = thresholds[0] - _EPS if thresholds else math.inf  # below it, no threshold is reached
        self._keys = _Keys("")

    # --- hooks ---------------------------------------------------------------

    def state(self, event: PolicyEvent) -> Mapping[str, Any]:
        return event.get("policy_state") or {}

    def keys(self, event: PolicyEvent) -> _Keys:
        return self._keys

    def spend(self, event: PolicyEvent) -> tuple[float, int, bool]:
        """(spend, unpriced tokens, spend unknown).

        When ``total_cost_usd`` is None (some usage could not be priced) the
        priced part (``priced_cost_usd``) still counts against the budget, and
        each unpriced token at the fallback price (``unpriced_usd_per_mtok``).
        """
        usage = event["context"].get("usage") or {}
        total = usage.get("total_cost_usd")
        priced = total if total is not None else usage.get("priced_cost_usd")
        unpriced = int(usage.get("unpriced_tokens") or 0)
        return (
            (float(priced) if isinstance(priced, (int, float)) else 0.0) + unpriced * self.fallback,
            unpriced,
            total is None and bool(usage.get("total_tokens") or usage.get("llm_calls") or unpriced),
        )

    def housekeeping(self, event: PolicyEvent) -> list[StateUpdate]:
        return []

    # --- the gate ------------------------------------------------------------

    def _upd(self, key: str, action: StateAction, value: object = None) -> StateUpdate:
        upd: StateUpdate = {"key": key, "action": action, "scope": self.scope}
        if action != "delete":
            upd["value"] = value
        return upd

    def expensive(self, model: str | None) -> bool:
        if self.matcher is None or model is None:
            return True
        return self.matcher.matches(model)

    def __call__(self, event: PolicyEvent) -> PolicyResponse | None:
        etype = event["type"]
        if etype not in _PHASES:
            return None
        ctx = event["context"]
        st, k = self.state(event), self.keys(event)
        now = float(ctx.get("now") or time.time())
        n = int(st.get(k.n) or 0)
        # The reservations' keys are read only when something needs them: a release, an
        # LLM request's reservation, or a clean-up (expired, or none in flight while keys
        # or a negative count are left) — with a count in flight and fresh, a turn or a
        # tool call needs none of them.
        found: list[_Bucket] | None = None
        live: list[_Bucket] | None = None
        updates: list[StateUpdate] = []
        expired = n > 0 and now - float(st.get(k.at) or now) > RESERVATION_TTL_S
        if expired or n <= 0:
            found = live = _buckets(st, k.bucket)
            if expired or found or n < 0:
                updates = [self._upd(key, "delete") for _, _, key in found]
                updates += [self._upd(key, "delete") for key in _prefixed(st, k.held)]
                if n:
                    updates.append(self._upd(k.n, "increment", -n))
                n, live = 0, []
        # The claim this event's id names (an LLM request's, or its response's): one lookup.
        claim = k.claim(ctx.get("session_id"), event.get("id")) if etype in _LLM_PHASES else None
        if etype == "llm_response":
            amount = st.get(claim) if claim is not None and n > 0 else None
            if claim is not None and isinstance(amount, (int, float)) and not isinstance(amount, bool):
                updates += self._release(k, st, claim, amount, n, live)
            return {"result": "ALLOW", "state_updates": updates} if updates else None
        return self._gate(event, st, k, found, live, now, updates, claim if n < MAX_HELD else None)

    def _release(
        self, k: _Keys, st: Mapping[str, Any], claim: str, amount: float, n: int, live: list[_Bucket] | None
    ) -> list[StateUpdate]:
        """Release the reservation ``claim`` names: only the response carrying its request's
        ``id`` finds it, so an unrelated ``llm_response`` releases nothing."""
        # the last one in flight: no key is left
        keys = [key for _, _, key in (_buckets(st, k.bucket) if live is None else live)] if n == 1 else []
        out = [self._upd(key, "delete") for key in keys]
        if not keys:
            out.append(self._upd(f"{k.bucket}{amount:.6f}", "increment", -1))
        out += [self._upd(claim, "delete"), self._upd(k.n, "increment", -1)]
        return out

    def _gate(
        self,
        event: PolicyEvent,
        st: Mapping[str, Any],
        k: _Keys,
        found: list[_Bucket] | None,
        live: list[_Bucket] | None,
        now: float,
        updates: list[StateUpdate],
        claim: str | None = None,
    ) -> PolicyResponse | None:
        """``found``: the reservation keys in the state (None: not read yet); ``live``: those
        still in flight after a clean-up; ``claim``: the key a reservation is claimed under."""
        etype, data, ctx = event["type"], event["data"], event["context"]
        spent, unpriced_tokens, unknown = self.spend(event)
        is_llm = etype == "llm_request" and isinstance(data, Mapping)
        model = (data.get("model") if is_llm else None) or ctx.get("model")
        matcher = self.matcher
        expensive = True if matcher is None or model is None else matcher.matches(model)
        estimate = None
        reserved = 0.0
        unpriced_model = False
        if is_llm:
            if live is None:
                found = live = _buckets(st, k.bucket)
            reserved = sum(amount * count for amount, count, _ in live)
            prices = event.get("prices") or default_price_table()  # the runtime's table, handed in
            prompt, out = estimate_prompt_tokens(data), max_output_tokens(data, self.default_out)
            estimate = prices.estimate_max(model, prompt, out)
            if estimate is None:  # no price: its worst case at the fallback price, reserved as any other
                unpriced_model, estimate = True, (prompt + out) * self.fallback
            level = spent + reserved + estimate
        else:
            level = spent

        # 1. hard limit (the downgrade gate)
        if self.max is not None and expensive and (spent >= self.max or level > self.max + _EPS):
            return {
                "result": "DENY",
                "reason": self._deny_reason(model, spent, reserved, estimate, is_llm),
                "state_updates": updates,
            }

        asks: list[str] = []
        held: list[StateUpdate] = []
        # 2. unpriced usage or an unpriced model
        if not st.get(k.ok) and (unknown or unpriced_tokens > 0 or unpriced_model):
            asks.append(self._unpriced_ask(unknown, unpriced_tokens, model))
            held.append(self._upd(k.ok, "set", True))
        # 3. soft thresholds (none reached below the lowest: no scan of them)
        crossed = None if level < self._lowest else max((t for t in self.thresholds if level >= t - _EPS), default=None)
        approved = float(st.get(k.approved) or 0.0)
        if crossed is not None and crossed > approved + _EPS:
            asks.append(self._threshold_ask(crossed, spent, reserved, estimate, is_llm))
            held.append(self._upd(k.approved, "set", crossed))
        # 4. reservation
        if is_llm and estimate is not None and estimate > 0:
            held += self._reserve(k, estimate, now, found or [], claim)
        if held:
            updates = updates + held + self.housekeeping(event)
        return self._answer(asks, updates, spent, model)

    def _reserve(
        self, k: _Keys, estimate: float, now: float, found: list[_Bucket], claim: str | None
    ) -> list[StateUpdate]:
        """Hold this request's worst case (rounded up to a micro-dollar) until its response
        (the ``llm_response`` with its ``id``; without one, or past ``MAX_HELD`` in flight,
        until it expires); ``found``: the reservation keys in the state (those a clean-up
        deletes included)."""
        amount = bucket_amount(estimate, {b[0] for b in found})
        out = [
            self._upd(f"{k.bucket}{amount:.6f}", "increment", 1),
            self._upd(k.n, "increment", 1),
            self._upd(k.at, "set", now),
        ]
        if claim is not None:
            out.append(self._upd(claim, "set", amount))
        return out

    def _unpriced_ask(self, unknown: bool, unpriced_tokens: int, model: str | None) -> str:
        """Why the spend is incomplete: unpriced usage, or (else) a request to a model without a price."""
        rate = f"{usd(self.per_mtok)} per million tokens (`unpriced_usd_per_mtok`)" if self.fallback else ""
        if unknown or unpriced_tokens > 0:
            then = f"continue, each such token counted at {rate}" if rate else "continue without a complete cost"
            return (
                f"{self.name}: {unpriced_tokens or 'some'} tokens could not be priced, so "
                f"{self.what} is incomplete; approve to {then}"
            )
        label = f"`{shown(model)}`" if model else "this model"
        if rate:
            return f"{self.name}: {label} has no known price; approve to continue, its tokens counted at {rate}"
        return f"{self.name}: {label} has no known price, so its cost cannot be counted; approve to continue unpriced"

    def _threshold_ask(
        self, crossed: float, spent: float, reserved: float, estimate: float | None, is_llm: bool
    ) -> str:
        """A soft threshold crossed by the spend, or one this request's worst case could cross."""
        limit = f" (limit {usd(self.max)})" if self.max is not None else ""
        if is_llm and spent < crossed - _EPS:
            flight = f" + {usd(reserved)} in flight" if reserved > _EPS else ""
            what = f"{self.what} {usd(spent)}{flight} plus this request's worst case {usd(estimate or 0.0)} could cross"
        else:
            what = f"{self.what} {usd(spent)} crossed"
        return f"{self.name}: {what} the {usd(crossed)} threshold{limit}; approve to continue"

    def _answer(
        self, asks: list[str], updates: list[StateUpdate], spent: float, model: str | None
    ) -> PolicyResponse | None:
        """ASK when anything needs approval; else ALLOW (on a cheaper model past the limit) or abstain."""
        if asks:
            return {"result": "ASK", "reason": "; ".join(asks), "state_updates": updates}
        if self.max is not None and spent >= self.max:
            return {
                "result": "ALLOW",
                "state_updates": updates,
                "reason": f"{self.name}: over the {usd(self.max)} limit, allowed on cheaper model `{shown(model)}`",
            }
        if updates:
            return {"result": "ALLOW", "state_updates": updates}
        return None

    def _deny_reason(
        self, model: str | None, spent: float, reserved: float, estimate: float | None, is_llm: bool
    ) -> str:
        assert self.max is not None
        if self.matcher is None:
            tail = "no further requests are allowed"
        elif model is None:
            tail = "the session model is unknown; switch to a cheaper model to continue"
        else:
            tail = f"`{shown(model)}` is an expensive model; switch to a cheaper model to continue"
        if spent >= self.max:
            return f"{self.name}: {self.what} {usd(spent)} reached the {usd(self.max)} limit; {tail}"
        flight = f" + {usd(reserved)} in flight" if reserved > _EPS else ""
        return (
            f"{self.name}: this request could cost up to {usd(estimate or 0.0)}; with {self.what} "
            f"{usd(spent)}{flight} it could exceed the {usd(self.max)} limit; {tail}"
        )


class SessionBudget(BudgetGate):
    pass


class DailyBudget(BudgetGate):
    name = "user_daily_cost_budget"
    scope: StateScope = "user"
    what = "today's spend"

    def __init__(
        self,
        max_cost_usd: float | None,
        thresholds: tuple[float, ...],
        matcher: ModelMatcher | None,
        default_max_output_tokens: int,
        unpriced_usd_per_mtok: float = UNPRICED_USD_PER_MTOK,
    ) -> None:
        super().__init__(max_cost_usd, thresholds, matcher, default_max_output_tokens, unpriced_usd_per_mtok)
        fp = hashlib.sha256(repr((self.max, self.thresholds)).encode()).hexdigest()[:8]
        self.base = f"{self.name}:{fp}:"
        self._days: dict[str, _Keys] = {}

    def state(self, event: PolicyEvent) -> Mapping[str, Any]:
        return event["context"].get("user_state") or {}

    def day(self, event: PolicyEvent) -> str:
        ctx = event["context"]
        day = (ctx.get("user_daily_cost") or {}).get("day")
        if isinstance(day, str) and day:
            return day
        return time.strftime("%Y-%m-%d", time.gmtime(float(ctx.get("now") or time.time())))

    def keys(self, event: PolicyEvent) -> _Keys:
        day = self.day(event)
        keys = self._days.get(day)
        if keys is None:
            if len(self._days) >= 4:  # a day or two in use at a time
                self._days.clear()
            keys = self._days[day] = _Keys(f"{self.base}{day}:")
        return keys

    def spend(self, event: PolicyEvent) -> tuple[float, int, bool]:
        ctx = event["context"]
        daily: Mapping[str, Any] = ctx.get("user_daily_cost") or {}
        s_spent, s_unpriced, s_unknown = super().spend(event)
        cost = daily.get("cost_usd")
        unpriced = max(int(daily.get("unpriced_tokens") or 0), s_unpriced)
        # Today's spend (its unpriced tokens at the fallback price) is never below this session's own.
        spent = max((float(cost) if isinstance(cost, (int, float)) else 0.0) + unpriced * self.fallback, s_spent)
        return spent, unpriced, s_unknown or ("cost_usd" in daily and cost is None)

    def housekeeping(self, event: PolicyEvent) -> list[StateUpdate]:
        """Forget earlier days' keys of this budget."""
        today = self.keys(event).prefix
        return [self._upd(k, "delete") for k in _prefixed(self.state(event), self.base) if not k.startswith(today)]
