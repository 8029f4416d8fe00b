"""Replay throughput in-process: a recorded session re-judged by the 10-policy chain.

    python bench/replay.py [--events 20000] [--rounds 5]

The trace holds the mixed events of bench/engine.py (shell, file, web, MCP tool
calls, user messages, LLM requests), usage after every LLM request and an
approval answer after every ASK, one second apart.  Its recorded decisions come
from a first replay, so every measured round reproduces them (0 changes).
Prints events/s for the replay alone (fresh state each round) and for reading
the JSON Lines text plus the replay; the target is ≥ 20,000 events/s, judged
per CPU second (process time) since wall-clock rates on a shared machine
measure the other jobs as much as the replay.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine import chain, make_events

from goalrail.engine.chain import Chain
from goalrail.runtime import trace
from goalrail.runtime.replay import Replayer

TARGET = 20_000


def raw_events(n: int) -> list[dict[str, Any]]:
    """engine.py's mixed events, as an integration posts them (before build_event)."""
    out = []
    for e in make_events(n):
        data = e["data"]
        target = data.get("original_name", e["target"]) if isinstance(data, dict) else e["target"]
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in ("name", "original_name")}
        out.append({"type": e["type"], "target": target, "data": data, "context": {}})
    return out


def recorded_trace(n: int, c: Chain) -> trace.Trace:
    rnd = random.Random(15)
    records: list[dict[str, Any]] = []
    at = 1_767_225_600.0
    for i, event in enumerate(raw_events(n)):
        at += 1.0
        records.append({"kind": "event", "at": at, "seq": i + 1, "event": event, "approval_id": f"apr_{i}"})
        if event["type"] == "llm_request":
            records.append(
                {"kind": "usage", "at": at + 0.5, "model": "claude-sonnet-4", "input_tokens": rnd.randint(100, 900)}
            )
        elif event["type"] == "tool_call" and "rm " in str(event["data"]):
            records.append(
                {"kind": "approval", "at": at + 0.5, "approval_id": f"apr_{i}", "status": "approved", "scope": "once"}
            )
    recorded = trace.Trace({"id": "bench", "owner": "alice"}, records)
    first = asyncio.run(Replayer(lambda t: c, keep_results=True).run([recorded]))
    for (_, record, got), target in zip(first.results, (r for r in records if r["kind"] == "event"), strict=True):
        assert record["seq"] == target["seq"]
        target["decision"] = {k: got[k] for k in ("result", "policy", "reason")}
    return recorded


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    c = chain()
    recorded = recorded_trace(args.events, c)
    text = recorded.to_jsonl()
    verdicts: dict[str, int] = {}
    for r in recorded.records:
        if r["kind"] == "event":
            verdicts[r["decision"]["result"]] = verdicts.get(r["decision"]["result"], 0) + 1

    replay_rates, full_rates, cpu_rates = [], [], []
    for _ in range(args.rounds):
        cpu0 = time.process_time()
        report = asyncio.run(Replayer(lambda t: c).run([recorded]))
        cpu_rates.append(report.events / (time.process_time() - cpu0))
        assert report.changed == 0 and report.events == args.events, report.counts()
        replay_rates.append(report.events / report.seconds)
        t0 = time.perf_counter()
        loaded = trace.loads(text)
        report = asyncio.run(Replayer(lambda t: c).run([loaded]))
        full_rates.append(report.events / (time.perf_counter() - t0))
        assert report.changed == 0

    print(
        f"{args.events} recorded events ({', '.join(f'{k} {v}' for k, v in sorted(verdicts.items()))}), "
        f"{sum(1 for r in recorded.records if r['kind'] != 'event')} usage/approval records, "
        f"10 policies, {args.rounds} rounds, Python {sys.version.split()[0]}"
    )
    print(f"{'':40}{'median events/s':>16}{'min':>10}{'max':>10}")
    rows = (
        ("replay (in memory), wall clock", replay_rates),
        ("replay (in memory), per CPU second", cpu_rates),
        ("read JSON Lines + replay, wall clock", full_rates),
    )
    for label, rates in rows:
        print(f"{label:40}{statistics.median(rates):>16,.0f}{min(rates):>10,.0f}{max(rates):>10,.0f}")
    ok = statistics.median(cpu_rates) >= TARGET
    print(f"target (replay ≥ {TARGET:,} events per CPU second): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
