"""Engine overhead: Goalrail's chain evaluation vs the same 10 policies in a bare loop.

    python bench/engine.py [--events 1000] [--rounds 5]

Prints median and p99 per event (µs) for: the bare hand-written loop (the
floor), ``goalrail.engine.evaluate`` over the same 10 policies, and the full
event preparation (``build_event``) for reference, plus the ratio.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from goalrail.engine.chain import Chain, CompiledPolicy, order
from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.evaluate import evaluate
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.spec import PolicySpec

OS_TOOLS = frozenset({"sys_os_read", "sys_os_write", "sys_os_edit", "sys_os_shell"})
BLOCKED = frozenset({"evil.com", "pastebin.com"})
SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
EXPENSIVE = ("opus", "gpt-5")


def max_tool_calls(event: Any) -> Any:
    if event["type"] != "tool_call":
        return None
    n = event["policy_state"].get("n", 0)
    if n >= 100_000:
        return {"result": "DENY", "reason": "limit"}
    return {"result": "ALLOW", "state_updates": [{"key": "n", "action": "increment", "scope": "policy"}]}


def ask_on_os_tools(event: Any) -> Any:
    if (
        event["type"] == "tool_call"
        and event["target"] in OS_TOOLS
        and event["data"]["arguments"].get("command", "").startswith("rm")
    ):
        return {"result": "ASK", "reason": "os tool"}
    return None


def block_domains(event: Any) -> Any:
    if event["type"] != "tool_call" or event["target"] != "web_fetch":
        return None
    url = event["data"]["arguments"].get("url", "")
    for d in BLOCKED:
        if d in url:
            return {"result": "DENY", "reason": f"{d} blocked"}
    return {"result": "ALLOW"}


def pii(event: Any) -> Any:
    if event["type"] != "request":
        return None
    if SSN.search(event["data"]["user_content"]):
        return {"result": "DENY", "reason": "pii"}
    return None


def cost(event: Any) -> Any:
    spent = event["context"]["usage"].get("total_cost_usd") or 0.0
    if spent >= 5.0 and event["type"] in ("tool_call", "request"):
        return {"result": "DENY", "reason": "budget"}
    return None


def labels(event: Any) -> Any:
    if event["context"]["labels"].get("env") == "prod" and event["target"] == "sys_os_write":
        return {"result": "ASK", "reason": "prod write"}
    return None


def routing(event: Any) -> Any:
    model = event["context"].get("model") or ""
    if event["type"] == "request" and len(event["data"]["user_content"]) < 20 and any(e in model for e in EXPENSIVE):
        return {"result": "DENY", "reason": "trivial on expensive model"}
    return None


def skills(event: Any) -> Any:
    if (
        event["type"] == "tool_call"
        and event["target"] == "load_skill"
        and event["data"]["arguments"].get("name") == "bad"
    ):
        return {"result": "DENY", "reason": "skill"}
    return None


def paths(event: Any) -> Any:
    if event["type"] == "tool_call" and event["target"] == "sys_os_write":
        path = event["data"]["arguments"].get("file_path", "")
        if path.startswith(("/etc/", "/usr/")):
            return {"result": "DENY", "reason": "system path"}
    return None


def risk(event: Any) -> Any:
    score = event["session_state"].get("risk_score", 0)
    if score > 50 and event["type"] == "tool_call":
        return {"result": "ASK", "reason": "risk"}
    return None


POLICIES = [max_tool_calls, ask_on_os_tools, block_domains, pii, cost, labels, routing, skills, paths, risk]


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
