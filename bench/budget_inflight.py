"""Instructions per call of the two budget gates with reservations in flight (load-independent).

    python bench/budget_inflight.py [--inflight 64] [--calls 1000] [--jobs 2]

``cost_budget`` and ``user_daily_cost_budget`` configured as ``http_api.py --chain builtins``
configures them, their state holding ``--inflight`` reservations of distinct amounts (a
session, or an owner's sessions, with that many LLM calls running: up to ``MAX_BUCKETS``
keys of exact amounts, then powers of two), and for the daily budget as many keys of another
day and of other user-scope policies.  Each gate is handed one event (a tool call, a user
turn, an LLM request; built with ``build_event`` as production builds them) ``--calls`` times;
callgrind counts that run against one that builds the same events without calling the gate.
Only the public factories are used, so the script runs on any tree (``PYTHONPATH=<tree>/src``).
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from callgrind import collected

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

T0 = 1_796_000_000.0  # 2026-11-30
DAY = "2026-11-30"
EVENTS = {
    "tool_call": {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls -la src"}}},
    "request": {"type": "request", "data": "please refactor the parser module and add tests"},
    "llm_request": {
        "type": "llm_request",
        "data": {"model": "claude-opus-4", "messages": [{"role": "user", "content": "hi"}]},
    },
}


def _gate(name: str) -> Any:
    from goalrail.policies.builtins import cost

    if name == "session_budget":
        return cost.cost_budget(max_cost_usd=1000.0, ask_thresholds_usd=[900.0])
    return cost.user_daily_cost_budget(max_cost_usd=100000.0)


def _state(prefix: str, inflight: int, others: int) -> dict[str, Any]:
    state: dict[str, Any] = {f"{prefix}reserved:{0.25 + k / 1e4:.6f}": 1 for k in range(inflight)}
    state.update({f"{prefix}reserved_n": inflight, f"{prefix}reserved_at": T0 - 1.0})
    for k in range(others):
        state[f"custom:counter_{k}"] = k
    return state


def event(name: str, kind: str, inflight: int) -> dict[str, Any]:
    from goalrail.engine.context import build_event, normalize_event
    from goalrail.engine.snapshot import Snapshot
    from goalrail.policies.pricing import default_price_table

    gate = _gate(name)
    daily = name == "daily_budget"
    prefix = f"{gate.base}{DAY}:" if daily else ""
    state = _state(prefix, inflight, inflight if daily else 0)
    snap = Snapshot(
        "bench",
        owner="alice",
        model="claude-opus-4",
        user_state=state if daily else {},
        usage={"total_cost_usd": 0.0, "total_tokens": 0, "llm_calls": 0, "unpriced_tokens": 0},
        user_daily_cost={"user_id": "alice", "day": DAY, "cost_usd": 0.0},
    )
    ev = dict(build_event(normalize_event(EVENTS[kind]), snap, now=T0, prices=default_price_table()))
    ev["policy_state"] = {} if daily else state
    return ev


def drive(name: str, kind: str, inflight: int, calls: int) -> None:
    gate = _gate(name)
    ev = event(name, kind, inflight)
    for _ in range(calls):
        gate(ev)


def main() -> None:
    if len(sys.argv) == 6 and sys.argv[1] == "--drive":
        drive(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--inflight", type=int, default=64)
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    runs = [(g, k) for g in ("session_budget", "daily_budget") for k in EVENTS]

    def count(run: tuple[str, str], calls: int) -> int:
        return collected([sys.executable, __file__, "--drive", *run, str(args.inflight), str(calls)])

    with ThreadPoolExecutor(args.jobs) as pool:
        base = list(pool.map(lambda r: count(r, 0), runs))
        full = list(pool.map(lambda r: count(r, args.calls), runs))
    print(f"{args.inflight} reservations in flight, {args.calls} calls; k instructions per call")
    for (gate, kind), b, f in zip(runs, base, full, strict=True):
        print(f"{gate:16} {kind:12} {(f - b) / args.calls / 1000:8.1f}")


if __name__ == "__main__":
    main()
