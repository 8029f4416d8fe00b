"""cost_budget and user_daily_cost_budget: thresholds, downgrade gate, unpriced, reservations."""

from __future__ import annotations

import asyncio
import inspect
import random
from typing import Any

import pytest

from goalrail.engine import PolicySpec, compile_chain
from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.snapshot import Snapshot
from goalrail.errors import InvalidParams
from goalrail.policies.builtins import cost
from goalrail.policies.builtins._budget import (
    MAX_HELD,
    RESERVATION_TTL_S,
    estimate_prompt_tokens,
    max_output_tokens,
)
from goalrail.policies.builtins._budget_keys import Keys
from goalrail.policies.builtins.cost import cost_budget, user_daily_cost_budget
from goalrail.policies.pricing import default_price_table
from goalrail.policies.registry import Registry
from tests.unit.builtins.runtime_session import Session, make_runtime, spec

NOW = 1_795_000_000.0
OPUS = "claude-opus-4-1"
HAIKU = "claude-haiku-4-5"


def ev(
    raw: dict[str, Any],
    *,
    spent: float | None = 0.0,
    tokens: int = 0,
    unpriced: int = 0,
    model: str | None = OPUS,
    policy_state: dict[str, Any] | None = None,
    daily: dict[str, Any] | None = None,
    user_state: dict[str, Any] | None = None,
    now: float = NOW,
) -> dict[str, Any]:
    usage = {
        "total_cost_usd": spent,
        "total_tokens": tokens,
        "unpriced_tokens": unpriced,
        "llm_calls": 1 if tokens else 0,
    }
    snap = Snapshot(
        "s1", owner="alice", model=model, usage=usage, user_daily_cost=daily or {}, user_state=user_state or {}
    )
    e = dict(build_event(normalize_event(raw), snap, now=now))
    e["policy_state"] = policy_state or {}
    return e


TOOL = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}
REQ = {"type": "request", "data": "hello"}


def llm(model: str = OPUS, *, chars: int = 400, max_tokens: int | None = 1000, id: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": "x" * chars}]}
    if max_tokens is not None:
        data["max_tokens"] = max_tokens
    raw: dict[str, Any] = {"type": "llm_request", "data": data}
    if id is not None:
        raw["id"] = id
    return raw


RESP = {"type": "llm_response", "data": {"model": OPUS, "text": "ok"}}


def resp(id: str | None) -> dict[str, Any]:
    """The ``llm_response`` to the request with ``id`` (None: a response naming no request)."""
    return {**RESP, "id": id} if id is not None else RESP


def keys(resp: dict[str, Any]) -> dict[str, Any]:
    return {u["key"]: u.get("value") for u in resp.get("state_updates", [])}


# --- parameters --------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "set `max_cost_usd`, `ask_thresholds_usd`, or both"),
        ({"ask_thresholds_usd": []}, "set `max_cost_usd`"),
        ({"max_cost_usd": 0}, "greater than 0"),
        ({"max_cost_usd": -1}, "greater than 0"),
        ({"max_cost_usd": "10"}, "must be a number"),
        ({"max_cost_usd": True}, "must be a number"),
        ({"max_cost_usd": float("nan")}, "must be a number"),
        ({"max_cost_usd": 10, "ask_thresholds_usd": [10]}, "must be below `max_cost_usd`"),
        ({"max_cost_usd": 10, "ask_thresholds_usd": [12]}, "must be below"),
        ({"ask_thresholds_usd": [0]}, "greater than 0"),
        ({"ask_thresholds_usd": "5"}, "list of numbers"),
        ({"ask_thresholds_usd": [5, "x"]}, "must be a number"),
        ({"max_cost_usd": 10, "expensive_models": "*opus*"}, "list of model globs"),
        ({"max_cost_usd": 10, "expensive_models": [""]}, "non-empty glob"),
        ({"max_cost_usd": 10, "expensive_models": ["!*mini*"]}, "only exclusions"),
        ({"max_cost_usd": 10, "default_max_output_tokens": 0}, "default_max_output_tokens"),
    ],
)
def test_cost_budget_rejects_bad_params(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cost_budget(**params)


def test_user_daily_cost_budget_requires_max() -> None:
    with pytest.raises(TypeError):
        user_daily_cost_budget()  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="required"):
        user_daily_cost_budget(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="below"):
        user_daily_cost_budget(5, ask_thresholds_usd=[6])


