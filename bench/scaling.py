"""How the cost of one decision grows with what the server holds.

    python bench/scaling.py [--part NAME|all] [--sqlite] [--long]     (NAME: one of the parts below)

* policies: 10 vs 1,000 rules keyed by tool (``chain/scaling_rules.py``, each
  declaring the one tool it judges), through ``engine.evaluate`` and
  ``Runtime.evaluate`` (memory store); 1,000 mixed events.
* sessions: 100 vs 10,000 sessions of one owner, each with a usage record.
* usage: 10 vs 1,000 usage records in the session being judged.
* approvals: an ASK in a session holding 10 vs 1,000 pending approvals (every
  unanswered ASK leaves one; each ASK looks for an approved retry among them).
* age: ``http_api.py --chain builtins``' chain and events (ten shipped builtins; about one
  event in eight an ASK that stays unanswered) in sessions after 100 vs 3,000 events each.
* audit: the first vs the last 1,000 of 30,000 decisions (memory store).
* memory: bytes held per session (tracemalloc) after 10 decisions each.
* provenance: a session after 10 vs 1,000 (``--long``: and 5,000) requests and
  tool results, each recorded in its provenance record (issue 13); 20 sessions,
  each then judged 30 more times (a request, a tool call, a tool result).

Medians and p99 in µs per decision, and the ratio between the two sizes.
``--sqlite`` also runs sessions, usage, approvals, age and provenance on a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent / "chain"))

from goalrail.engine.chain import compile_chain
from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.evaluate import evaluate
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store

EVENTS = [
    {"type": "tool_call", "target": "mcp__s__t3", "data": {"arguments": {"path": "/etc/passwd"}}},
    {"type": "tool_call", "target": "mcp__s__t7", "data": {"arguments": {"path": "/tmp/x"}}},
    {"type": "tool_call", "target": "mcp__s__t9", "data": {"arguments": {"path": "/home/a"}}},
    {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}},
    {"type": "request", "data": "please refactor the parser"},
    {"type": "llm_request", "data": {"model": "m", "messages": [{"role": "user", "content": "hi"}]}},
]


#: Per-decision clock: this thread's CPU time by default (on a shared machine, wall
#: time mostly measures the other processes); ``--wall`` switches to wall time.
CLOCK = time.thread_time_ns


def summary(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), statistics.quantiles(samples, n=100)[98]


def row(name: str, small: tuple[float, float], large: tuple[float, float]) -> None:
    print(
        f"{name:50}{small[0]:>10.1f}{small[1]:>9.1f}{large[0]:>12.1f}{large[1]:>9.1f}{large[0] / small[0]:>8.2f}×",
        flush=True,
    )


def header(small: str, large: str) -> None:
    print(f"{'':50}{small + ' med':>10}{'p99':>9}{large + ' med':>12}{'p99':>9}{'ratio':>9}", flush=True)


def registry() -> Registry:
    reg = Registry.load()
    reg.add_module("scaling_rules", builtin=True)
    return reg


def specs(n: int) -> list[PolicySpec]:
    return [
        PolicySpec(f"r{i}", "scaling_rules.tool_rule", level="server", params={"tool": f"mcp__s__t{i}"})
        for i in range(n)
    ]


async def timed_runtime(
    rt: Runtime, sessions: list[str], events: list[Any], clock: Any = None, **kw: Any
) -> list[float]:
    clock = clock or CLOCK
    out = []
    for i, ev in enumerate(events):
        t0 = clock()
        await rt.evaluate(sessions[i % len(sessions)], ev, **kw)
        out.append((clock() - t0) / 1000)
    return out


def part_policies(n_events: int) -> None:
    header("10", "1,000")
    raw = [EVENTS[i % len(EVENTS)] for i in range(n_events)]
    reg = registry()
    snap = Snapshot("bench")
    prepared = [build_event(normalize_event(e), snap) for e in raw]
    results = {}
    for n in (10, 1000):
        chain = compile_chain(specs(n), reg)
        for ev in prepared:
            evaluate(chain, ev)
        samples = []
        for ev in prepared * 3:
            t0 = CLOCK()
            evaluate(chain, ev)
            samples.append((CLOCK() - t0) / 1000)
        results[("engine", n)] = summary(samples)
    row("engine.evaluate, policies keyed by tool", results[("engine", 10)], results[("engine", 1000)])

    async def runtime(n: int) -> tuple[float, float]:
        store = await open_store("memory://")
        rt = Runtime(store, registry=reg, server_specs=specs(n))
        sessions = [f"s{i}" for i in range(50)]
        await timed_runtime(rt, sessions, raw[:200])
        return summary(await timed_runtime(rt, sessions, raw * 2))

    row("Runtime.evaluate (memory), keyed policies", asyncio.run(runtime(10)), asyncio.run(runtime(1000)))


async def _populated(url: str, n_sessions: int, usage_per_session: int) -> tuple[Runtime, Any]:
    store = await open_store(url)
    rt = Runtime(store, registry=registry(), server_specs=specs(10))
    for i in range(n_sessions):
        sid = f"s{i}"
        await store.ensure_session(sid, owner="ann")
        for _ in range(usage_per_session):
            await rt.record_usage(sid, "gpt-4o", input_tokens=100, output_tokens=50, owner="ann")
    return rt, store


def part_sessions(url: str, n_events: int, label: str) -> None:
    header("100", "10,000")
    raw = [EVENTS[i % len(EVENTS)] for i in range(n_events)]

    async def one(n: int) -> tuple[float, float]:
        rt, store = await _populated(url() if callable(url) else url, n, 1)
        await timed_runtime(rt, ["s0", "s1"], raw[:100], owner="ann")
        out = summary(await timed_runtime(rt, [f"s{i}" for i in range(0, n, max(1, n // 50))], raw, owner="ann"))
        await store.close()
        return out

    row(f"Runtime.evaluate ({label}), sessions of one owner", asyncio.run(one(100)), asyncio.run(one(10_000)))


def part_usage(url: Any, n_events: int, label: str) -> None:
    header("10", "1,000")
    raw = [EVENTS[i % len(EVENTS)] for i in range(n_events)]

    async def one(n: int) -> tuple[float, float]:
        rt, store = await _populated(url() if callable(url) else url, 2, n)
        await timed_runtime(rt, ["s0"], raw[:100], owner="ann")
        out = summary(await timed_runtime(rt, ["s0", "s1"], raw, owner="ann"))
        await store.close()
        return out

    row(f"Runtime.evaluate ({label}), usage records", asyncio.run(one(10)), asyncio.run(one(1000)))


def part_approvals(url: Any, n_events: int, label: str) -> None:
    header("10", "1,000")
    asks = [{"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": f"ls {i}"}}} for i in range(2000)]
    ask_os = PolicySpec("ask_os", "goalrail.policies.builtins.safety.ask_on_os_tools", level="server")

    async def one(n: int) -> tuple[float, float]:
        store = await open_store(url() if callable(url) else url)
        # Each approval expires a minute after its ASK and the session's clock moves two minutes
        # between events: every ASK is one (a session may have only 64 waiting at once).
        moment = [time.time() - 4 * (n + n_events) * 60]
        rt = Runtime(store, registry=registry(), server_specs=[*specs(10), ask_os], clock=lambda: moment[0])
        rt.approval_timeout_s = 60.0

        async def asking(events: list[Any], clock: Any) -> list[float]:
            out = []
            for ev in events:
                moment[0] += 120
                t0 = clock()
                await rt.evaluate("s0", ev)
                out.append((clock() - t0) / 1000)
            return out

        await asking(asks[:n], CLOCK)  # n unanswered ASKs: n pending approvals
        # The process's CPU time (unless --wall): SQLite reads approvals on its runner thread.
        samples = await asking(asks[n : n + n_events], time.process_time_ns if CLOCK is time.thread_time_ns else CLOCK)
        assert len(await store.list_approvals(status="pending", session_id="s0")) == n + n_events
        await store.close()
        return summary(samples)

    row(f"Runtime.evaluate ({label}), ASK, pending approvals", asyncio.run(one(10)), asyncio.run(one(1000)))


def part_age(url: Any, label: str) -> None:
    from owner_state import builtin_specs, http_bench

    bench = http_bench()
    header("100", "3,000")
    sessions = [f"a{i}" for i in range(4)]

    async def one(n: int) -> tuple[float, float]:
        store = await open_store(url() if callable(url) else url)
        rt = Runtime(store, registry=registry(), server_specs=builtin_specs(bench))
        events = bench.EVENTS
        for i in range(n):
            for sid in sessions:
                await rt.evaluate(sid, events[i % len(events)], owner="ann")
        clock = time.process_time_ns if CLOCK is time.thread_time_ns else CLOCK
        order = [events[i // len(sessions) % len(events)] for i in range(800)]
        out = summary(await timed_runtime(rt, sessions, order, clock, owner="ann"))
        await store.close()
        return out

    row(f"Runtime.evaluate ({label}), builtins, session age", asyncio.run(one(100)), asyncio.run(one(3000)))


def part_audit(total: int) -> None:
    header("first", "last")
    raw = [EVENTS[i % len(EVENTS)] for i in range(total)]

    async def run() -> tuple[list[float], int]:
        store = await open_store("memory://")
        rt = Runtime(store, registry=registry(), server_specs=specs(10))
        samples = await timed_runtime(rt, [f"s{i}" for i in range(100)], raw)
        return samples, len(store.audit)

    gc.collect()
    samples, kept = asyncio.run(run())
    row(f"Runtime.evaluate (memory), {total:,} decisions", summary(samples[:1000]), summary(samples[-1000:]))
    print(f"  audit entries held in memory afterwards: {kept:,}")


def part_memory(n_sessions: int) -> None:
    raw = [EVENTS[i % len(EVENTS)] for i in range(10)]

    async def run() -> tuple[int, int]:
        store = await open_store("memory://")
        rt = Runtime(store, registry=registry(), server_specs=specs(10))
        await timed_runtime(rt, ["warm"], raw)
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for i in range(n_sessions):
            for ev in raw:
                await rt.evaluate(f"m{i}", ev, owner=f"u{i % 10}")
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        return after - before, len(store.audit)

    used, kept = asyncio.run(run())
    print(
        f"memory store: {used / n_sessions / 1024:.1f} KiB per session after 10 decisions each "
        f"({n_sessions:,} sessions, {kept:,} audit entries held)",
        flush=True,
    )


def _prov_event(i: int) -> dict[str, Any]:
    if i % 3 == 0:
        return {"type": "request", "data": {"user_content": f"please look at ticket T-{i} for bob{i}@corp.example"}}
    if i % 3 == 1:
        return {"type": "tool_call", "target": "read_inbox", "data": {"arguments": {"folder": f"f-{i}"}}}
    return {
        "type": "tool_result",
        "target": "read_inbox",
        "data": {"result": f"reply from c{i}@mail.example, ref R-{i}"},
    }


def part_provenance(url: Any, label: str, sizes: tuple[int, ...]) -> None:
    header(f"{sizes[0]:,}", f"{sizes[-1]:,}")
    n_sessions, measured = 10, 40

    async def one(n: int) -> tuple[float, float]:
        store = await open_store(url() if callable(url) else url)
        rt = Runtime(store, registry=registry(), server_specs=specs(10))
        sessions = [f"p{i}" for i in range(n_sessions)]
        for i in range(n * 3 // 2):  # n requests and tool results, and half as many tool calls
            for sid in sessions:
                await rt.evaluate(sid, _prov_event(i))
        order = [sid for _ in range(measured) for sid in sessions]
        out = summary(await timed_runtime(rt, order, [_prov_event(i // n_sessions) for i in range(len(order))]))
        await store.close()
        return out

    results = {n: asyncio.run(one(n)) for n in sizes}
    for n in sizes[1:]:
        row(f"Runtime.evaluate ({label}), provenance {n:,} events", results[sizes[0]], results[n])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--part", default="all")
    ap.add_argument("--events", type=int, default=1000)
    ap.add_argument("--sqlite", action="store_true")
    ap.add_argument("--long", action="store_true", help="provenance: also a session after 5,000 events")
    ap.add_argument("--wall", action="store_true", help="time decisions by wall clock instead of CPU time")
    args = ap.parse_args()
    global CLOCK
    if args.wall:
        CLOCK = time.perf_counter_ns
    every = {"policies", "sessions", "usage", "approvals", "age", "audit", "memory", "provenance"}
    parts = every if args.part == "all" else {args.part}
    print(f"Python {sys.version.split()[0]}; medians and p99 in µs per decision", flush=True)
    tmp = tempfile.mkdtemp()
    counter = iter(range(1_000_000))

    def sqlite_url() -> str:
        return f"sqlite:///{tmp}/scaling-{next(counter)}.db"

    if "policies" in parts:
        part_policies(args.events)
    if "sessions" in parts:
        part_sessions("memory://", args.events, "memory")
        if args.sqlite:
            part_sessions(sqlite_url, args.events, "SQLite")  # type: ignore[arg-type]
    if "usage" in parts:
        part_usage("memory://", args.events, "memory")
        if args.sqlite:
            part_usage(sqlite_url, args.events, "SQLite")
    if "approvals" in parts:
        part_approvals("memory://", min(args.events, 500), "memory")
        if args.sqlite:
            part_approvals(sqlite_url, min(args.events, 500), "SQLite")
    if "age" in parts:
        part_age("memory://", "memory")
        if args.sqlite:
            part_age(sqlite_url, "SQLite")
    if "audit" in parts:
        part_audit(30_000)
    if "memory" in parts:
        part_memory(2_000)
    if "provenance" in parts:
        sizes = (10, 1000, 5000) if args.long else (10, 1000)
        part_provenance("memory://", "memory", sizes)
        if args.sqlite:
            part_provenance(sqlite_url, "SQLite", sizes)


if __name__ == "__main__":
    main()
