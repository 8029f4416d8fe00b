"""N sessions starting at once in one process (no HTTP): the write transactions their
first events take, the writer-lock takes (SQLite) and the wall time of the slowest
first event.

    python bench/new_sessions.py [--sessions 32] [--rounds 5] [--database-url sqlite:///…|postgresql://…] [--cap]

Each round starts ``--sessions`` new sessions together, each with the first event
of ``bench/http_api.py --chain builtins`` (its chain of ten builtins; owners as
``--owners``), through ``Runtime.evaluate``: the session's row is created, then its
first decision is committed.  After one warm-up round, per round (load-independent
counts first):

* ``transactions``: write transactions committed (SQLite: the write generation's
  growth, which every counted write transaction bumps; PostgreSQL: creations +
  decision batches);
* ``creations``: of which creating session rows (SQLite: ``transactions`` − decision
  batches; PostgreSQL: the store's creation transactions, ``NewSessions.transactions``,
  plus capped creations written alone, ``_create_capped``: each of them before they
  were batched);
* ``lock takes``: the SQLite writer lock file taken (one per write transaction);
* ``slowest`` / ``median``: wall time from the round's start to a first event's answer
  (each round begins with a full garbage collection).

SQLite uses a fresh file in a temporary directory unless ``--database-url`` names one.
``--cap``: each session is created under its owner's cap (``limits.max_sessions_per_user``,
1000), as a non-admin's first event over HTTP is (``server/quotas.py``).

``--instructions``: the instructions (callgrind, this process: on PostgreSQL the client
side only) of a first event and of a later one, per event: the same workload driven
``--rounds`` and ``--base`` rounds after the warm-up, the difference divided by the
events between them; ``first`` starts new sessions each round, ``later`` sends the
same event again to the warm-up round's sessions.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from callgrind import collected  # noqa: E402
from owner_state import builtin_specs, http_bench  # noqa: E402

from goalrail.policies.registry import Registry  # noqa: E402
from goalrail.runtime.quota import SessionCap  # noqa: E402
from goalrail.runtime.runtime import Runtime  # noqa: E402
from goalrail.store import open_store  # noqa: E402


class LockTakes:
    """The SQLite writer lock file's acquisitions (wrapped for the measurement only)."""

    def __init__(self) -> None:
        self.count = 0
        from goalrail.store.sql import writer_lock

        cls, counter = writer_lock.WriterLock, self
        try_acquire, acquire = cls.try_acquire, cls.acquire

        def try_lock(lock: Any) -> bool:
            got = bool(try_acquire(lock))
            counter.count += got
            return got

        def lock(lock: Any) -> None:
            acquire(lock)
            counter.count += 1

        cls.try_acquire, cls.acquire = try_lock, lock  # type: ignore[method-assign]


class CappedAlone:
    """The store's creations each in a transaction of its own under a cap (``_create_capped``:
    every capped creation on PostgreSQL before they were batched), counted."""

    def __init__(self, store: Any) -> None:
        self.count = 0
        create = store._create_capped

        async def counted(*args: Any) -> Any:
            self.count += 1
            return await create(*args)

        store._create_capped = counted


def _write_gen(url: str) -> int:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        found = conn.execute("SELECT value FROM meta WHERE key = 'write_gen'").fetchall()
    return int(found[0][0]) if found else 0


