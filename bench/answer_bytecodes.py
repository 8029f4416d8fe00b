"""Bytecodes the runtime's answer executes, per function (deterministic, load-independent).

    python bench/answer_bytecodes.py [--answers 400] [--top 45] [--own-files] [--tree PATH]

``decision.py``'s 10 rules and 1,000 mixed events on the memory store, 100 sessions, 300 warm
decisions (the clock advancing 0.5 ms a call, as ``decision_instructions.py --fixed-clock``); then
``--answers`` more under ``sys.settrace`` with opcode events: each function's bytecodes, its own
(``excl``) and with what it calls (``incl``), and its calls, per answer.  C work (a dict copied, a
string hashed) is not seen; the interpreter's dispatch, which dominates the runtime's own steps,
is.  ``--own-files``: the chains start with the server's own-files guard, as
``decision_instructions.py --own-files``.  ``--tree`` measures another checkout (an exported
base: its ``src`` and its ``bench``).
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path
from typing import Any

from callgrind import DECISION_DIRS, decision_runtime, held, measure_tree, own_files_config, warmed

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--answers", type=int, default=400)
    ap.add_argument("--top", type=int, default=45)
    ap.add_argument("--own-files", action="store_true", help="chains start with the server's own-files guard")
    ap.add_argument("--tree", default=str(HERE.parent), help="the checkout whose src is measured")
    args = ap.parse_args()
    measure_tree(args.tree, DECISION_DIRS)
    import decision
    from engine import make_events

    raw = decision.raw_events(make_events(1000))
    rt, store = decision_runtime(own_files=own_files_config() if args.own_files else None)
    warmed(rt, raw)
    answer = held(rt, store)
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
