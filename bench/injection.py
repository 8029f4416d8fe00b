"""Prompt-injection suite: legitimate calls allowed without asking, and attacks stopped.

Replays tests/injection (4 domains, 95 legitimate tasks, 80 attacks) through an
in-process runtime for each configuration:

- ``none``: no policy (the floor for usefulness, the ceiling for attacks);
- ``static``: reads allowed, every write asked (``tool_gate kinds: {write: ask}``);
- ``shipped``: docs/examples/prompt-injection.yaml (``information_flow`` + a gate).

Also measures the per-event cost of provenance + information_flow: the median
of ``Runtime.evaluate`` over every event of the suite with the shipped config,
minus the same with no policy (memory store, in-process).

    .venv/bin/python bench/injection.py [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "injection"))

from suite import DOMAINS, SHIPPED, STATIC, load_domain, run_suite, trace_events  # noqa: E402

from goalrail.config.agent import parse_agent_spec  # noqa: E402
from goalrail.config.server import server_config_from_text  # noqa: E402
from goalrail.engine.context import build_event, normalize_event  # noqa: E402
from goalrail.engine.snapshot import Snapshot  # noqa: E402
from goalrail.engine.state import apply_update  # noqa: E402
from goalrail.policies.builtins.flow import information_flow  # noqa: E402
from goalrail.policies.provenance import NS, Provenance, record  # noqa: E402
from goalrail.runtime.flow import ProvenanceTracker  # noqa: E402
from goalrail.runtime.runtime import Runtime  # noqa: E402
from goalrail.store.memory import MemoryStore  # noqa: E402

CONFIGS = {"none": "{}", "static": STATIC, "shipped": SHIPPED}


def quality() -> dict[str, dict[str, float]]:
    out = {}
    for name, text in CONFIGS.items():
        report = run_suite(text)
        out[name] = {
            "legit_calls": len(report.legit),
            "legit_allowed": round(report.legit_allowed() * 100, 1),
            "attacks": len(report.attacks()),
            "attacks_stopped": round(report.attacks_stopped() * 100, 1),
        }
    return out


async def _timed(config_text: str, rounds: int) -> list[float]:
    cfg = server_config_from_text(config_text)
    samples: list[float] = []
    for r in range(rounds):
        for name in DOMAINS:
            domain = load_domain(name)
            agent = parse_agent_spec(domain["agent"], registry=cfg.registry)
            runtime = Runtime(
                MemoryStore(),
                registry=cfg.registry,
                server_specs=cfg.policies,
                agents={agent.name: agent},
                mapper=cfg.action_mapper(),
            )
            for i, trace in enumerate([*domain["tasks"], *domain["attacks"]]):
                sid = f"{r}-{name}-{i}"
                for ev in trace_events(trace):
                    t0 = time.perf_counter()
                    await runtime.evaluate(sid, ev, agent=agent.name)
                    samples.append((time.perf_counter() - t0) * 1e6)
    return samples


def _direct(rounds: int) -> list[float]:
    """Provenance (view + remember) and information_flow alone, per event, on the suite's events (CPU time)."""
    cfg = server_config_from_text(SHIPPED)
    flow = information_flow(**cfg.policies[0].params)
    samples: list[float] = []
    for r in range(rounds):
        for name in DOMAINS:
            domain = load_domain(name)
            agent = parse_agent_spec(domain["agent"], registry=cfg.registry)
            mapper = cfg.action_mapper().extended(agent.tool_mapping, agent.tool_catalog)
            tracker = ProvenanceTracker()
            for i, trace in enumerate([*domain["tasks"], *domain["attacks"]]):
                snap = Snapshot(session_id=f"{r}-{name}-{i}")
                for raw in trace_events(trace):
                    ev = build_event(normalize_event(raw), snap, mapper=mapper)
                    t0 = time.thread_time()
                    ev["context"]["provenance"] = tracker.view(snap.session_id, snap)
                    flow(ev)
                    updates, labels = tracker.remember(ev, snap, 0.0)
                    samples.append((time.thread_time() - t0) * 1e6)
                    state = snap.policy_states.setdefault(NS, {})
                    for upd in updates:
                        apply_update(state, upd)
                    snap.labels.update(labels)
    return samples