def test_thresholds_are_sorted_and_deduplicated() -> None:
    p = cost_budget(max_cost_usd=10, ask_thresholds_usd=[8, 2, 8, 5])
    assert p.thresholds == (2.0, 5.0, 8.0)  # type: ignore[attr-defined]


@pytest.mark.parametrize("fn", [cost_budget, user_daily_cost_budget])
def test_registry_schema_defaults_match_code(fn: Any) -> None:
    entry = next(e for e in cost.POLICY_REGISTRY if e["handler"].endswith("." + fn.__name__))
    props = entry["params_schema"]["properties"]
    sig = inspect.signature(fn)
    assert set(props) == set(sig.parameters)
    for name, param in sig.parameters.items():
        if param.default is inspect.Parameter.empty:
            assert "default" not in props[name]
            assert name in entry["params_schema"]["required"]
        else:
            assert props[name]["default"] == param.default
        assert props[name]["description"]


def test_registry_validates_params_through_the_engine() -> None:
    reg = Registry.load()
    h = "goalrail.policies.builtins.cost.cost_budget"
    reg.validate(h, {"max_cost_usd": 10, "ask_thresholds_usd": [5], "expensive_models": ["*opus*"]})
    reg.validate(h, {"ask_thresholds_usd": [5]})
    for bad in (
        {"max_cost_usd": -1},
        {"max_cost_usd": 10, "bogus": 1},
        {"max_cost_usd": "10"},
        {"max_cost_usd": 10, "default_max_output_tokens": 0},
        {"expensive_models": "x"},
    ):
        with pytest.raises(InvalidParams):
            reg.validate(h, bad)
    # cross-field rules are the factory's, reported as InvalidParams when the policy is built
    for bad, message in (
        ({}, "set `max_cost_usd`"),
        ({"ask_thresholds_usd": []}, "set `max_cost_usd`"),
        ({"max_cost_usd": 5, "ask_thresholds_usd": [6]}, "below `max_cost_usd`"),
    ):
        with pytest.raises(InvalidParams, match=message):
            compile_chain([PolicySpec("b", h, params=bad)], reg)
    with pytest.raises(InvalidParams):
        reg.validate("goalrail.policies.builtins.cost.user_daily_cost_budget", {})
    # the seed's example compiles
    chain = compile_chain(
        [PolicySpec("session_budget", h, params={"max_cost_usd": 10.0, "ask_thresholds_usd": [5.0]})], reg
    )
    assert len(chain) == 1


# --- thresholds -----------------------------------------------------------------


def test_under_every_limit_abstains() -> None:
    p = cost_budget(max_cost_usd=10, ask_thresholds_usd=[5])
    assert p(ev(TOOL, spent=1.0, tokens=10)) is None
    assert p(ev(REQ, spent=4.99, tokens=10)) is None
    assert p(ev({"type": "tool_result", "target": "Bash"}, spent=50)) is None
    assert p(ev({"type": "session_start"}, spent=50)) is None
    assert p(ev({"type": "response", "data": "x"}, spent=50)) is None


def test_threshold_asks_once_and_the_approval_is_held_state() -> None:
    p = cost_budget(max_cost_usd=10, ask_thresholds_usd=[5])
    r = p(ev(TOOL, spent=5.5, tokens=10))
    assert r["result"] == "ASK"
    assert "crossed the $5.00 threshold" in r["reason"] and "cost_budget" in r["reason"]
    assert keys(r) == {"approved_usd": 5.0}
    assert all(u["scope"] == "policy" for u in r["state_updates"])
    assert p(ev(TOOL, spent=5.5, tokens=10, policy_state={"approved_usd": 5.0})) is None


def test_crossing_two_thresholds_asks_for_the_highest() -> None:
    p = cost_budget(max_cost_usd=10, ask_thresholds_usd=[2, 5, 8])
    r = p(ev(REQ, spent=6.0))
    assert r["result"] == "ASK" and "$5.00 threshold" in r["reason"]
    assert keys(r)["approved_usd"] == 5.0
    r = p(ev(REQ, spent=8.5, policy_state={"approved_usd": 5.0}))
    assert keys(r)["approved_usd"] == 8.0


def test_thresholds_only_budget_never_denies() -> None:
    p = cost_budget(ask_thresholds_usd=[1])
    assert p(ev(TOOL, spent=1000.0, policy_state={"approved_usd": 1.0})) is None


