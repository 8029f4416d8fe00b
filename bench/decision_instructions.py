"""Instructions per decision under callgrind (load-independent), for bench/decision.py's rows.

    python bench/decision_instructions.py [--decisions 1000] [--asks]

Runs ``valgrind --tool=callgrind`` on this script's driver twice per row (N
decisions after the same warm-up, and none) and prints the difference / N:

* ``engine``: ``goalrail.engine.evaluate`` on the prepared events;
* ``runtime``: ``Runtime.evaluate`` on the memory store, 100 sessions (the answer;
  the queued audit entries are dropped unsealed);
* ``sealing``: the same decisions' audit sealing afterwards (sealed minus dropped).

``--asks``: the measured decisions are the mix's ASKing events only (``rm -rf build``,
each a new pending approval); the warm-up is the same.

Python's garbage collector stays on (it is part of the cost); ``PYTHONHASHSEED=0``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from callgrind import collected

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "chain"))


def drive(mode: str, n: int, asks: bool = False) -> None:
    import decision
    from engine import chain, make_events

    from goalrail.engine.evaluate import evaluate
    from goalrail.engine.spec import PolicySpec
    from goalrail.runtime.runtime import Runtime
    from goalrail.store.memory import MemoryStore

    events = make_events(1000)
    raw = decision.raw_events(events)
    measured = [e for e in raw if "rm -rf" in str(e["data"])] if asks else raw
    if mode == "engine":
        c, states = chain(), {"server:max_tool_calls": {"n": 3}}
        for ev in events[:100]:
            evaluate(c, ev, states)
        for i in range(n):
            evaluate(c, events[i % 1000], states)
        return

    async def main() -> None:
        specs = [PolicySpec(x, f"http_policies.{x}", level="server", kind="callable") for x in decision.NAMES]
        rt = Runtime(MemoryStore(), registry=decision.registry(), server_specs=specs)
        store = rt.store
        assert isinstance(store, MemoryStore)
        for i in range(100):  # every session exists, every chain is compiled
            await rt.evaluate(f"s{i}", raw[i % 1000], owner=f"u{i % 10}")
        store.seal_pending()
        for i in range(n):
            await rt.evaluate(f"s{i % 100}", measured[i % len(measured)], owner="x")
        if mode == "sealed":
            store.seal_pending()
        else:
            store._unsealed.clear()  # the answer alone: drop what would be sealed

    asyncio.run(main())


def count(mode: str, n: int, asks: bool = False) -> int:
    return collected([sys.executable, __file__, "--drive", mode, str(n), *(["--asks"] if asks else [])])


def main() -> None:
    if len(sys.argv) in (4, 5) and sys.argv[1] == "--drive":
        drive(sys.argv[2], int(sys.argv[3]), sys.argv[4:] == ["--asks"])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--decisions", type=int, default=1000)
    ap.add_argument("--asks", action="store_true", help="measure the ASKing events only")
    args = ap.parse_args()
    n, asks = args.decisions, args.asks
    engine = (count("engine", n) - count("engine", 0)) / n
    runtime_n = count("runtime", n, asks)
    answer = (runtime_n - count("runtime", 0, asks)) / n
    sealing = (count("sealed", n, asks) - runtime_n) / n
    print(f"engine.evaluate            {engine / 1000:8.1f} k instructions per decision")
    print(f"Runtime.evaluate (answer)  {answer / 1000:8.1f} k  ({answer / engine:.2f}× engine)")
    print(f"audit sealing afterwards   {sealing / 1000:8.1f} k")


if __name__ == "__main__":
    main()
