"""Process CPU per decision on the PostgreSQL store's optimistic path, in-process
(``Runtime.evaluate``, no HTTP): concurrent sessions of one owner, each evaluating
events in a loop through a one-policy chain that writes the policy's state.

    python bench/pg_decisions.py [--database-url postgresql://postgres@127.0.0.1:5432/test]
                                 [--sessions 32] [--seconds 5]

A fresh database ``goalrail_pgdec_<pid>`` is created next to the one the URL
names and dropped afterwards.  Prints the process CPU time per decision over the
measured window (after a one-second warm-up), the rate, the group commit's
batches and decisions, and how many decisions were refused as stale.  Runs on
uvloop when it is installed, as the server does.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import psycopg

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store

EVENTS = [
    {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls -la src"}}},
    {"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": "/repo/README.md"}}},
    {"type": "request", "data": "please refactor the parser module and add tests"},
]


def count(event: object) -> dict[str, object]:
    return {"result": "ALLOW", "state_updates": [{"key": "n", "action": "increment", "scope": "policy"}]}


async def run(url: str, sessions: int, seconds: float) -> None:
    store = await open_store(url)
    spec = PolicySpec(name="count", handler="bench_pg_decisions.count", kind="callable")
    rt = Runtime(store, registry=Registry.load(), server_specs=[spec])
    for i in range(sessions):
        await rt.evaluate(f"s{i}", EVENTS[0])
    done, stop = 0, False

    async def worker(i: int) -> None:
        nonlocal done
        k = 0
        while not stop:
            await rt.evaluate(f"s{i}", EVENTS[k % len(EVENTS)])
            k += 1
            done += 1

    tasks = [asyncio.create_task(worker(i)) for i in range(sessions)]
    await asyncio.sleep(1.0)
    n0, c0, w0 = done, time.process_time(), time.perf_counter()
    await asyncio.sleep(seconds)
    n1, c1, w1 = done, time.process_time(), time.perf_counter()
    stop = True
    await asyncio.gather(*tasks)
    group = store._pg.group  # type: ignore[attr-defined]
    await store.close()
    print(
        f"CPU per decision {(c1 - c0) / (n1 - n0) * 1e6:.0f} µs  rate {(n1 - n0) / (w1 - w0):.0f}/s  "
        f"batches {group.batches}  decisions {group.decisions}  stale {group.stale}  "
        f"load average {os.getloadavg()[0]:.2f}"
    )


async def main(args: argparse.Namespace) -> None:
    base, _, _ = args.database_url.rpartition("/")
    db = f"goalrail_pgdec_{os.getpid()}"
    admin = await psycopg.AsyncConnection.connect(args.database_url, autocommit=True)
    await admin.execute(f"CREATE DATABASE {db}")
    try:
        await run(f"{base}/{db}", args.sessions, args.seconds)
    finally:
        await admin.execute(f"DROP DATABASE {db} WITH (FORCE)")
        await admin.close()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    p.add_argument("--sessions", type=int, default=32)
    p.add_argument("--seconds", type=float, default=5.0)
    sys.modules["bench_pg_decisions"] = sys.modules[__name__]
    try:  # the server's event loop (uvicorn takes uvloop when it is installed)
        import uvloop

        uvloop.run(main(p.parse_args()))
    except ImportError:
        asyncio.run(main(p.parse_args()))