# --- hard limit / downgrade gate -------------------------------------------------


@pytest.mark.parametrize("raw", [TOOL, REQ, llm(OPUS)])
def test_hard_limit_denies_expensive_model_on_every_gated_phase(raw: dict[str, Any]) -> None:
    p = cost_budget(max_cost_usd=10, expensive_models=["*opus*"])
    r = p(ev(raw, spent=10.0))
    assert r["result"] == "DENY"
    assert "reached the $10.00 limit" in r["reason"] and "cheaper model" in r["reason"]


@pytest.mark.parametrize("raw", [TOOL, REQ])
def test_downgrade_gate_allows_a_cheaper_model(raw: dict[str, Any]) -> None:
    p = cost_budget(max_cost_usd=10, expensive_models=["*opus*"])
    r = p(ev(raw, spent=12.0, model=HAIKU))
    assert r["result"] == "ALLOW" and "cheaper model" in r["reason"]


def test_downgrade_on_llm_request_uses_the_request_model() -> None:
    p = cost_budget(max_cost_usd=10, expensive_models=["*opus*"])
    r = p(ev(llm(HAIKU), spent=12.0, model=OPUS))
    assert r["result"] == "ALLOW"
    assert p(ev(llm(OPUS), spent=12.0, model=HAIKU))["result"] == "DENY"


@pytest.mark.parametrize("expensive", [None, []])
def test_no_expensive_models_means_every_model_is_stopped(expensive: Any) -> None:
    p = cost_budget(max_cost_usd=10, expensive_models=expensive)
    for model in (HAIKU, "gpt-4o-mini", None):
        r = p(ev(TOOL, spent=10.0, model=model))
        assert r["result"] == "DENY" and "no further requests" in r["reason"]


def test_unknown_session_model_counts_as_expensive() -> None:
    p = cost_budget(max_cost_usd=10, expensive_models=["*opus*"])
    r = p(ev(TOOL, spent=11.0, model=None))
    assert r["result"] == "DENY" and "model is unknown" in r["reason"]


def test_expensive_globs_are_case_insensitive_with_exclusions() -> None:
    p = cost_budget(max_cost_usd=10, expensive_models=["GPT-5*", "*Opus*", "!*mini*"])
    assert p(ev(TOOL, spent=11, model="claude-OPUS-4"))["result"] == "DENY"
    assert p(ev(TOOL, spent=11, model="gpt-5"))["result"] == "DENY"
    assert p(ev(TOOL, spent=11, model="gpt-5-mini"))["result"] == "ALLOW"


def test_hard_limit_wins_over_pending_asks() -> None:
    p = cost_budget(max_cost_usd=10, ask_thresholds_usd=[5])
    r = p(ev(TOOL, spent=None, tokens=100, unpriced=100))
    assert r["result"] == "ASK"  # unpriced, spend unknown: asks first
    assert p(ev(TOOL, spent=10.5, tokens=100, unpriced=5))["result"] == "DENY"


# --- unpriced -------------------------------------------------------------------


def test_unpriced_usage_asks_once() -> None:
    p = cost_budget(max_cost_usd=10)
    r = p(ev(TOOL, spent=None, tokens=500, unpriced=500))
    assert r["result"] == "ASK" and "500 tokens could not be priced" in r["reason"]
    assert keys(r) == {"unpriced_ok": True}
    assert p(ev(TOOL, spent=None, tokens=500, unpriced=500, policy_state={"unpriced_ok": True})) is None


def test_unpriced_tokens_alongside_a_priced_total_also_ask() -> None:
    p = cost_budget(max_cost_usd=10)
    assert p(ev(TOOL, spent=1.0, tokens=500, unpriced=20))["result"] == "ASK"


def test_no_usage_yet_is_not_unpriced() -> None:
    p = cost_budget(max_cost_usd=10)
    assert p(ev(TOOL, spent=None, tokens=0)) is None


