"""Instructions per decision under callgrind (load-independent), for bench/decision.py's rows.

    python bench/decision_instructions.py [--decisions 1000] [--asks] [--fixed-clock] [--allocations]
                                          [--gc server|default] [--queued] [--own-files] [--tree PATH]

Runs ``valgrind --tool=callgrind`` on this script's driver twice per row (N
decisions after the same warm-up, and none) and prints the difference / N:

* ``engine``: ``goalrail.engine.evaluate`` on the prepared events;
* ``runtime``: ``Runtime.evaluate`` on the memory store, 100 sessions (the answer;
  each decision's queued audit entry is dropped unsealed once it is answered);
* ``sealing``: the same decisions' audit sealing (sealed minus dropped): each entry sealed
  once its decision is answered, as ``goalrail serve``'s loop does when it gets control back
  (the loop's turn itself is not counted, nor, in either, the ``call_soon`` by which a
  server's commit schedules each seal: the first measured commit's stays pending);
* ``answer+sealing``: the two together, and their ratio to the engine.

``--queued``: every measured decision's entry stays queued until the end (sealed or dropped
then), as in the script before the twenty-first sitting.  A server's queue holds only the
entries committed since its loop last had control; 500 queued entries (their decisions,
events and lists: ≈ 9 containers the collector tracks each) make a young collection land
in the measured run (≈ 7 M instructions, ≈ 14 k a decision over 500), which is charged to
the answer.

``--gc server`` (the default): every driver runs under the server's collector regime,
``goalrail.cli.server.tune_gc()`` (``gc.collect``, ``gc.freeze``, thresholds
``GC_THRESHOLDS``), called once its chain, events and runtime are made and before the
warm-up, as ``goalrail serve`` calls it once loaded and before serving.  ``--gc default``:
CPython's thresholds (700, 10, 10) and nothing frozen, the regime of an embedding process
(and of this script before the twentieth sitting), under which a full collection landing in
the measured run or not moves the answer by ≈ 30 k; it moves answer+sealing far less, since
the pass lands in one or the other.

``--asks``: the measured decisions are the mix's ASKing events only (``rm -rf build``,
each a new pending approval); the warm-up is the same.

``--fixed-clock``: the runtime's clock advances 0.5 ms a call instead of reading the time (a
decision's branches depend on the time that passed, which under valgrind is the load's; what
still moves a tree's count, by ≈ 2 k, is where the collector's passes land).

``--allocations``: also the calls per decision of CPython's object allocator
(``_PyObject_Malloc``: small objects, dict key tables included; not the objects a free list
hands back) and of ``_PyObject_GC_Link`` (containers the garbage collector tracks), engine
and answer.

``--own-files``: the runtime's chains start with the server's own-files guard
(``runtime.own_files_guard``) on a server's usual paths under ``/srv/goalrail`` and
``~/.goalrail``, as ``goalrail server`` builds them (the base has none: compare with it).

``--tree``: measure another checkout (an exported base: its ``src`` and its ``bench``) with
this script.

Python's garbage collector stays on (it is part of the cost); ``PYTHONHASHSEED=0``.  A driver
ends by ``os._exit``: the interpreter's exit collections and teardown, which walk and free what
the measured decisions left alive (the runtime's sessions, none for the engine), are not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import time
from pathlib import Path

from callgrind import collected, collected_calls, own_files_config

HERE = Path(__file__).resolve().parent


ALLOCATORS = ("_PyObject_Malloc", "_PyObject_GC_Link")


def regime(name: str) -> None:
    """The collector's regime of a driver: ``server`` is ``goalrail serve``'s (``cli.server.tune_gc``)."""
    if name == "server":
        from goalrail.cli.server import tune_gc

        tune_gc()
    elif name != "default":
        raise ValueError(f"unknown collector regime {name!r}")


def drive(
    tree: str,
    mode: str,
    n: int,
    asks: bool = False,
    fixed_clock: bool = False,
    gc_regime: str = "server",
    queued: bool = False,
    own: bool = False,
) -> None:
    sys.path[:0] = [f"{tree}/src", f"{tree}/bench", f"{tree}/bench/chain"]  # (``decision`` puts its own src first)
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
        regime(gc_regime)
        for ev in events[:100]:
            evaluate(c, ev, states)
        for i in range(n):
            evaluate(c, events[i % 1000], states)
        return

    async def main() -> None:
        specs = [PolicySpec(x, f"http_policies.{x}", level="server", kind="callable") for x in decision.NAMES]
        ticks = itertools.count(3_600_000_000_000)  # half-milliseconds from 2027-01-15, 0.5 ms a call
        clock = (lambda: next(ticks) / 2000) if fixed_clock else time.time
        extra = {"own_files": own_files_config()} if own else {}
        rt = Runtime(MemoryStore(), registry=decision.registry(), server_specs=specs, clock=clock, **extra)
        store = rt.store
        assert isinstance(store, MemoryStore)
        regime(gc_regime)
        for i in range(100):  # every session exists, every chain is compiled
            await rt.evaluate(f"s{i}", raw[i % 1000], owner=f"u{i % 10}")
        store.seal_pending()
        if queued:  # every entry queued until the end (the script before the twenty-first sitting)
            for i in range(n):
                await rt.evaluate(f"s{i % 100}", measured[i % len(measured)], owner="x")
            if mode == "sealed":
                store.seal_pending()
            else:
                store._unsealed.clear()  # the answer alone: drop what would be sealed
            return
        for i in range(n):
            await rt.evaluate(f"s{i % 100}", measured[i % len(measured)], owner="x")
            # What the server's loop does once the answer is returned: seal the entry its commit queued.
            # (The seal the first measured commit scheduled stays pending, never run: no commit schedules another.)
            if mode == "sealed":
                store.seal_pending()
                store._seal_scheduled = True
            else:  # the answer alone: what would be sealed dropped
                store._unsealed.clear()

    asyncio.run(main())


def driver_flags(asks: bool, fixed_clock: bool, gc_regime: str, queued: bool = False, own: bool = False) -> list[str]:
    """What the command line hands its drivers (after ``--drive TREE MODE N``)."""
    return [
        *(["--own-files"] if own else []),
        *(["--asks"] if asks else []),
        *(["--fixed-clock"] if fixed_clock else []),
        *(["--gc-default"] if gc_regime == "default" else []),
        *(["--queued"] if queued else []),
    ]


def count(tree: str, mode: str, n: int, flags: list[str], allocations: bool) -> tuple[int, dict[str, int]]:
    argv = [sys.executable, __file__, "--drive", tree, mode, str(n), *flags]
    return collected_calls(argv, ALLOCATORS) if allocations else (collected(argv), {})


def main() -> None:
    if len(sys.argv) >= 5 and sys.argv[1] == "--drive":
        flags = sys.argv[5:]
        gc_regime = "default" if "--gc-default" in flags else "server"
        asks, fixed, queued = "--asks" in flags, "--fixed-clock" in flags, "--queued" in flags
        drive(sys.argv[2], sys.argv[3], int(sys.argv[4]), asks, fixed, gc_regime, queued, "--own-files" in flags)
        # No interpreter teardown: its collections and frees walk whatever the decisions left alive
        # (the sessions' grown state), ≈ 7 k a decision charged to the answer over 500, none to the engine.
        os._exit(0)
    ap = argparse.ArgumentParser()
    ap.add_argument("--decisions", type=int, default=1000)
    ap.add_argument("--asks", action="store_true", help="measure the ASKing events only")
    ap.add_argument("--fixed-clock", action="store_true", help="the runtime's clock advances 0.5 ms a call")
    ap.add_argument("--allocations", action="store_true", help="also count the allocator's calls per decision")
    ap.add_argument(
        "--gc",
        choices=("server", "default"),
        default="server",
        help="the collector's regime: the server's tune_gc() (default) or CPython's defaults",
    )
    ap.add_argument(
        "--queued",
        action="store_true",
        help="keep every measured decision's audit entry queued until the end (the script before the 21st sitting)",
    )
    ap.add_argument("--own-files", action="store_true", help="chains start with the server's own-files guard")
    ap.add_argument("--tree", default=str(HERE.parent), help="the checkout whose src is measured")
    args = ap.parse_args()
    n, alloc, tree = args.decisions, args.allocations, args.tree
    regime_flags = driver_flags(False, False, args.gc)
    flags = driver_flags(args.asks, args.fixed_clock, args.gc, args.queued, args.own_files)
    (engine_n, engine_calls), (engine_0, engine_calls0) = (
        count(tree, "engine", n, regime_flags, alloc),
        count(tree, "engine", 0, regime_flags, alloc),
    )
    (runtime_n, runtime_calls), (runtime_0, runtime_calls0) = (
        count(tree, "runtime", n, flags, alloc),
        count(tree, "runtime", 0, flags, alloc),
    )
    engine, answer = (engine_n - engine_0) / n, (runtime_n - runtime_0) / n
    sealing = (count(tree, "sealed", n, flags, False)[0] - runtime_n) / n
    print(f"collector regime           {args.gc}")
    print(f"engine.evaluate            {engine / 1000:8.1f} k instructions per decision")
    print(f"Runtime.evaluate (answer)  {answer / 1000:8.1f} k  ({answer / engine:.2f}× engine)")
    print(f"audit sealing afterwards   {sealing / 1000:8.1f} k")
    both = answer + sealing
    print(f"answer+sealing             {both / 1000:8.1f} k  ({both / engine:.2f}× engine)")
    for name in ALLOCATORS if alloc else ():
        ours, theirs = (runtime_calls[name] - runtime_calls0[name]) / n, (engine_calls[name] - engine_calls0[name]) / n
        print(f"{name:<26} {theirs:8.1f} engine, {ours:.1f} answer per decision")


if __name__ == "__main__":
    main()
