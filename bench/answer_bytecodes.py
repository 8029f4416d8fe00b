"""Bytecodes the runtime's answer executes, per function (deterministic, load-independent).

    python bench/answer_bytecodes.py [--answers 400] [--top 45] [--tree PATH]

``decision.py``'s 10 rules and 1,000 mixed events on the memory store, 100 sessions, 300 warm
decisions (the clock advancing 0.5 ms a call, as ``decision_instructions.py --fixed-clock``); then
``--answers`` more under ``sys.settrace`` with opcode events: each function's bytecodes, its own
(``excl``) and with what it calls (``incl``), and its calls, per answer.  C work (a dict copied, a
string hashed) is not seen; the interpreter's dispatch, which dominates the runtime's own steps,
is.  ``--tree`` measures another checkout (an exported base: its ``src`` and its ``bench``).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--answers", type=int, default=400)
    ap.add_argument("--top", type=int, default=45)
    ap.add_argument("--tree", default=str(HERE.parent), help="the checkout whose src is measured")
    args = ap.parse_args()
    tree = args.tree
    sys.path[:0] = [f"{tree}/src", f"{tree}/bench", f"{tree}/bench/chain"]  # (``decision`` puts its own src first)
    import decision
    from engine import make_events

    from goalrail.engine.spec import PolicySpec
    from goalrail.runtime.runtime import Runtime
    from goalrail.store.memory import MemoryStore

    sys.path.append(str(HERE))
    from callgrind import answering

    raw = decision.raw_events(make_events(1000))
    specs = [PolicySpec(x, f"http_policies.{x}", level="server", kind="callable") for x in decision.NAMES]
    ticks = itertools.count(3_600_000_000_000)
    rt = Runtime(MemoryStore(), registry=decision.registry(), server_specs=specs, clock=lambda: next(ticks) / 2000)
    store = rt.store
    assert isinstance(store, MemoryStore)

    async def warm() -> None:
        for i in range(300):
            await rt.evaluate(f"s{i % 100}", raw[i % 1000], owner=f"u{i % 10}")

    asyncio.run(warm())
    store.seal_pending()
    store._seal_scheduled = True  # the answer alone: entries queued, dropped before each decision
    answer = answering(rt, store._unsealed)
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    calls: collections.Counter[str] = collections.Counter()
    stack: list[str] = []

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        frame.f_trace_opcodes = True
        code = frame.f_code
        name = f"{code.co_filename.split('/src/')[-1]}:{code.co_name}"
        if event == "call":
            calls[name] += 1
            stack.append(name)
        elif event == "return":
            if stack:
                stack.pop()
        elif event == "opcode":
            own[name] += 1
            for outer in set(stack):  # (a recursive function counted once)
                inclusive[outer] += 1
        return tracer

    n = args.answers
    items = [(f"s{i % 100}", raw[(300 + i) % 1000]) for i in range(n)]
    sys.settrace(tracer)
    for session_id, event in items:
        answer(session_id, event)
    sys.settrace(None)
    for name, count in inclusive.most_common(args.top):
        print(f"{count / n:9.1f} incl {own[name] / n:8.1f} excl {calls[name] / n:6.2f} calls  {name}")


if __name__ == "__main__":
    main()