async def run(url: str, sessions: int, rounds: int, owners: int, capped: bool = False) -> list[dict[str, Any]]:
    bench = http_bench()
    specs = builtin_specs(bench)
    sqlite = url.startswith("sqlite")
    locks = LockTakes()
    store = await open_store(url)
    alone = CappedAlone(store)
    try:
        rt = Runtime(store, registry=Registry.load(), server_specs=specs)
        event = bench.EVENTS[0]
        results = []
        tag = f"{os.getpid()}-{time.time_ns()}"  # (new ids on a database an earlier run used)
        for r in range(rounds + 1):
            group = getattr(store, "group", None) or store._pg.group
            batches0, gen0, locks0 = group.batches, _write_gen(url) if sqlite else 0, locks.count
            made0, alone.count = store.new_sessions.transactions, 0
            gc.collect()  # (a full collection inside a round would be timed as the round's)
            t0 = time.perf_counter()
            times: list[float] = []

            async def first(i: int, r: int = r, t0: float = t0, times: list[float] = times) -> None:
                owner = f"u{i % owners}"
                cap = SessionCap(owner, 1000, time.time() - 86400) if capped else None
                await rt.evaluate(f"{tag}-r{r}-s{i}", event, owner=owner, cap=cap)
                times.append(time.perf_counter() - t0)

            await asyncio.gather(*[first(i) for i in range(sessions)])
            batches = group.batches - batches0
            if sqlite:
                total = _write_gen(url) - gen0
                creations = total - batches
            else:  # (a creation alone under its cap, ``_create_capped``, is a transaction too)
                creations = store.new_sessions.transactions - made0 + alone.count
                total = creations + batches
            if r:  # (round 0 warms up)
                results.append(
                    {
                        "transactions": total,
                        "creations": creations,
                        "batches": batches,
                        "locks": locks.count - locks0,
                        "slowest": max(times) * 1e3,
                        "median": statistics.median(times) * 1e3,
                    }
                )
        return results
    finally:
        await store.close()


async def drive(url: str, kind: str, sessions: int, rounds: int, owners: int, capped: bool = False) -> None:
    """``--instructions``' workload: a warm-up round of new sessions, then ``rounds`` rounds."""
    bench = http_bench()
    specs = builtin_specs(bench)
    store = await open_store(url)
    try:
        rt = Runtime(store, registry=Registry.load(), server_specs=specs)
        tag = f"{os.getpid()}-{time.time_ns()}"
        for r in range(rounds + 1):
            ids = [f"{tag}-{r if kind == 'first' else 0}-{i}" for i in range(sessions)]
            since = time.time() - 86400
            caps = [SessionCap(f"u{i % owners}", 1000, since) if capped else None for i in range(len(ids))]
            await asyncio.gather(
                *[rt.evaluate(sid, bench.EVENTS[0], owner=f"u{i % owners}", cap=caps[i]) for i, sid in enumerate(ids)]
            )
    finally:
        await store.close()


def instructions(args: argparse.Namespace, url: str) -> None:
    per = {}
    for kind in ("first", "later"):
        counts = []
        for rounds in (args.base, args.rounds):
            cmd = [sys.executable, __file__, "--drive", kind, "--rounds", str(rounds), "--database-url", url]
            cmd += ["--cap"] if args.cap else []
            counts.append(collected([*cmd, "--sessions", str(args.sessions), "--owners", str(args.owners)]))
        per[kind] = (counts[1] - counts[0]) / ((args.rounds - args.base) * args.sessions)
    print(f"instructions per event ({url.split(':')[0]}, {args.sessions} sessions at once):")
    print(f"  first event {per['first'] / 1e3:,.1f}k, later event {per['later'] / 1e3:,.1f}k")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=32)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--owners", type=int, default=32)
    p.add_argument("--database-url")
    p.add_argument("--cap", action="store_true", help="each creation under its owner's cap (as over HTTP)")
    p.add_argument("--instructions", action="store_true", help="callgrind: a first event against a later one")
    p.add_argument("--base", type=int, default=2, help="--instructions: the rounds subtracted")
    p.add_argument("--drive", choices=["first", "later"], help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.drive:
        asyncio.run(drive(args.database_url, args.drive, args.sessions, args.rounds, args.owners, args.cap))
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/new.db"
        if args.instructions:
            instructions(args, url)
            return
        results = asyncio.run(run(url, args.sessions, args.rounds, args.owners, args.cap))
    capped = ", each under its owner's cap" if args.cap else ""
    print(f"{args.sessions} new sessions at once{capped}, {args.rounds} rounds ({url.split(':')[0]}):")
    for r in results:
        print(
            f"  transactions {r['transactions']} (creations {r['creations']}, decision batches {r['batches']}), "
            f"lock takes {r['locks']}, first event slowest {r['slowest']:.1f} ms, median {r['median']:.1f} ms"
        )
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
