"""One decision, from the floor to the runtime, in one run.

    python bench/decision.py [--events 1000] [--rounds 3] [--sessions 100] [--interleaved]

The same 10 rules (``chain/http_policies.py``) over the same 1,000 mixed events:

* a hand-written Python chain (the floor: call each rule, DENY > ASK > ALLOW);
* ``goalrail.engine.evaluate`` on prepared events;
* ``normalize_event`` + ``build_event`` + ``evaluate`` from the raw event;
* ``Runtime.evaluate`` on the memory store (snapshot, evaluate, commit, audit),
  events spread over ``--sessions`` sessions.

The rules are registered as trusted inline policies (as shipped builtins are),
so every row calls them on the caller's thread.  Each event is timed alone;
medians and p99 in µs, and each row as a multiple of the floor.

``--interleaved`` adds a line timing the engine and the runtime in turns, a block of 50
events each, over the same rounds: on a machine whose speed changes within a second
(each row above takes about one), both then see the same speeds, so their ratio does not
depend on which ran in a faster moment.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "chain"))

from engine import bare_loop, chain, make_events

from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.evaluate import evaluate
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore

NAMES = ["max_tool_calls", "ask_on_rm", "block_domains", "pii", "cost", "labels", "routing", "skills", "paths", "risk"]


#: Per-decision clock: this thread's CPU time by default (on a shared machine, wall
#: time mostly measures the other processes); ``--wall`` switches to wall time.
CLOCK = time.thread_time_ns
SEALING: list[float] = []  # µs per decision of audit sealing done after the decisions


def summary(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), statistics.quantiles(samples, n=100)[98]


def timed(fn: Any, items: list[Any], rounds: int) -> list[float]:
    out: list[float] = []
    for _ in range(rounds):
        for item in items:
            t0 = CLOCK()
            fn(item)
            out.append((CLOCK() - t0) / 1000)
    return out


def registry() -> Registry:
    reg = Registry.load()
    reg.add_module("http_policies", builtin=True)  # trusted and cheap: called inline
    return reg


def raw_events(events: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "type": e["type"],
            "target": e["data"].get("original_name", e["target"]) if isinstance(e["data"], dict) else e["target"],
            "data": e["data"]["user_content"] if e["type"] == "request" else _raw_data(e["data"]),
        }
        for e in events
    ]


def _raw_data(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    return {k: v for k, v in data.items() if k not in ("name", "original_name")}


async def runtime_samples(raw: list[dict[str, Any]], rounds: int, sessions: int) -> list[float]:
    specs = [PolicySpec(n, f"http_policies.{n}", level="server", kind="callable") for n in NAMES]
    rt = Runtime(MemoryStore(), registry=registry(), server_specs=specs)
    for i in range(sessions):  # warm: every session exists, every chain is compiled
        await rt.evaluate(f"s{i}", raw[i % len(raw)], owner=f"u{i % 10}")
    out: list[float] = []
    n = 0
    for _ in range(rounds):
        for ev in raw:
            sid = f"s{n % sessions}"
            n += 1
            t0 = CLOCK()
            await rt.evaluate(sid, ev, owner="x")
            out.append((CLOCK() - t0) / 1000)
    # The memory store seals audit entries off the decision path (when the loop gets
    # control back, or when the log is read): that work is timed here, once, so the
    # cost per decision it adds can be reported next to the per-decision figures.
    t0 = CLOCK()
    seal = getattr(rt.store, "seal_pending", None)
    if seal is not None:
        seal()
    SEALING.append((CLOCK() - t0) / 1000 / len(out))
    return out


async def interleaved(events: list[Any], raw: list[dict[str, Any]], rounds: int, sessions: int) -> tuple[float, float]:
    """Engine and runtime medians (µs) timed in turns, a block of 50 events each."""
    c, states = chain(), {"server:max_tool_calls": {"n": 3}}
    specs = [PolicySpec(n, f"http_policies.{n}", level="server", kind="callable") for n in NAMES]
    rt = Runtime(MemoryStore(), registry=registry(), server_specs=specs)
    for i in range(sessions):
        await rt.evaluate(f"s{i}", raw[i % len(raw)], owner=f"u{i % 10}")
    engine_us: list[float] = []
    runtime_us: list[float] = []
    n = 0
    for _ in range(rounds):
        for start in range(0, len(events), 50):
            for ev in events[start : start + 50]:
                t0 = CLOCK()
                evaluate(c, ev, states)
                engine_us.append((CLOCK() - t0) / 1000)
            for r in raw[start : start + 50]:
                sid = f"s{n % sessions}"
                n += 1
                t0 = CLOCK()
                await rt.evaluate(sid, r, owner="x")
                runtime_us.append((CLOCK() - t0) / 1000)
    return statistics.median(engine_us), statistics.median(runtime_us)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sessions", type=int, default=100)
    ap.add_argument("--wall", action="store_true", help="time decisions by wall clock instead of CPU time")
    ap.add_argument("--interleaved", action="store_true", help="also time the engine and the runtime in turns")
    args = ap.parse_args()
    global CLOCK
    if args.wall:
        CLOCK = time.perf_counter_ns
    events = make_events(args.events)
    raw = raw_events(events)
    c = chain()
    states = {"server:max_tool_calls": {"n": 3}}
    snapshot = Snapshot("bench", labels={"env": "dev"}, usage={"total_cost_usd": 1.25}, model="claude-sonnet-4")

    def engine(ev: Any) -> Any:
        return evaluate(c, ev, states)

    def full(r: Any) -> Any:
        return evaluate(c, build_event(normalize_event(r), snapshot), states)

    for a, b in zip(events, raw, strict=True):  # every path agrees on every decision
        assert bare_loop(a) == engine(a).result == full(b).result, (b, bare_loop(a), engine(a).result)
    rows = [
        ("hand-written Python chain (floor)", summary(timed(bare_loop, events, args.rounds))),
        ("engine.evaluate, prepared event", summary(timed(engine, events, args.rounds))),
        ("normalize + build_event + evaluate", summary(timed(full, raw, args.rounds))),
    ]
    gc.collect()
    rt = asyncio.run(runtime_samples(raw, args.rounds, args.sessions))
    rows.append((f"Runtime.evaluate, memory store ({args.sessions} sessions)", summary(rt)))
    floor = rows[0][1][0]
    clock = "wall" if args.wall else "CPU"
    print(f"{args.events} mixed events x {args.rounds} rounds, 10 rules, {clock} time, Python {sys.version.split()[0]}")
    print(f"{'':48}{'median µs':>11}{'p99 µs':>10}{'× floor':>9}")
    for name, (med, p99) in rows:
        print(f"{name:48}{med:>11.1f}{p99:>10.1f}{med / floor:>8.1f}×")
    if SEALING and SEALING[0] > 0.05:
        print(f"  + audit sealing off the decision path: {SEALING[0]:.1f} µs per decision (CPU, amortised)")
    eng, run = rows[1][1], rows[3][1]
    print(
        f"runtime / engine median {run[0] / eng[0]:.1f}× (target ≤ 3×); runtime p99 / median {run[1] / run[0]:.1f}× "
        "(target ≤ 10×)"
    )
    if args.interleaved:
        gc.collect()
        eng_med, run_med = asyncio.run(interleaved(events, raw, args.rounds, args.sessions))
        ratio = run_med / eng_med
        print(f"interleaved (blocks of 50): engine {eng_med:.1f} µs, runtime {run_med:.1f} µs, {ratio:.1f}×")


if __name__ == "__main__":
    main()