def test_llm_request_to_an_unpriced_model_asks_then_reserves_at_the_fallback_price() -> None:
    p = cost_budget(max_cost_usd=10)
    r = p(ev(llm("my-private-model-7", id="c1"), spent=1.0))
    assert r["result"] == "ASK" and "`my-private-model-7` has no known price" in r["reason"]
    assert "$75.00 per million tokens" in r["reason"]
    worst = (100 + 4 + 1000) * 75 / 1e6  # its prompt and max_tokens at $75 per million
    assert keys(r)["unpriced_ok"] is True and keys(r)[f"reserved:{worst:.6f}"] == 1
    r = p(ev(llm("my-private-model-7"), spent=1.0, policy_state={"unpriced_ok": True}))
    assert r["result"] == "ALLOW" and keys(r)[f"reserved:{worst:.6f}"] == 1
    # counted as free only when the budget says so (the earlier behaviour: nothing reserved)
    free = cost_budget(max_cost_usd=10, unpriced_usd_per_mtok=0)
    r = free(ev(llm("my-private-model-7"), spent=1.0, policy_state={"unpriced_ok": True}))
    assert r is None


def test_unpriced_and_threshold_asks_are_combined() -> None:
    p = cost_budget(max_cost_usd=10, ask_thresholds_usd=[1])
    r = p(ev(TOOL, spent=2.0, tokens=10, unpriced=10))
    assert r["result"] == "ASK"
    assert keys(r) == {"unpriced_ok": True, "approved_usd": 1.0}


# --- reservations ----------------------------------------------------------------


def bucket(state_or_resp: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in state_or_resp.items() if k.startswith("reserved:")}


def test_llm_request_reserves_its_worst_case_and_response_releases_it() -> None:
    p = cost_budget(max_cost_usd=10)
    r = p(ev(llm(OPUS, chars=4000, max_tokens=2000, id="c1"), spent=0.0))
    est = default_price_table().estimate_max(OPUS, 1000 + 4, 2000)
    assert r["result"] == "ALLOW"
    k = keys(r)
    ((key, count),) = bucket(k).items()
    assert float(key.split(":")[1]) == pytest.approx(est, abs=1e-6) and count == 1
    assert all(u["action"] == "increment" for u in r["state_updates"] if u["key"].startswith("reserved:"))
    assert k["reserved_n"] == 1 and k["reserved_at"] == NOW
    claim = Keys("").claim("s1", "c1")
    assert claim is not None and k[claim] == float(key.split(":")[1])
    state = {key: 1, "reserved_n": 1, "reserved_at": NOW, claim: k[claim]}
    r = p(ev(resp("c1"), spent=0.05, policy_state=state))
    assert r["result"] == "ALLOW"
    assert [(u["key"], u["action"], u.get("value")) for u in r["state_updates"]] == [
        (key, "delete", None),
        (claim, "delete", None),
        ("reserved_n", "increment", -1),
    ]


def test_response_releases_only_the_reservation_its_id_names() -> None:
    p = cost_budget(max_cost_usd=10)
    big, small = Keys("").claim("s1", "big"), Keys("").claim("s1", "small")
    assert big is not None and small is not None
    state = {
        "reserved:0.900000": 1,
        "reserved:0.050000": 2,
        "reserved_n": 3,
        "reserved_at": NOW,
        big: 0.9,
        small: 0.05,
    }
    r = p(ev(resp("big"), policy_state=state))
    assert keys(r) == {"reserved:0.900000": -1, big: None, "reserved_n": -1}
    # a response naming no reservation, an unknown one or another session's releases nothing
    assert p(ev(RESP, policy_state=state)) is None
    assert p(ev(resp("nope"), policy_state=state)) is None
    e = ev(resp("big"), policy_state=state)
    e["context"]["session_id"] = "s2"
    assert p(e) is None
    assert p(ev(RESP)) is None


def test_reservations_past_max_held_are_held_until_they_expire() -> None:
    p = cost_budget(max_cost_usd=1e6)
    state = {"reserved:0.010000": MAX_HELD, "reserved_n": MAX_HELD, "reserved_at": NOW}
    r = p(ev(llm(OPUS, id="late"), policy_state=state))
    assert r["result"] == "ALLOW" and not [u for u in r["state_updates"] if u["key"].startswith("held:")]
    claim = Keys("").claim("s1", "late")
    assert claim is not None and p(ev(resp("late"), policy_state=state)) is None


