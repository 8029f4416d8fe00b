"""The budget gate reads its reservation keys only when an answer needs them: every answer
(verdict, reason, state updates in order, or the exception raised) is the one the gate gave
when it scanned the whole state on each call, on random states — counts in flight, stale
and negative, buckets left at zero, expired reservations, foreign and other days' keys —
and on sessions of concurrent requests and responses.  What that gate answered is kept as
a digest per seed (``RANDOM``, ``SESSIONS``: SHA-256 of the answers' ``repr``, 16 hex
digits), recorded from it on the same generated events.  Re-recorded from this gate when a
response came to release only the reservation its request's ``id`` claimed (events and states
now carry ids and claims); before that, on the earlier generator, every answer but those to
``llm_response`` events was checked to be unchanged.  The gates count unpriced tokens as free
(``unpriced_usd_per_mtok`` 0), as every gate did when these were recorded."""

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
from goalrail.policies.builtins._budget_keys import Keys as _Keys
from goalrail.policies.builtins._budget_params import check_params
from goalrail.policies.pricing import default_price_table

NOW = 1_795_000_000.0
DAY = "2026-11-18"
PRICES = default_price_table()
MODELS = ["claude-opus-4-1", "claude-haiku-4-5", "mystery-model-x", None]
IDS = ["c1", "c2"]  # event ids: a response releases only the reservation of the request with its id
#: the answers of ``test_random_states_get_the_same_answers``, per seed
RANDOM = (
    "bf38d0b709aa4c03",
    "a0407c0f36943980",
    "91ef25a0fe637e7e",
    "229bf1ea23456390",
    "8847bcc6d6ea608e",
    "037e58940efa29d6",
    "ecded21682fb8280",
    "3edd0bd57d25fb3b",
    "d8739a884e45d56c",
    "8b991b908feeb9e4",
    "8a42d2ff4ca71631",
    "ac2d9c3dcd7e346f",
    "74f2902a0effe8ed",
    "846a317e337eac96",
    "eee9237ea2c87794",
    "ac7622e0d979851e",
    "5e38c99ea61dd8ef",
    "8174c9f94d3b0e34",
    "65a2bba808b20fd0",
    "c9adea9acebe7fa6",
    "fde43686ea6bfda4",
    "46c1387d740e34b8",
    "1f9f0656e8d4eaba",
    "602a74f1d963f67d",
    "0949c8cd431810ef",
    "a78b7346412c55ac",
    "0c23c671a58238e6",
    "f0a3bcd006929ef6",
    "5d6d006d6e6610ba",
    "191cc9d7ffca7381",
    "27afac1597972caa",
    "b285abb64d5bf454",
    "bf95d12d35aaf2bb",
    "1f7c827fa3f31616",
    "8daea31c992dc4c2",
    "bfa2d52bed6c3feb",
    "99a27937c7a3d8e2",
    "32c4d169f6b21ec4",
    "6daa76e881d735ef",
    "febd1f8e67431edf",
    "8a857ddc8a1bec57",
    "4d5756eadfd8bcc2",
    "e57f79fb7071a3f4",
    "1ca9a013fd613911",
    "19c8b2bb1e0e9fcb",
    "af7ea5933bb974b9",
    "9419db427522652d",
    "759263b6aaa5e598",
    "80d8d0f62ef8d620",
    "53a1e343741404e9",
    "d7995b189e78e8de",
    "495bd5354de50f22",
    "885ad020283ddd49",
    "1b7eb6a96b4b4f7f",
    "405417526986d039",
    "1cdfa70e5e065c41",
    "5ac492d013d54a6a",
    "d3ae5875b09298cd",
    "ec45223c51d1f176",
    "ff63540b62bc803b",
)
#: the answers of ``test_sessions_of_concurrent_requests_get_the_same_answers``, per seed
SESSIONS = (
    "b368e01a6d7f0d89",
    "1b372b584f659afa",
    "a1aa9683afcbf0ca",
    "ad6df98b2c08fa5d",
    "0cac94c4b41d2ae5",
    "618911f0a0551daa",
    "1856b4099e729f3f",
    "94bdf7bbf15d3109",
    "63683113dadbd47b",
    "5607497a493d073a",
    "6b1713ebad9348c9",
    "c0cadb09508e7e08",
    "82797cca5d19da52",
    "4ac9ca29e91fe4c6",
    "74758c0161774038",
    "dfc8530e2608b24d",
    "599a40bc03ae9526",
    "0f7094eeeada007c",
    "a509970bf6ab4f16",
    "c3064af821d69ff4",
    "1aa6c6c801f3c058",
    "aff91e89ec4b3e9b",
    "127cce5febc2bd7a",
    "69494c307c6518b3",
    "26b70971d689f829",
    "3ea404610f73a45d",
    "4cbc144e4b70004b",
    "3f5bfd406bc4e401",
    "8cfd7c1be350a147",
    "0017adcb39b421fa",
)


def digest(answers: list[Any]) -> str:
    return hashlib.sha256(repr(answers).encode()).hexdigest()[:16]


def gate(rng: random.Random) -> Any:
    """A random budget."""
    daily = rng.random() < 0.5
    max_usd = rng.choice([None, 1.0, 5.0]) if not daily else rng.choice([1.0, 5.0])
    thresholds = sorted(rng.sample([0.25, 0.5, 0.75], rng.randint(0 if max_usd else 1, 3)))
    models = rng.choice([None, ["*opus*"], ["*", "!*haiku*"]])
    params = check_params(max_usd, thresholds, models, rng.choice([64, 4096]), 0)
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
    if rng.random() < 0.4:  # a claim a response with its id releases (or a malformed one)
        state[_Keys(p).claim("s1", rng.choice(IDS))] = rng.choice([0.25, 0.5, 0.003, 1.5, "x"])
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
    event_id = rng.choice([*IDS, None])
    if kind == "llm_response":
        raw = {"type": "llm_response", "data": {"model": model or "claude-opus-4-1", "text": "ok"}}
        return {**raw, "id": event_id} if event_id else raw
    data: dict[str, Any] = {"messages": [{"role": "user", "content": "x" * rng.choice([0, 40, 4000, 400_000])}]}
    if model is not None:
        data["model"] = model
    if rng.random() < 0.7:
        data["max_tokens"] = rng.choice([1, 1000, 64_000])
    return {"type": "llm_request", "data": data, **({"id": event_id} if event_id else {})}


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
        _budget.SessionBudget(*check_params(50.0, None, None, 4096, 0)),
        _budget.DailyBudget(*check_params(50.0, None, None, 4096, 0)),
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
