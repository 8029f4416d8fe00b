"""The budget gate as it read its state before reservation keys were read lazily: every
key of the state scanned on each call (twice for an LLM request), kept verbatim as the
reference ``test_budget_lazy_keys.py`` compares the shipped gate's answers with.

The budget gate shared by ``cost_budget`` and ``user_daily_cost_budget``.

One algorithm, two sources of spend and two homes for the gate's own state:

* ``SessionBudget`` reads ``context.usage`` and keeps its state in *policy*
  scope (private to the policy instance, per session);
* ``DailyBudget`` reads ``context.user_daily_cost`` and keeps its state in
  *user* scope under keys that contain the UTC day, so approvals and
  reservations are shared by the owner's sessions and reset every day.

Per event (``request``, ``tool_call``, ``llm_request``; ``llm_response`` only
releases a reservation):

1. hard limit: spend ≥ ``max_cost_usd`` (``llm_request``: spend + in-flight
   reservations + this request's worst case > max) → DENY while the model is
   expensive; a cheaper model is allowed (the downgrade gate);
2. unpriced usage, or an ``llm_request`` to a model without a price → ASK once
   (remembered when approved);
3. the highest soft threshold reached that is above the approved level → ASK
   (remembered when approved);
4. an allowed ``llm_request`` reserves its worst-case cost; an ``llm_response``
   releases the smallest reservation in flight (so what stays reserved always
   covers the calls still running).  Reservations older than
   ``RESERVATION_TTL_S`` are dropped (a call that never answered).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from goalrail.policies.builtins._models import ModelMatcher, shown
from goalrail.policies.pricing import default_price_table
from goalrail.policies.prompt_size import estimate_prompt_tokens, max_output_tokens
from goalrail.policies.schema import PolicyEvent, PolicyResponse, StateAction, StateScope, StateUpdate

GATED_PHASES = frozenset({"request", "tool_call", "llm_request"})
RESERVATION_TTL_S = 900.0
DEFAULT_MAX_OUTPUT_TOKENS = 4096
_EPS = 1e-9


_BUCKET = "reserved:"
#: Distinct reservation amounts kept exactly; past that, amounts round up to powers of two.
MAX_BUCKETS = 64


def bucket_amount(estimate: float, held: Collection[float]) -> float:
    """The amount a reservation of ``estimate`` is kept under: rounded up to a micro-dollar, or,
    once ``MAX_BUCKETS`` distinct amounts are in flight, up to a power of two micro-dollars (never
    less than the worst case, at most twice it), so the keys stay few whatever the requests ask."""
    amount = math.ceil(estimate * 1e6) / 1e6
    if len(held) < MAX_BUCKETS or amount in held:
        return amount
    return float(2 ** math.ceil(math.log2(max(amount * 1e6, 1.0)))) / 1e6


def _buckets(state: Mapping[str, object], prefix: str) -> list[tuple[float, int, str]]:
    """In-flight reservations: (amount, count, key) for keys ``<prefix><amount>``.

    Reservations are counters per amount, changed only by increments, so
    concurrent writers never lose one; a count below zero reads as zero.
    """
    out = []
    for key, value in state.items():
        if key.startswith(prefix) and isinstance(value, int) and not isinstance(value, bool):
            try:
                amount = float(key[len(prefix) :])
            except ValueError:
                continue
            out.append((amount, max(value, 0), key))
    return out


def usd(x: float) -> str:
    return f"${x:,.2f}" if abs(x) >= 0.01 or x == 0 else f"${x:.4f}"


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
    ) -> None:
        self.max = max_cost_usd
        self.thresholds = thresholds
        self.matcher = matcher
        self.default_out = default_max_output_tokens

    # --- hooks ---------------------------------------------------------------

    def state(self, event: PolicyEvent) -> Mapping[str, Any]:
        return event.get("policy_state") or {}

    def prefix(self, event: PolicyEvent) -> str:
        return ""

    def spend(self, event: PolicyEvent) -> tuple[float, int, bool]:
        """(priced spend, unpriced tokens, spend unknown).

        When ``total_cost_usd`` is None (some usage could not be priced) the
        priced part (``priced_cost_usd``) still counts against the budget.
        """
        usage = event["context"].get("usage") or {}
        total = usage.get("total_cost_usd")
        priced = total if total is not None else usage.get("priced_cost_usd")
        unpriced = int(usage.get("unpriced_tokens") or 0)
        return (
            (float(priced) if isinstance(priced, (int, float)) else 0.0),
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
        if etype not in GATED_PHASES and etype != "llm_response":
            return None
        ctx = event["context"]
        st, p = self.state(event), self.prefix(event)
        k_n, k_at = p + "reserved_n", p + "reserved_at"
        now = float(ctx.get("now") or time.time())
        n = int(st.get(k_n) or 0)
        buckets = _buckets(st, p + _BUCKET)
        reserved = sum(amount * count for amount, count, _ in buckets)
        updates: list[StateUpdate] = []
        expired = n > 0 and now - float(st.get(k_at) or now) > RESERVATION_TTL_S
        if expired or (n <= 0 and (buckets or n < 0)):
            updates += [self._upd(key, "delete") for _, _, key in buckets]
            if n:
                updates.append(self._upd(k_n, "increment", -n))
            reserved, n, buckets = 0.0, 0, []
        if etype == "llm_response":
            if n == 1:
                updates += [self._upd(key, "delete") for _, _, key in buckets]
                updates.append(self._upd(k_n, "increment", -1))
            elif n > 1:
                # Release the smallest reservation in flight: what stays reserved is never
                # less than the calls still running can cost.
                smallest = min((b for b in buckets if b[1] > 0), default=None)
                if smallest is not None:
                    updates.append(self._upd(smallest[2], "increment", -1))
                updates.append(self._upd(k_n, "increment", -1))
            return {"result": "ALLOW", "state_updates": updates} if updates else None
        return self._gate(event, st, p, reserved, n, now, updates)

    def _gate(
        self,
        event: PolicyEvent,
        st: Mapping[str, Any],
        p: str,
        reserved: float,
        n: int,
        now: float,
        updates: list[StateUpdate],
    ) -> PolicyResponse | None:
        etype, data, ctx = event["type"], event["data"], event["context"]
        spent, unpriced_tokens, unknown = self.spend(event)
        is_llm = etype == "llm_request" and isinstance(data, Mapping)
        model = (data.get("model") if is_llm else None) or ctx.get("model")
        expensive = self.expensive(model)
        estimate = None
        if is_llm:
            prices = event.get("prices") or default_price_table()  # the runtime's table, handed in
            estimate = prices.estimate_max(
                model, estimate_prompt_tokens(data), max_output_tokens(data, self.default_out)
            )
        level = spent + reserved + (estimate or 0.0) if is_llm else spent

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
        if not st.get(p + "unpriced_ok"):
            ask = self._unpriced_ask(unknown, unpriced_tokens, is_llm, estimate, model)
            if ask is not None:
                asks.append(ask)
                held.append(self._upd(p + "unpriced_ok", "set", True))
        # 3. soft thresholds
        crossed = max((t for t in self.thresholds if level >= t - _EPS), default=None)
        approved = float(st.get(p + "approved_usd") or 0.0)
        if crossed is not None and crossed > approved + _EPS:
            asks.append(self._threshold_ask(crossed, spent, reserved, estimate, is_llm))
            held.append(self._upd(p + "approved_usd", "set", crossed))
        # 4. reservation
        if is_llm and estimate is not None and estimate > 0:
            held += self._reserve(p, estimate, now, st)
        if held:
            updates = updates + held + self.housekeeping(event)
        return self._answer(asks, updates, spent, model)

    def _reserve(self, p: str, estimate: float, now: float, st: Mapping[str, object]) -> list[StateUpdate]:
        """Hold this request's worst case (rounded up to a micro-dollar) until its response."""
        amount = bucket_amount(estimate, {b[0] for b in _buckets(st, p + _BUCKET)})
        return [
            self._upd(f"{p}{_BUCKET}{amount:.6f}", "increment", 1),
            self._upd(p + "reserved_n", "increment", 1),
            self._upd(p + "reserved_at", "set", now),
        ]

    def _unpriced_ask(
        self, unknown: bool, unpriced_tokens: int, is_llm: bool, estimate: float | None, model: str | None
    ) -> str | None:
        """Why the spend is incomplete (unpriced usage, or a request to a model without a price)."""
        if unknown or unpriced_tokens > 0:
            return (
                f"{self.name}: {unpriced_tokens or 'some'} tokens could not be priced, so "
                f"{self.what} is incomplete; approve to continue without a complete cost"
            )
        if is_llm and estimate is None:
            label = f"`{shown(model)}`" if model else "this model"
            return (
                f"{self.name}: {label} has no known price, so its cost cannot be counted; approve to continue unpriced"
            )
        return None

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
    ) -> None:
        super().__init__(max_cost_usd, thresholds, matcher, default_max_output_tokens)
        fp = hashlib.sha256(repr((self.max, self.thresholds)).encode()).hexdigest()[:8]
        self.base = f"{self.name}:{fp}:"

    def state(self, event: PolicyEvent) -> Mapping[str, Any]:
        return event["context"].get("user_state") or {}

    def day(self, event: PolicyEvent) -> str:
        ctx = event["context"]
        day = (ctx.get("user_daily_cost") or {}).get("day")
        if isinstance(day, str) and day:
            return day
        return time.strftime("%Y-%m-%d", time.gmtime(float(ctx.get("now") or time.time())))

    def prefix(self, event: PolicyEvent) -> str:
        return f"{self.base}{self.day(event)}:"

    def spend(self, event: PolicyEvent) -> tuple[float, int, bool]:
        ctx = event["context"]
        daily: Mapping[str, Any] = ctx.get("user_daily_cost") or {}
        s_spent, s_unpriced, s_unknown = super().spend(event)
        cost = daily.get("cost_usd")
        unpriced = max(int(daily.get("unpriced_tokens") or 0), s_unpriced)
        # Today's spend is never below this session's own spend.
        spent = max(float(cost) if isinstance(cost, (int, float)) else 0.0, s_spent)
        return spent, unpriced, s_unknown or ("cost_usd" in daily and cost is None)

    def housekeeping(self, event: PolicyEvent) -> list[StateUpdate]:
        """Forget earlier days' keys of this budget."""
        today = self.prefix(event)
        return [
            self._upd(k, "delete") for k in self.state(event) if k.startswith(self.base) and not k.startswith(today)
        ]