def test_reservations_are_summed_over_buckets() -> None:
    p = cost_budget(max_cost_usd=1.0)
    state = {
        "reserved:0.300000": 2,
        "reserved:0.100000": 3,
        "reserved:0.200000": -1,
        "reserved_n": 5,
        "reserved_at": NOW,
    }
    # 0.6 + 0.3 (negative counts read as 0) = 0.9 in flight; a $0.15 request does not fit
    r = p(ev(llm(OPUS, max_tokens=2000), spent=0.0, policy_state=state))
    assert r["result"] == "DENY" and "+ $0.90 in flight" in r["reason"]


def test_leftover_buckets_are_cleaned_when_nothing_is_in_flight() -> None:
    p = cost_budget(max_cost_usd=10)
    r = p(ev(TOOL, policy_state={"reserved:0.100000": 1, "reserved_n": 0}))
    assert [(u["key"], u["action"]) for u in r["state_updates"]] == [("reserved:0.100000", "delete")]


def test_request_whose_worst_case_would_cross_the_limit_is_denied() -> None:
    p = cost_budget(max_cost_usd=1.0)
    # opus: 15 $/M in, 75 $/M out; 20k output tokens alone are $1.50
    r = p(ev(llm(OPUS, max_tokens=20_000), spent=0.1))
    assert r["result"] == "DENY" and "could cost up to" in r["reason"]
    # in-flight reservations count too
    r = p(
        ev(
            llm(OPUS, max_tokens=1000),
            spent=0.1,
            policy_state={"reserved:0.425000": 2, "reserved_n": 2, "reserved_at": NOW},
        )
    )
    assert r["result"] == "DENY" and "in flight" in r["reason"]
    # a small request fits
    assert p(ev(llm(OPUS, max_tokens=1000), spent=0.1))["result"] == "ALLOW"


def test_request_whose_worst_case_would_cross_a_threshold_asks() -> None:
    p = cost_budget(max_cost_usd=10, ask_thresholds_usd=[1])
    r = p(ev(llm(OPUS, max_tokens=20_000), spent=0.1))
    assert r["result"] == "ASK" and "could cross the $1.00 threshold" in r["reason"]
    k = keys(r)
    assert k["approved_usd"] == 1.0 and k["reserved_n"] == 1  # held: applied only if approved


def test_default_max_output_tokens_is_used_without_max_tokens() -> None:
    p = cost_budget(max_cost_usd=10, default_max_output_tokens=100)
    r = p(ev(llm(OPUS, chars=0, max_tokens=None)))
    ((key, _),) = bucket(keys(r)).items()
    assert float(key.split(":")[1]) == pytest.approx(default_price_table().estimate_max(OPUS, 4, 100), abs=1e-6)


def test_stale_reservations_expire() -> None:
    p = cost_budget(max_cost_usd=1.0)
    stale = {"reserved:0.950000": 1, "reserved_n": 1, "reserved_at": NOW - RESERVATION_TTL_S - 1}
    r = p(ev(llm(OPUS, max_tokens=1000), spent=0.0, policy_state=stale))
    assert r["result"] == "ALLOW"
    ups = [(u["key"], u["action"], u.get("value")) for u in r["state_updates"]]
    assert ("reserved:0.950000", "delete", None) in ups and ("reserved_n", "increment", -1) in ups
    # a fresh one still counts
    fresh = {**stale, "reserved_at": NOW - 10}
    assert p(ev(llm(OPUS, max_tokens=1000), spent=0.0, policy_state=fresh))["result"] == "DENY"


def test_prompt_estimate_counts_text_parts_images_tools_and_system() -> None:
    data = {
        "messages": [
            {"role": "system", "content": "a" * 40},
            {
                "role": "user",
                "content": [{"type": "text", "text": "b" * 40}, {"type": "image_url", "image_url": {"url": "x"}}],
            },
        ],
        "system": "c" * 40,
        "tools": [{"name": "t"}],
    }
    n = estimate_prompt_tokens(data)
    assert n >= 30 + 1600 + 8
    # Anthropic blocks (what Claude Code sends): tool results and tool calls count by their text
    anthropic = {
        "messages": [
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "t1", "name": "Read", "input": {"p": "x" * 400}}],
            },
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "y" * 40_000}]},
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "t2", "content": [{"type": "text", "text": "z" * 4000}]}
                ],
            },
        ]
    }
    assert 11_100 <= estimate_prompt_tokens(anthropic) < 11_300  # (400 + 40,000 + 4,000) / 4, not 3 × 1,600
    assert max_output_tokens({"max_completion_tokens": 7}, 99) == 7
    assert max_output_tokens({"max_tokens": 0}, 99) == 99
    assert max_output_tokens({"max_tokens": True}, 99) == 99


