"""Decisions of many sessions of one owner at once, in one process (no HTTP): process
CPU per decision and how many were refused as stale and evaluated again.

    python bench/owner_state.py [--sessions 32] [--events 4000] [--database-url sqlite:///…]

The chain is ``bench/http_api.py --chain builtins`` (ten shipped builtins, among
them ``user_daily_cost_budget``, whose reservations every LLM request writes in the
owner's state); the events are that benchmark's, each session posting them in
turn.  Every session belongs to one owner (a single-user server).  SQLite uses a
fresh file in a temporary directory unless ``--database-url`` names a database.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

import yaml  # noqa: E402

from goalrail.engine.spec import PolicySpec  # noqa: E402
from goalrail.policies.registry import Registry  # noqa: E402
from goalrail.runtime.runtime import Runtime  # noqa: E402
from goalrail.store import open_store  # noqa: E402


def _http_bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_http_api", HERE / "http_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def run(url: str, sessions: int, events: int) -> None:
    bench = _http_bench()
    specs = [
        PolicySpec(name=name, handler=handler, params=yaml.safe_load(params), kind="factory")
        for name, (handler, params) in bench.BUILTIN_CHAIN.items()
    ]
    store = await open_store(url)
    try:
        rt = Runtime(store, registry=Registry.load(), server_specs=specs)
        names = [f"s{i}" for i in range(sessions)]
        verdicts: Counter[str] = Counter()

        async def session(name: str, count: int, offset: int) -> None:
            for i in range(count):
                event = bench.EVENTS[(offset + i) % len(bench.EVENTS)]
                verdicts[(await rt.evaluate(name, event, owner="owner")).result] += 1

        await asyncio.gather(*[session(n, 8, k) for k, n in enumerate(names)])  # warm-up
        group = store.group
        stale0, batches0, verdicts = group.stale, group.batches, Counter()
        cpu0, t0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*[session(n, events // sessions, k) for k, n in enumerate(names)])
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
        n = sum(verdicts.values())
        print(
            f"{n} decisions of {sessions} sessions of one owner: CPU per decision {cpu / n * 1e6:.0f} µs, "
            f"{n / wall:.0f}/s, batches {group.batches - batches0}, stale {group.stale - stale0}, "
            f"verdicts {dict(verdicts)}, load average {os.getloadavg()[0]:.2f}"
        )
    finally:
        await store.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=32)
    p.add_argument("--events", type=int, default=4000)
    p.add_argument("--database-url")
    args = p.parse_args()
    if args.database_url:
        asyncio.run(run(args.database_url, args.sessions, args.events))
        return
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(f"sqlite:///{tmp}/owner.db", args.sessions, args.events))


if __name__ == "__main__":
    main()
