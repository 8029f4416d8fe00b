"""Preparing a decision's event under callgrind, each step alone (load-independent).

    python bench/event_instructions.py [--calls 2000] [--steps normalize,build,history,map,answer] [--tree PATH]

``decision.py``'s 10 rules and 1,000 mixed events on the memory store, 300 warm decisions whose
``build_event`` calls are recorded; then, with the collector off, one step repeated over the
last 200 recorded calls (or the mix's first 200 raw events):

* ``normalize``: ``normalize_event`` on the raw events;
* ``build``: ``build_event`` on the recorded calls;
* ``history``: ``history_entry`` for the recorded events;
* ``map``: ``ActionMapper.map_tool`` on the recorded tool calls (through a lambda: ≈ 0.2 k of it);
* ``answer``: ``Runtime.evaluate`` itself (100 sessions, the audit entries queued, never sealed),
  each coroutine driven without an event loop.

Only the instructions run inside ``itertools.starmap``'s ``next`` are counted
(``--toggle-collect``): no start-up, compiling, loop overhead or teardown, so a step's count
repeats to the instruction from run to run.  ``--tree`` measures another checkout (an exported
base: its ``src`` and its ``bench/decision.py``, which puts its own ``src`` first) with this script.
"""

from __future__ import annotations

import argparse
import collections
import gc
import itertools
import sys
from pathlib import Path
from typing import Any

from callgrind import (
    DECISION_DIRS,
    collected_in_starmap,
    decision_runtime,
    driver,
    held,
    measure_tree,
    warmed,
)

HERE = Path(__file__).resolve().parent


def drive(tree: str, step: str, n: int) -> None:
    measure_tree(tree, DECISION_DIRS)
    import decision
    from engine import make_events

    import goalrail.runtime.decide as decide_mod
    from goalrail.engine import context

    raw = decision.raw_events(make_events(1000))
    recorded: list[tuple[tuple[Any, ...], Any]] = []
    real = decide_mod.build_event

    def spy(*args: Any) -> Any:
        event = real(*args)
        recorded.append((args, event))
        return event

    decide_mod.build_event = spy  # type: ignore[assignment]
    rt, store = decision_runtime()
    warmed(rt, raw)
    decide_mod.build_event = real  # type: ignore[assignment]
    calls = recorded[-200:]
    answer = held(rt, store)

    tools = [(a[2], a[0]["target"], a[0]["data"].get("arguments")) for a, _ in calls if a[0]["type"] == "tool_call"]
    steps: dict[str, tuple[Any, list[tuple[Any, ...]]]] = {
        "normalize": (context.normalize_event, [(r,) for r in raw[:200]]),
        "build": (context.build_event, [a for a, _ in calls]),
        "history": (context.history_entry, [(e, "ALLOW", None, 1.0) for _, e in calls]),
        "map": (lambda m, name, args: m.map_tool(name, args, None), tools),
        "answer": (answer, [(f"s{i % 100}", raw[i % 1000]) for i in range(200)]),
    }
    fn, items = steps[step]
    items = [items[i % len(items)] for i in range(n)]
    gc.collect()
    gc.disable()
    collections.deque(itertools.starmap(fn, items), maxlen=0)


def count(tree: str, step: str, n: int) -> float:
    """Instructions per call of ``step``, counted inside ``starmap``'s ``next`` only."""
    return collected_in_starmap(driver(__file__, tree, step, n)) / n


def main() -> None:
    if len(sys.argv) >= 5 and sys.argv[1] == "--drive":
        drive(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--steps", default="normalize,build,history,map,answer")
    ap.add_argument("--tree", default=str(HERE.parent), help="the checkout whose src is measured")
    args = ap.parse_args()
    for step in args.steps.split(","):
        n = args.calls // 4 if step == "answer" else args.calls
        print(f"{step:<10} {count(args.tree, step, n) / 1000:8.2f} k instructions per call", flush=True)


if __name__ == "__main__":
    main()
