"""Instructions an ``llm_request`` costs the runtime at turn N of a long conversation (load-independent).

    python bench/conversation_instructions.py [--turns 1,10,100] [--sessions 2] [--tree PATH] [--cold] [--resent]

A conversation as the LLM proxy forwards it: the user's request, then per turn the assistant's call
and the page it fetched (a short text with an address and a link: four values, so 100 turns stay
within the record's 5,000), resent whole each turn.  ``decision.py``'s 10 rules on the memory store;
``--sessions`` sessions are brought to turn N − 1 (evaluated), then their turn N is measured
(``--resent``: turn N once more, nothing new).  Counted inside ``starmap``'s
``next`` only, the collector off, each coroutine driven without an event loop
(``event_instructions.py``'s way).  ``--cold``: every session's remembered walk is dropped before
the measured turn (what a replica that did not see the last turn pays; a tree without walks
ignores it).  ``--tree`` measures another checkout's ``src``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import itertools
import json
import sys
from pathlib import Path
from typing import Any

from callgrind import DECISION_DIRS, collected_in_starmap, decision_runtime, driver, held, measure_tree

HERE = Path(__file__).resolve().parent


def page(i: int) -> str:
    return f"page {i}: the quarterly figures, in plain words. Contact ops{i}@site{i}.example, see https://docs{i}.example/r"


def turn(i: int) -> list[dict[str, Any]]:
    """The messages turn ``i`` adds: the model's call and the tool's result."""
    call = {"id": f"c{i}", "type": "function", "function": {"name": "fetch_page", "arguments": json.dumps({"n": i})}}
    return [
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": f"c{i}", "content": page(i)},
    ]


def request(turns: int) -> dict[str, Any]:
    """The ``llm_request`` of turn ``turns`` (after that many tool results), parsed afresh (new objects)."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": "summarise the reports for bob@partner.example"}]
    for i in range(turns):
        messages += turn(i)
    return json.loads(json.dumps({"type": "llm_request", "data": {"model": "m", "messages": messages}}))


def drive(tree: str, n: int, sessions: int, resent: bool, cold: bool) -> None:
    measure_tree(tree, DECISION_DIRS)
    rt, store = decision_runtime()
    last = n if resent else n - 1

    async def bring_up() -> None:
        for s in range(sessions):
            for t in range(last + 1):  # every turn before the measured one, as the proxy posted it
                await rt.evaluate(f"s{s}", request(t), owner="x")

    asyncio.run(bring_up())
    answer = held(rt, store)
    walks = getattr(rt.provenance, "walks", None)
    if cold and walks is not None:
        walks.clear()

    items = [(f"s{s}", request(n)) for s in range(sessions)]
    gc.collect()
    gc.disable()
    collections.deque(itertools.starmap(answer, items), maxlen=0)


def main() -> None:
    if len(sys.argv) >= 2 and sys.argv[1] == "--drive":
        tree, n, sessions, resent, cold = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
        drive(tree, n, sessions, resent == "1", cold == "1")
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--turns", default="1,10,100")
    ap.add_argument("--sessions", type=int, default=2)
    ap.add_argument("--tree", default=str(HERE.parent), help="the checkout whose src is measured")
    ap.add_argument("--cold", action="store_true", help="drop the remembered walks before the measured turn")
    ap.add_argument("--resent", action="store_true", help="measure turn N resent (nothing new) instead")
    args = ap.parse_args()
    for n in (int(t) for t in args.turns.split(",")):
        argv = driver(__file__, args.tree, n, args.sessions, "1" if args.resent else "0", "1" if args.cold else "0")
        count = collected_in_starmap(argv) / args.sessions / 1000
        what = "resent, nothing new" if args.resent else "a new tool result"
        print(f"turn {n:>4}: {count:9.1f} k instructions ({what})", flush=True)


if __name__ == "__main__":
    main()