# --- daily budget -------------------------------------------------------------------


DAY = "2026-11-22"


def test_daily_budget_reads_the_owner_spend_for_the_day() -> None:
    p = user_daily_cost_budget(20, ask_thresholds_usd=[10], expensive_models=["*opus*"])
    daily = {"user_id": "alice", "day": DAY, "cost_usd": 12.0}
    r = p(ev(TOOL, spent=0.5, daily=daily))
    assert r["result"] == "ASK" and "today's spend $12.00" in r["reason"]
    (upd,) = r["state_updates"]
    assert upd["scope"] == "user" and DAY in upd["key"] and upd["key"].endswith(":approved_usd")
    approved = {upd["key"]: 10.0}
    assert p(ev(TOOL, daily=daily, user_state=approved)) is None
    # the next UTC day starts fresh: the approval does not carry over
    r = p(ev(TOOL, daily={**daily, "day": "2026-11-23"}, user_state=approved))
    assert r["result"] == "ASK"
    assert any(u["action"] == "delete" and u["key"] == upd["key"] for u in r["state_updates"])


def test_daily_budget_hard_limit_and_downgrade() -> None:
    p = user_daily_cost_budget(20, expensive_models=["*opus*"])
    daily = {"user_id": "alice", "day": DAY, "cost_usd": 21.0}
    r = p(ev(REQ, daily=daily))
    assert r["result"] == "DENY" and "today's spend $21.00 reached the $20.00 limit" in r["reason"]
    assert p(ev(REQ, daily=daily, model=HAIKU))["result"] == "ALLOW"


def test_daily_budget_is_never_below_the_session_spend() -> None:
    p = user_daily_cost_budget(5)
    assert p(ev(TOOL, spent=6.0, daily={}))["result"] == "DENY"


def test_daily_budget_day_falls_back_to_the_utc_date_of_now() -> None:
    p = user_daily_cost_budget(5, ask_thresholds_usd=[1])
    r = p(ev(TOOL, spent=2.0, daily={}, now=1_795_000_000.0))  # 2026-11-18 03:33 UTC
    assert ":2026-11-18:" in r["state_updates"][0]["key"]


def test_daily_reservations_live_in_user_scope() -> None:
    p = user_daily_cost_budget(5)
    r = p(ev(llm(OPUS), daily={"day": DAY, "cost_usd": 0.0}))
    assert {u["scope"] for u in r["state_updates"]} == {"user"}


def test_daily_unpriced_cost_asks() -> None:
    p = user_daily_cost_budget(5)
    r = p(ev(TOOL, daily={"day": DAY, "cost_usd": None}))
    assert r["result"] == "ASK" and "could not be priced" in r["reason"]


def test_two_daily_budgets_with_different_limits_do_not_share_keys() -> None:
    a = user_daily_cost_budget(5, ask_thresholds_usd=[1])
    b = user_daily_cost_budget(50, ask_thresholds_usd=[1])
    ka = a(ev(TOOL, spent=2.0, daily={"day": DAY, "cost_usd": 2.0}))["state_updates"][0]["key"]
    kb = b(ev(TOOL, spent=2.0, daily={"day": DAY, "cost_usd": 2.0}))["state_updates"][0]["key"]
    assert ka != kb


# --- through the engine, with state applied between events ---------------------------


def _session(handler: str = "cost_budget", *, model: str | None = OPUS, **params: Any) -> Session:
    return Session(make_runtime(spec("budget", f"cost.{handler}", **params)), model=model)


async def test_session_flow_threshold_approval_limit_and_downgrade() -> None:
    sim = _session(max_cost_usd=2.0, ask_thresholds_usd=[1.0], expensive_models=["*opus*"])
    assert (await sim.send(TOOL)).result == "ALLOW"
    await sim.record(OPUS, 50_000, 2_000)  # $0.90
    assert (await sim.send(TOOL)).result == "ALLOW"
    await sim.record(OPUS, 10_000, 0)  # $1.05
    d = await sim.send(TOOL)
    assert d.result == "ASK" and "$1.00 threshold" in d.reason
    assert (await sim.send(TOOL)).result == "ASK"  # not approved yet: asks again
    await sim.approve()
    assert (await sim.send(TOOL)).result == "ALLOW"
    await sim.record(OPUS, 70_000, 0)  # $2.10
    d = await sim.send(REQ)
    assert d.result == "DENY" and d.policy == "budget"
    # the runtime takes the session model from the LLM requests it sees
    assert (await sim.send(llm(OPUS))).result == "DENY"
    assert (await sim.send(llm(HAIKU))).result == "ALLOW"
    assert (await sim.send(TOOL)).result == "ALLOW"


