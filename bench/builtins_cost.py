"""Per-event cost of the cost, routing, risk and Google builtins (and of pricing).

    python bench/builtins_cost.py [--events 5000]

Each scenario calls one builtin's policy callable on a prepared PolicyEvent
(built with ``build_event`` exactly as production does, outside the timing)
and prints the median and p99 per event in µs.  The routing policy runs with a
cached classification, as it does for every LLM round trip after the first one
of a user message.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.snapshot import Snapshot
from goalrail.policies.builtins.cost import cost_budget, user_daily_cost_budget
from goalrail.policies.builtins.google import (
    gcalendar_policy,
    gdrive_policy,
    gmail_policy,
)
from goalrail.policies.builtins.risk import risk_score_policy
from goalrail.policies.builtins.routing import deny_trivial_to_expensive_model
from goalrail.policies.pricing import PriceTable, default_price_table

OPUS = "claude-opus-4-1"
USAGE = {
    "input_tokens": 120_000,
    "output_tokens": 9_000,
    "total_tokens": 129_000,
    "total_cost_usd": 2.47,
    "unpriced_tokens": 0,
    "llm_calls": 14,
    "priced_cost_usd": 2.47,
}
MESSAGES = [
    {"role": "system", "content": "You are a coding agent. " * 40},
    {"role": "user", "content": "Refactor the scheduler so that retries back off exponentially. " * 5},
    {"role": "assistant", "content": "Looking at the code now."},
    {"role": "user", "content": "Also keep the public API unchanged."},
]
DOC = "1AbCdEfGhIjKlMnOpQrStUvWxYz"


def event(raw: dict[str, Any], policy_state: dict[str, Any] | None = None, **snap: Any) -> dict[str, Any]:
    snapshot = Snapshot(
        "bench",
        owner="alice",
        model=OPUS,
        usage=dict(USAGE),
        user_daily_cost={"user_id": "alice", "day": "2026-11-22", "cost_usd": 7.5},
        **snap,
    )
    ev = dict(build_event(normalize_event(raw), snapshot))
    ev["policy_state"] = policy_state or {}
    return ev


def tool(name: str, **args: Any) -> dict[str, Any]:
    return {"type": "tool_call", "target": name, "data": {"arguments": args}}


def measure(fn: Callable[[], Any], n: int) -> tuple[float, float]:
    for _ in range(min(200, n)):
        fn()
    samples = []
    for _ in range(n):
        t = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - t) / 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def measure_async(policy: Any, ev: dict[str, Any], n: int) -> tuple[float, float]:
    async def run() -> tuple[float, float]:
        for _ in range(min(200, n)):
            await policy(ev)
        samples = []
        for _ in range(n):
            t = time.perf_counter_ns()
            await policy(ev)
            samples.append((time.perf_counter_ns() - t) / 1000)
        samples.sort()
        return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]

    return asyncio.run(run())


def scenarios() -> list[tuple[str, Callable[[], Any] | tuple[Any, dict[str, Any]]]]:
    budget = cost_budget(max_cost_usd=10, ask_thresholds_usd=[5], expensive_models=["*opus*"])
    daily = user_daily_cost_budget(20, ask_thresholds_usd=[10])
    reserved = {"reserved:0.400000": 1, "reserved:0.200000": 1, "reserved_n": 2, "reserved_at": time.time()}
    llm_req = event(
        {"type": "llm_request", "data": {"model": OPUS, "messages": MESSAGES, "max_tokens": 4096}}, reserved
    )
    router = deny_trivial_to_expensive_model()
    last_user = MESSAGES[-1]["content"]
    cache = {"classification": {"sha": hashlib.sha256(last_user.encode()).hexdigest()[:32], "label": "COMPLEX"}}
    risk = risk_score_policy()
    drive, mail, cal = gdrive_policy(), gmail_policy(), gcalendar_policy()
    created = {"created_file_ids": [f"1file{i:020d}" for i in range(50)] + [DOC]}
    table = PriceTable()
    default_price_table().estimate_max(OPUS, 1000, 4096)

    bash = event(tool("Bash", command="pytest -q"))
    response = event({"type": "llm_response", "data": {"model": OPUS}}, reserved)
    cheap = event({"type": "llm_request", "data": {"model": "gpt-4o-mini", "messages": MESSAGES}})
    risky = event(tool("Bash", command="ls"), state={"risk_score": 7})
    labelled = event(tool("mcp__github__delete_file", path="x"), state={"risk_score": 7}, labels={"env": "prod"})
    write = event(tool("mcp__google__modify_doc_text", document_id=DOC, text="x"), created)
    send = event(tool("mcp__gmail__send_email", to="a@b.c"))
    listing = event(tool("mcp__gcal__list-events"))
    return [
        ("cost_budget tool_call (under budget)", lambda: budget(bash)),
        ("cost_budget llm_request (estimate + reserve)", lambda: budget(llm_req)),
        ("cost_budget llm_response (release)", lambda: budget(response)),
        ("user_daily_cost_budget tool_call", lambda: daily(bash)),
        ("user_daily_cost_budget llm_request", lambda: daily(llm_req)),
        ("deny_trivial_to_expensive_model llm_request (cached)", (router, dict(llm_req, policy_state=cache))),
        ("deny_trivial_to_expensive_model cheap model", (router, cheap)),
        ("risk_score_policy tool_call", lambda: risk(risky)),
        ("risk_score_policy tool_call + new label", lambda: risk(labelled)),
        ("gdrive_policy write to created file (51 tracked)", lambda: drive(write)),
        ("gdrive_policy non-Google tool", lambda: drive(bash)),
        ("gmail_policy send", lambda: mail(send)),
        ("gcalendar_policy list events", lambda: cal(listing)),
        ("PriceTable.cost (genai-prices calc)", lambda: table.cost(OPUS, input_tokens=12_345, output_tokens=678)),
        ("PriceTable.estimate_max (cached)", lambda: table.estimate_max(OPUS, 12_345, 4096)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()
    print(f"{'scenario':58} {'median µs':>10} {'p99 µs':>10}")
    for name, target in scenarios():
        if isinstance(target, tuple):
            med, p99 = measure_async(target[0], target[1], args.events)
        else:
            med, p99 = measure(target, args.events)
        print(f"{name:58} {med:10.1f} {p99:10.1f}")
    print("(the policy call only: events are built once, outside the timing)")


if __name__ == "__main__":
    main()
