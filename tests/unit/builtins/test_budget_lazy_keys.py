"""The budget gate reads its reservation keys only when an answer needs them: every answer
(verdict, reason, state updates in order, or the exception raised) is the one the gate gave
when it scanned the whole state on each call, on random states — counts in flight, stale
and negative, buckets left at zero, expired reservations, foreign and other days' keys —
and on sessions of concurrent requests and responses.  What that gate answered is kept as
a digest per seed (``RANDOM``, ``SESSIONS``: SHA-256 of the answers' ``repr``, 16 hex
digits), recorded from it on the same generated events."""

from __future__ import annotations

import hashlib
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

NOW = 1_795_000_000.0
DAY = "2026-11-18"
PRICES = default_price_table()
MODELS = ["claude-opus-4-1", "claude-haiku-4-5", "mystery-model-x", None]
#: the answers of ``test_random_states_get_the_same_answers``, per seed
RANDOM = (
    "0cb2729412f458d4",
    "903c3a815e8ca347",
    "097317b76b28b73a",
    "3ffc4c2431c1d7df",
    "8e94d30cd5cc29a5",
    "46311839713ddaf4",
    "565a716985f7b29e",
    "b69e474f820dc047",
    "7d98b1e4d0a5b0a3",
    "ce900d42d129a220",
    "71f041f672c42d29",
    "59823dd99f123535",
    "6085b7db1dd0090f",
    "aa6a16bf2dd651d3",
    "f91c9d003855c3ad",
    "17f638adc5f76aef",
    "4046bdf0a223dac0",
    "52174e8d9bb5024c",
    "c9df646ddc5f9180",
    "35123fd2e705c58c",
    "89fed8a22fcff632",
    "56b4031e0ccad2f5",
    "45d1e5f188a94381",
    "d985b0072ed016be",
    "aba8acd0212f2cdd",
    "89799cdc949f3591",
    "5d24ded648db9e23",
    "3a6ebdde4c6a2676",
    "03f6ab91d8225159",
    "394dd07b6ff87ecc",
    "150a1fe98f5391de",
    "ae1b055bd5bc5630",
    "5a20cbcf29b84959",
    "e40b48c2c368e236",
    "51571b6746d25491",
    "5c8d2868a63e692d",
    "42f25365b29f0c43",
    "bc022cae2d3686e4",
    "e0d4bc3d98f84521",
    "2e87d99b34774e55",
    "6980a732ecf4b542",
    "809321da3427c08b",
    "9fd992b82de09eee",
    "eddb95d492f7ab70",
    "37d7525e78aa55a9",
    "20cd8dc8ba6d9222",
    "e3084505899b9732",
    "7e828e0178b82411",
    "e6f71c07361f9d4f",
    "e75ad0ad13186b19",
    "853db5ac6ec53a1f",
    "fd73583bee619e6b",
    "d359ab109c2c788d",
    "3946dd790cf352ba",
    "87fcac1c4a6dd795",
    "7874979ef85a9a3c",
    "fecf00c31c4167e2",
    "c6e4cb02557539f6",
    "5f9b074b4ab2c1a3",
    "12d5df0843fff6f9",
)
#: the answers of ``test_sessions_of_concurrent_requests_get_the_same_answers``, per seed
SESSIONS = (
    "0d77b1a5667c1f22",
    "c6b9782656d9fe0c",
    "8eb2ad89418e3dff",
    "825203d0173608e6",
    "6ef22469b73c6a14",
    "04966fb6e3b3620a",
    "3093dfee7268471a",
    "8b775206d8860043",
    "c13ea393ed920825",
    "6dfe802162d615da",
    "c11efdb212317ac2",
    "dccee2866aeb07a2",
    "d67b593c0e922be5",
    "21599c89a39b0754",
    "15d789a7b91e07fb",
    "b64d646f8a57d12f",
    "fcb9bf750e258d76",
    "a80ccd6a7ebb00b7",
    "ef56089d8fab1a4f",
    "322358c053791f94",
    "7e5d5b08783e2a13",
    "163c9c65c3265cf6",
    "173ac67a6d0d0a97",
    "4e8ee8aea935cc75",
    "e4db774a5f41e93a",
    "1ed6d963dadbadfb",
    "618925473b96e674",
    "59db8a5634db7649",
    "9dd29e97f5c14856",
    "dfec70b2d67a2813",
)


