"""Instructions per decision under callgrind (load-independent), for bench/decision.py's rows.

    python bench/decision_instructions.py [--decisions 1000]

Runs ``valgrind --tool=callgrind`` on this script's driver twice per row (N
decisions after the same warm-up, and none) and prints the difference / N:

* ``engine``: ``goalrail.engine.evaluate`` on the prepared events;
* ``runtime``: ``Runtime.evaluate`` on the memory store, 100 sessions (the answer;
  the queued audit entries are dropped unsealed);
* ``sealing``: the same decisions' audit sealing afterwards (sealed minus dropped).

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


def drive(mode: str, n: int) -> None:
    import decision
    from engine import chain, make_events

    from goalrail.engine.evaluate import evaluate
    from goalrail.engine.spec import PolicySpec
    from goalrail.runtime.runtime import Runtime
    from goalrail.store.memory import MemoryStore

    events = make_events(1000)
    raw = decision.raw_events(events)
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
            await rt.evaluate(f"s{i % 100}", raw[i % 1000], owner="x")
        if mode == "sealed":
            store.seal_pending()
        else:
            store._unsealed.clear()  # the answer alone: drop what would be sealed

    asyncio.run(main())


def count(mode: str, n: int) -> int:
    return collected([sys.executable, __file__, "--drive", mode, str(n)])


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--drive":
        drive(sys.argv[2], int(sys.argv[3]))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--decisions", type=int, default=1000)
    n = ap.parse_args().decisions
    engine = (count("engine", n) - count("engine", 0)) / n
    answer = (count("runtime", n) - count("runtime", 0)) / n
    sealing = (count("sealed", n) - count("runtime", n)) / n
    print(f"engine.evaluate            {engine / 1000:8.1f} k instructions per decision")
    print(f"Runtime.evaluate (answer)  {answer / 1000:8.1f} k  ({answer / engine:.2f}× engine)")
    print(f"audit sealing afterwards   {sealing / 1000:8.1f} k")


if __name__ == "__main__":
    main()
