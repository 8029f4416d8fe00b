"""Instructions one step of the runtime's answer executes, under callgrind (load-independent).

    python bench/answer_steps_instructions.py [--answers 500] [--own-files] [--tree PATH] MODULE:NAME [MODULE:NAME ...]

``decision.py``'s 10 rules and 1,000 mixed events on the memory store, 100 sessions, 300 warm
decisions (the clock advancing 0.5 ms a call, as ``decision_instructions.py --fixed-clock``);
then ``--answers`` more, each coroutine driven without an event loop, the audit entries
queued and dropped before each.  ``MODULE:NAME`` is a function as the answer looks it up (in
the module that calls it: ``goalrail.runtime.decide:written_updates``; a method as
``goalrail.store.memory_session:MemoryTx.commit_now``); it is replaced by a
wrapper calling it through ``itertools.starmap`` and only the instructions inside
``starmap``'s ``next`` are counted (``--toggle-collect``), per answer (not per call: a step the
answer runs for some events only is averaged over the mix).  ``answer`` alone measures the
whole ``Runtime.evaluate``, as ``event_instructions.py --steps answer``.  The steps named are
measured one process each.  ``--own-files``: the chains start with the server's own-files guard
(as ``decision_instructions.py --own-files``).  ``--tree`` measures another checkout (an exported base).
"""

from __future__ import annotations

import argparse
import collections
import gc
import importlib
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
    own_files_config,
    warmed,
)

HERE = Path(__file__).resolve().parent


def drive(tree: str, step: str, n: int, own: bool = False) -> None:
    measure_tree(tree, DECISION_DIRS)
    import decision
    from engine import make_events

    raw = decision.raw_events(make_events(1000))
    rt, store = decision_runtime(own_files=own_files_config() if own else None)
    warmed(rt, raw)
    answer = held(rt, store)
    items = [(f"s{i % 100}", raw[i % 1000]) for i in range(300, 300 + n)]
    gc.collect()
    gc.disable()
    if step == "answer":
        collections.deque(itertools.starmap(answer, items), maxlen=0)
        return
    module_name, dotted = step.split(":")
    owner: Any = importlib.import_module(module_name)
    *path, name = dotted.split(".")
    for part in path:  # ``Class.method``: replaced on the class
        owner = getattr(owner, part)
    real = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        if kwargs:
            return next(itertools.starmap(lambda *a: real(*a, **kwargs), (args,)))
        return next(itertools.starmap(real, (args,)))

    setattr(owner, name, counted)
    for item in items:
        answer(*item)


def count(tree: str, step: str, n: int, own: bool = False) -> float:
    """Instructions per answer inside ``step``."""
    return collected_in_starmap(driver(__file__, tree, step, n, *(["--own-files"] if own else []))) / n


def main() -> None:
    if len(sys.argv) >= 5 and sys.argv[1] == "--drive":
        drive(sys.argv[2], sys.argv[3], int(sys.argv[4]), "--own-files" in sys.argv[5:])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--answers", type=int, default=500)
    ap.add_argument("--tree", default=str(HERE.parent), help="the checkout whose src is measured")
    ap.add_argument("--own-files", action="store_true", help="chains start with the server's own-files guard")
    ap.add_argument("steps", nargs="+", help="MODULE:NAME as the answer looks it up, or `answer`")
    args = ap.parse_args()
    for step in args.steps:
        per = count(args.tree, step, args.answers, args.own_files)
        print(f"{step:<50} {per / 1000:8.2f} k instructions per answer", flush=True)


if __name__ == "__main__":
    main()