def digest(answers: list[Any]) -> str:
    return hashlib.sha256(repr(answers).encode()).hexdigest()[:16]


def gate(rng: random.Random) -> Any:
    """A random budget."""
    daily = rng.random() < 0.5
    max_usd = rng.choice([None, 1.0, 5.0]) if not daily else rng.choice([1.0, 5.0])
    thresholds = sorted(rng.sample([0.25, 0.5, 0.75], rng.randint(0 if max_usd else 1, 3)))
    models = rng.choice([None, ["*opus*"], ["*", "!*haiku*"]])
    params = check_params(max_usd, thresholds, models, rng.choice([64, 4096]))
    return _budget.DailyBudget(*params) if daily else _budget.SessionBudget(*params)


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
    daily_gate = hasattr(gate, "base")  # a daily budget
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
    new = gate(rng)
    answers = []
    for _ in range(150):
        state = random_state(rng, prefix(new))
        raw = random_raw(rng)
        answers.append(answer(new, event(raw, random.Random(rng.random()), new, state)))
    assert digest(answers) == RANDOM[seed]


@pytest.mark.parametrize("seed", range(30))
def test_sessions_of_concurrent_requests_get_the_same_answers(seed: int) -> None:
    """Several events decided on one snapshot (in flight at once), their updates then applied:
    reservations taken by concurrent requests, released by concurrent responses (counts left
    at zero), expired by a pause, and (daily) a new day's keys."""
    rng = random.Random(1000 + seed)
    new = gate(rng)
    state: dict[str, Any] = {}
    now, day = NOW, DAY
    answers = []
    for _ in range(120):
        now += rng.choice([0.1, 1.0, 30.0, 1000.0])
        if rng.random() < 0.03:
            day = "2026-11-19"
        batch = [random_raw(rng) for _ in range(rng.choice([1, 1, 2, 3]))]
        found = [answer(new, event(raw, random.Random(rng.random()), new, state, now, day)) for raw in batch]
        answers += found
        for got in found:  # allowed, or asked and approved
            if isinstance(got, dict) and (got["result"] == "ALLOW" or (got["result"] == "ASK" and rng.random() < 0.5)):
                for upd in got.get("state_updates", []):
                    apply_update(state, upd)
        assert all(isinstance(k, str) for k in state)
    assert digest(answers) == SESSIONS[seed]


@pytest.mark.parametrize("stale", ["none_in_flight", "expired"])
def test_a_clean_up_rounds_a_new_reservation_as_the_keys_it_deletes_count(stale: str) -> None:
    """Past ``MAX_BUCKETS`` distinct amounts in the state, a new amount is rounded up to a power
    of two — counted on the keys the state holds, those this very answer deletes included."""
    for new in [
        _budget.SessionBudget(*check_params(50.0, None, None, 4096)),
        _budget.DailyBudget(*check_params(50.0, None, None, 4096)),
    ]:
        p = prefix(new)
        state: dict[str, Any] = {f"{p}reserved:{0.001 + i / 1e6:.6f}": 0 for i in range(_budget.MAX_BUCKETS)}
        if stale == "expired":
            state.update({p + "reserved_n": 3, p + "reserved_at": NOW - 2 * _budget.RESERVATION_TTL_S})
        raw = {"type": "llm_request", "data": {"model": "claude-haiku-4-5", "max_tokens": 1000, "messages": []}}
        got = answer(new, event(raw, random.Random(7), new, state))
        reserve = [u["key"] for u in got["state_updates"] if u["action"] == "increment" and u["value"] == 1]
        assert len(reserve) == 2 and reserve[0].startswith(p + "reserved:")
        amount = float(reserve[0][len(p + "reserved:") :])
        assert math.log2(amount * 1e6).is_integer(), amount  # rounded: the deleted keys counted
