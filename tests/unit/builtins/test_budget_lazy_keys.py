"""The budget gate reads its reservation keys only when an answer needs them: every answer
(verdict, reason, state updates in order, or the exception raised) is the one of the gate
that scanned the whole state on each call (``budget_before.py``), on random states —
counts in flight, stale and negative, buckets left at zero, expired reservations, foreign
and other days' keys — and on sessions of concurrent requests and responses."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.state import apply_update
from goalrail.policies.builtins import _budget
from goalrail.policies.builtins._budget_params import check_params
from goalrail.policies.pricing import default_price_table
from tests.unit.builtins import budget_before

NOW = 1_795_000_000.0
DAY = "2026-11-18"
PRICES = default_price_table()
MODELS = ["claude-opus-4-1", "claude-haiku-4-5", "mystery-model-x", None]


def gates(rng: random.Random) -> tuple[Any, Any]:
    """The same random budget, shipped and before."""
    daily = rng.random() < 0.5
    max_usd = rng.choice([None, 1.0, 5.0]) if not daily else rng.choice([1.0, 5.0])
    thresholds = sorted(rng.sample([0.25, 0.5, 0.75], rng.randint(0 if max_usd else 1, 3)))
    models = rng.choice([None, ["*opus*"], ["*", "!*haiku*"]])
    params = check_params(max_usd, thresholds, models, rng.choice([64, 4096]))
    if daily:
        return _budget.DailyBudget(*params), budget_before.DailyBudget(*params)
    return _budget.SessionBudget(*params), budget_before.SessionBudget(*params)


def prefix(gate: Any, day: str = DAY) -> str:
    return f"{gate.base}{day}:" if isinstance(gate, _budget.DailyBudget) else ""


def random_state(rng: random.Random, p: str) -> dict[str, Any]:
    state: dict[str, Any] = {}
    if rng.random() < 0.8:
        state[p + "reserved_n"] = rng.choice([0, 0, 1, 2, 3, 7, -1, -3, 2.5, True])
    if rng.random() < 0.7:
        state[p + "reserved_at"] = NOW - rng.choice([0.0, 5.0, 899.0, 900.0, 901.0, 5000.0])
    many = rng.random() < 0.1  # past MAX_BUCKETS distinct amounts: a new one is rounded up
    for _ in range(rng.choice([0, 0, 1, 2, 4]) if not many else _budget.MAX_BUCKETS + 2):
        amount = rng.choice([0.003, 0.25, 0.5, 1.5, 0.000001]) if not many else rng.uniform(0.0, 0.01)
        state[f"{p}reserved:{amount:.6f}"] = rng.choice([0, 1, 2, 5, -1, True, "x", 1.5])
    if rng.random() < 0.2:
        state[p + "reserved:nan-ish"] = 1  # a key that reads as no amount
    if rng.random() < 0.3:
        state[p + "unpriced_ok"] = True
    if rng.random() < 0.3:
        state[p + "approved_usd"] = rng.choice([0.25, 0.5, 0.75])
    if rng.random() < 0.3:
        state["other:key"] = rng.choice([1, "v", [1, 2]])
    if p and rng.random() < 0.4:  # a daily budget's earlier day
        state[f"{p[: -len(DAY) - 1]}2026-11-17:reserved_n"] = 2
        state[f"{p[: -len(DAY) - 1]}2026-11-17:reserved:0.500000"] = 2
    return state


def random_raw(rng: random.Random) -> dict[str, Any]:
    kind = rng.choice(["request", "tool_call", "llm_request", "llm_request", "llm_response", "tool_result"])
    if kind == "tool_call":
        return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}
    if kind == "tool_result":
        return {"type": "tool_result", "target": "Bash", "data": {"result": "ok"}}
    if kind == "request":
        return {"type": "request", "data": "hello"}
    model = rng.choice(MODELS)
    if kind == "llm_response":
        return {"type": "llm_response", "data": {"model": model or "claude-opus-4-1", "text": "ok"}}
    data: dict[str, Any] = {"messages": [{"role": "user", "content": "x" * rng.choice([0, 40, 4000, 400_000])}]}
    if model is not None:
        data["model"] = model
    if rng.random() < 0.7:
        data["max_tokens"] = rng.choice([1, 1000, 64_000])
    return {"type": "llm_request", "data": data}


def event(
    raw: dict[str, Any], rng: random.Random, gate: Any, state: dict[str, Any], now: float = NOW, day: str = DAY
) -> dict[str, Any]:
    spent = rng.choice([0.0, 0.1, 0.3, 0.6, 0.9, 1.0, 4.9, 5.0, 7.0, None])
    usage = {
        "total_cost_usd": spent,
        "total_tokens": rng.choice([0, 100]),
        "unpriced_tokens": rng.choice([0, 0, 0, 50]),
        "llm_calls": 1,
    }
    daily = {"day": day, "cost_usd": rng.choice([0.0, 0.4, 0.8, 1.2, 6.0, None])}
    daily_gate = hasattr(gate, "base")  # a daily budget, shipped or before
    snap = Snapshot(
        "s1",
        owner="alice",
        model=rng.choice(MODELS),
        usage=usage,
        user_daily_cost=daily if rng.random() < 0.9 else {},
        user_state=state if daily_gate else {},
    )
    e = dict(build_event(normalize_event(raw), snap, now=now, prices=PRICES))
    e["policy_state"] = {} if daily_gate else state
    return e


def answer(gate: Any, e: dict[str, Any]) -> Any:
    try:
        return gate(e)
    except Exception as exc:  # the fail-closed reason names the exception: it must be the same one
        return ("raised", type(exc).__name__, str(exc))


@pytest.mark.parametrize("seed", range(60))
def test_random_states_get_the_same_answers(seed: int) -> None:
    rng = random.Random(seed)
    new, old = gates(rng)
    for _ in range(150):
        state = random_state(rng, prefix(new))
        raw = random_raw(rng)
        seed_e = rng.random()
        e_new = event(raw, random.Random(seed_e), new, state)
        e_old = event(raw, random.Random(seed_e), old, state)
        assert answer(new, e_new) == answer(old, e_old), (state, raw)


@pytest.mark.parametrize("seed", range(30))
def test_sessions_of_concurrent_requests_get_the_same_answers(seed: int) -> None:
    """Several events decided on one snapshot (in flight at once), their updates then applied:
    reservations taken by concurrent requests, released by concurrent responses (counts left
    at zero), expired by a pause, and (daily) a new day's keys."""
    rng = random.Random(1000 + seed)
    new, old = gates(rng)
    state: dict[str, Any] = {}
    now, day = NOW, DAY
    for _ in range(120):
        now += rng.choice([0.1, 1.0, 30.0, 1000.0])
        if rng.random() < 0.03:
            day = "2026-11-19"
        batch = [random_raw(rng) for _ in range(rng.choice([1, 1, 2, 3]))]
        found = []
        for raw in batch:
            seed_e = rng.random()
            e_new = event(raw, random.Random(seed_e), new, state, now, day)
            e_old = event(raw, random.Random(seed_e), old, state, now, day)
            got = answer(new, e_new)
            assert got == answer(old, e_old), (state, raw)
            found.append(got)
        for got in found:  # allowed, or asked and approved
            if isinstance(got, dict) and (got["result"] == "ALLOW" or (got["result"] == "ASK" and rng.random() < 0.5)):
                for upd in got.get("state_updates", []):
                    apply_update(state, upd)
        assert all(isinstance(k, str) for k in state)