async def test_daily_budget_is_shared_across_the_owner_sessions() -> None:
    rt = make_runtime(spec("budget", "cost.user_daily_cost_budget", max_cost_usd=5.0, ask_thresholds_usd=[1.0]))
    a, b = Session(rt, "a", model=OPUS), Session(rt, "b", model=OPUS)
    other = Session(rt, "c", owner="bob", model=OPUS)
    assert (await a.send(TOOL)).result == "ALLOW"
    await a.record(OPUS, 100_000, 0)  # $1.50 for alice today
    assert (await b.send(TOOL)).result == "ASK"
    await b.approve()
    assert (await a.send(TOOL)).result == "ALLOW"  # approved once for the owner's day
    assert (await other.send(TOOL)).result == "ALLOW"  # bob's day is his own
    await a.record(OPUS, 250_000, 0)  # $5.25
    d = await b.send(TOOL)
    assert d.result == "DENY" and "today's spend" in d.reason
    assert (await other.send(TOOL)).result == "ALLOW"


async def test_concurrent_llm_requests_never_overspend() -> None:
    """60 parallel LLM calls against a $1 budget through the runtime: admission is
    serialized per session, each call reserves its worst case, usage is recorded
    when the call returns, then the response releases the reservation."""
    limit = 1.0
    sim = _session(max_cost_usd=limit)
    rng = random.Random(7)
    max_tokens = 1500
    allowed = denied = 0
    reservations: list[float] = []

    async def call(i: int) -> None:
        nonlocal allowed, denied
        await asyncio.sleep(rng.random() * 0.01)
        d = await sim.send(llm(OPUS, chars=2000, max_tokens=max_tokens, id=f"call-{i}"))
        if d.result != "ALLOW":
            denied += 1
            return
        allowed += 1
        reservations.append(default_price_table().estimate_max(OPUS, 504, max_tokens))
        await asyncio.sleep(rng.random() * 0.02)  # the LLM call, outside the session lock
        await sim.record(OPUS, 500, rng.randint(max_tokens // 2, max_tokens))
        await sim.send(resp(f"call-{i}"))

    await sim.send(TOOL)
    await asyncio.gather(*(call(i) for i in range(60)))
    spent = sim.usage["total_cost_usd"]
    assert allowed > 0 and denied > 0
    assert spent <= limit + max(reservations)
    assert spent <= limit  # actual usage never exceeds a reservation here, so the cap is exact
    state = sim.policy_state("budget")
    assert state["reserved_n"] == 0 and not bucket(state)


async def test_held_reservation_applies_only_when_approved() -> None:
    sim = _session(max_cost_usd=10.0, ask_thresholds_usd=[0.01])
    d = await sim.send(llm(OPUS, max_tokens=1000))
    assert d.result == "ASK"
    assert sim.policy_state("budget") == {}  # held
    await sim.approve()
    assert sim.policy_state("budget")["reserved_n"] == 1


def test_priced_part_still_counts_when_some_usage_is_unpriced() -> None:
    p = cost_budget(max_cost_usd=10)
    e = ev(TOOL, spent=None, tokens=100, unpriced=50, policy_state={"unpriced_ok": True})
    e["context"]["usage"] = {**e["context"]["usage"], "priced_cost_usd": 12.0}
    assert p(e)["result"] == "DENY"


async def test_unpriced_model_through_the_runtime_asks_once() -> None:
    sim = _session(max_cost_usd=10.0)
    assert (await sim.send(TOOL)).result == "ALLOW"
    assert await sim.record("my-private-model-7", 1000, 100) is None
    d = await sim.send(TOOL)
    assert d.result == "ASK" and "1100 tokens could not be priced" in d.reason
    await sim.approve()
    assert (await sim.send(TOOL)).result == "ALLOW"
    await sim.record(OPUS, 700_000, 0)  # $10.50 priced on top
    assert (await sim.send(TOOL)).result == "DENY"
