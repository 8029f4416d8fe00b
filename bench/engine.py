"""Engine overhead: Goalrail's chain evaluation vs the same 10 policies in a bare loop.

    python bench/engine.py [--events 1000] [--rounds 5]

Prints median and p99 per event (µs) for: the bare hand-written loop (the
floor), ``goalrail.engine.evaluate`` over the same 10 policies, and the full
event preparation (``build_event``) for reference, plus the ratio.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from chain import http_policies

from goalrail.engine.chain import Chain, CompiledPolicy, order
from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.evaluate import evaluate
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.spec import PolicySpec

# The same 10 policies bench/http_api.py serves over HTTP.
POLICIES = [getattr(http_policies, name) for name in http_policies.NAMES]


def bare_loop(event: Any) -> str:
    """The hand-written floor: call each policy, combine DENY > ASK > ALLOW."""
    asked = False
    for fn in POLICIES:
        r = fn(event)
        if r is None:
            continue
        if r["result"] == "DENY":
            return "DENY"
        if r["result"] == "ASK":
            asked = True
    return "ASK" if asked else "ALLOW"


def make_events(n: int) -> list[dict[str, Any]]:
    rnd = random.Random(7)
    kinds = [
        {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls -la src"}}},
        {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "rm -rf build"}}},
        {"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": "/repo/README.md"}}},
        {"type": "tool_call", "target": "Write", "data": {"arguments": {"file_path": "/etc/passwd", "content": "x"}}},
        {"type": "tool_call", "target": "WebFetch", "data": {"arguments": {"url": "https://docs.python.org/3/"}}},
        {"type": "tool_call", "target": "WebFetch", "data": {"arguments": {"url": "https://pastebin.com/raw/1"}}},
        {"type": "request", "data": "please refactor the parser module and add tests"},
        {"type": "request", "data": "my ssn is 123-45-6789"},
        {"type": "llm_request", "data": {"model": "claude-opus-4", "messages": [{"role": "user", "content": "hi"}]}},
        {
            "type": "tool_call",
            "target": "mcp__github__create_pull_request",
            "data": {"arguments": {"owner": "o", "repo": "r"}},
        },
    ]
    snapshot = Snapshot("bench", labels={"env": "dev"}, usage={"total_cost_usd": 1.25}, model="claude-sonnet-4")
    events = [build_event(normalize_event(rnd.choice(kinds)), snapshot) for _ in range(n)]
    for ev in events:  # the bare loop reads the policy's state straight from the event
        ev["policy_state"] = {"n": 3}  # type: ignore[typeddict-unknown-key]
    return events  # type: ignore[return-value]


def chain() -> Chain:
    compiled = []
    for fn in POLICIES:
        spec = PolicySpec(fn.__name__, f"bench.{fn.__name__}", level="server")
        compiled.append(CompiledPolicy(spec, fn, False, 5.0, False, spec.key))
    return Chain(order(compiled))


def measure(fn: Any, events: list[Any], rounds: int) -> list[float]:
    samples: list[float] = []
    for _ in range(rounds):
        for ev in events:
            t0 = time.perf_counter_ns()
            fn(ev)
            samples.append((time.perf_counter_ns() - t0) / 1000)
    return samples


def summary(samples: list[float]) -> tuple[float, float]:
    qs = statistics.quantiles(samples, n=100)
    return statistics.median(samples), qs[98]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    events = make_events(args.events)
    c = chain()
    states = {"server:max_tool_calls": {"n": 3}}

    def engine(ev: Any) -> Any:
        return evaluate(c, ev, states)

    raw = [
        {
            "type": e["type"],
            "target": e["data"].get("original_name", e["target"]) if isinstance(e["data"], dict) else e["target"],
            "data": e["data"],
        }
        for e in events
    ]
    snapshot = Snapshot("bench")

    def prepare(r: Any) -> Any:
        return build_event(normalize_event(r), snapshot)

    for fn in (bare_loop, engine):  # warm-up
        measure(fn, events, 1)
    bare = summary(measure(bare_loop, events, args.rounds))
    eng = summary(measure(engine, events, args.rounds))
    prep = summary(measure(prepare, raw, args.rounds))
    print(f"{args.events} mixed events x {args.rounds} rounds, 10 policies, Python {sys.version.split()[0]}")
    print(f"{'':34}{'median µs':>12}{'p99 µs':>12}")
    print(f"{'bare hand-written loop (floor)':34}{bare[0]:>12.2f}{bare[1]:>12.2f}")
    print(f"{'goalrail engine.evaluate':34}{eng[0]:>12.2f}{eng[1]:>12.2f}")
    print(f"{'event preparation (build_event)':34}{prep[0]:>12.2f}{prep[1]:>12.2f}")
    print(f"ratio engine/bare: median {eng[0] / bare[0]:.2f}x, p99 {eng[1] / bare[1]:.2f}x")
    ok = eng[0] <= 10 and eng[1] <= 50 and eng[0] / bare[0] <= 4
    print(f"targets (median ≤ 10 µs, p99 ≤ 50 µs, ≤ 4x floor): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