@pytest.mark.parametrize("stale", ["none_in_flight", "expired"])
def test_a_clean_up_rounds_a_new_reservation_as_the_keys_it_deletes_count(stale: str) -> None:
    """Past ``MAX_BUCKETS`` distinct amounts in the state, a new amount is rounded up to a power
    of two — counted on the keys the state holds, those this very answer deletes included."""
    for new, old in [
        (
            _budget.SessionBudget(*check_params(50.0, None, None, 4096)),
            budget_before.SessionBudget(*check_params(50.0, None, None, 4096)),
        ),
        (
            _budget.DailyBudget(*check_params(50.0, None, None, 4096)),
            budget_before.DailyBudget(*check_params(50.0, None, None, 4096)),
        ),
    ]:
        p = prefix(new)
        state: dict[str, Any] = {f"{p}reserved:{0.001 + i / 1e6:.6f}": 0 for i in range(_budget.MAX_BUCKETS)}
        if stale == "expired":
            state.update({p + "reserved_n": 3, p + "reserved_at": NOW - 2 * _budget.RESERVATION_TTL_S})
        raw = {"type": "llm_request", "data": {"model": "claude-haiku-4-5", "max_tokens": 1000, "messages": []}}
        got = answer(new, event(raw, random.Random(7), new, state))
        assert got == answer(old, event(raw, random.Random(7), old, state))
        reserve = [u["key"] for u in got["state_updates"] if u["action"] == "increment" and u["value"] == 1]
        assert len(reserve) == 2 and reserve[0].startswith(p + "reserved:")
        amount = float(reserve[0][len(p + "reserved:") :])
        assert math.log2(amount * 1e6).is_integer(), amount  # rounded: the deleted keys counted