def memory() -> dict[str, float]:
    """Bytes per session: the stored record (JSON) for the suite's sessions and for one at the cap."""
    import tracemalloc

    sizes: list[int] = []
    for name in DOMAINS:
        for trace in [*load_domain(name)["tasks"], *load_domain(name)["attacks"]]:
            state: dict[str, Any] = {}
            for ev in trace_events(trace):
                if ev["type"] == "request":
                    ups = record(state, ev["data"], source="user", trust="trusted", at=0.0)
                elif ev["type"] == "tool_result":
                    ups = record(state, ev["data"]["result"], source=ev["target"], trust="untrusted", at=0.0)
                else:
                    continue
                for upd in ups:
                    apply_update(state, upd)
            sizes.append(len(json.dumps(state)))
    full: dict[str, Any] = {}
    for i in range(200):  # 200 tool results of 50 distinct addresses and links each: past the cap
        payload = [f"user{i}-{j}@mail{i}.example https://site{i}.example/p/{j}" for j in range(25)]
        for upd in record(full, payload, source=f"tool{i % 7}", trust="untrusted", at=float(i)):
            apply_update(full, upd)
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    view = Provenance.from_state(full)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    index_bytes = sum(s.size_diff for s in after.compare_to(before, "filename"))
    return {
        "suite_sessions": len(sizes),
        "suite_record_json_bytes_median": statistics.median(sizes),
        "suite_record_json_bytes_max": max(sizes),
        "at_cap_values": view.count,
        "at_cap_record_json_bytes": len(json.dumps(full)),
        "at_cap_index_bytes": index_bytes,
    }


def overhead(rounds: int = 5) -> dict[str, float]:
    base = asyncio.run(_timed("{}", rounds))
    flow = asyncio.run(_timed(SHIPPED, rounds))
    direct = _direct(rounds)
    med_b, med_f = statistics.median(base), statistics.median(flow)
    p99 = lambda xs: sorted(xs)[int(len(xs) * 0.99)]  # noqa: E731
    return {
        "events": len(flow),
        "no_policy_median_us": round(med_b, 1),
        "no_policy_p99_us": round(p99(base), 1),
        "shipped_median_us": round(med_f, 1),
        "shipped_p99_us": round(p99(flow), 1),
        "added_median_us": round(med_f - med_b, 1),
        "provenance_and_flow_median_us": round(statistics.median(direct), 1),
        "provenance_and_flow_p99_us": round(p99(direct), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    result = {"quality": quality(), "overhead": overhead(args.rounds), "memory": memory()}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{'config':<10} {'legit allowed w/o asking':>26} {'attacks stopped':>16}")
    for name, q in result["quality"].items():
        print(
            f"{name:<10} {q['legit_allowed']:>24.1f} % {q['attacks_stopped']:>14.1f} %  "
            f"({q['legit_calls']} legit calls, {q['attacks']} attacks)"
        )
    o = result["overhead"]
    print(
        f"\nRuntime.evaluate per event over {o['events']} events: no policy {o['no_policy_median_us']} µs median "
        f"(p99 {o['no_policy_p99_us']}), shipped config {o['shipped_median_us']} µs (p99 {o['shipped_p99_us']}): "
        f"+{o['added_median_us']} µs"
    )
    m = result["memory"]
    print(
        f"memory: the suite's {m['suite_sessions']} sessions store a median {m['suite_record_json_bytes_median']:.0f} "
        f"bytes of provenance (max {m['suite_record_json_bytes_max']}); a session at the cap "
        f"({m['at_cap_values']} values) stores {m['at_cap_record_json_bytes']} bytes and its in-process index "
        f"takes {m['at_cap_index_bytes'] / 1024:.0f} KiB"
    )
    print(
        f"provenance + information_flow alone: {o['provenance_and_flow_median_us']} µs CPU median per event "
        f"(p99 {o['provenance_and_flow_p99_us']} µs)"
    )


if __name__ == "__main__":
    main()
