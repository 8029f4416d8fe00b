"""Process CPU of a SQL store's snapshot and group commit per batch, at fixed
batch sizes (no policies, no runtime, no HTTP).

    python bench/group_commit.py --store sqlite [--sizes 1,12,32] [--rounds 300]
    python bench/group_commit.py --store postgres [--database-url postgresql://postgres@127.0.0.1:5432/test]
                                 [--sizes 1,8,32] [--rounds 300]

For each size N: N sessions of one owner; each round, N concurrent decisions take
their snapshot (SQLite: from the cache, after the runtime's ``ensure_session``
check; PostgreSQL: one shared read) and commit (one batch): a session-state and
a policy-state increment, an owner-state increment, a history entry, a usage
record and an audit row, as a decision under a daily budget writes.  Prints the
process CPU per round (one batch) and per decision, and the batches run (one per
round when every round made one batch).  SQLite uses a fresh file in a temporary
directory; PostgreSQL a fresh database ``goalrail_gc_<pid>`` next to the one the
URL names, dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from goalrail.runtime.audit import AuditEntry
from goalrail.runtime.ports import Commit, UsageRecord
from goalrail.store import open_store

DAY = "2026-03-01"


def _commit(sid: str, i: int) -> Commit:
    inc = {"key": "n", "action": "increment", "value": 1}
    c = Commit(session_updates=[inc], policy_updates={"server:p": [inc]}, user_updates=[inc])
    c.history = {"i": i, "verdict": "ALLOW", "policies": ["p"]}
    c.usage = UsageRecord("m", 100, 20, 0, 0, 0.0125, "test", 1000.0 + i, DAY)
    c.audit = AuditEntry(1000.0 + i, "decision", sid, {"event": {"type": "tool_call", "target": "Bash"}, "i": i})
    return c


def _group(store: Any) -> Any:
    """The store's group commit (its ``batches`` and ``stale`` counters)."""
    pg = getattr(store, "_pg", None)  # PostgreSQL's parts of the SQL store
    return pg.group if pg is not None else store.group


async def _size(url: str, n: int, rounds: int, check: bool) -> None:
    store = await open_store(url)
    try:
        sids = [f"n{n}-s{i}" for i in range(n)]
        for sid in sids:
            await store.ensure_session(sid, owner=f"n{n}-owner")

        async def decide(sid: str, i: int) -> None:
            if check:
                await store.ensure_session(sid)  # (the runtime's: checks the cache is current)
            async with store.transaction(sid, optimistic=True) as tx:
                await tx.snapshot(user_day=DAY)
                await tx.commit(_commit(sid, i))

        for i in range(20):  # warm-up: prepared statements, cached session rows
            await asyncio.gather(*[decide(sid, i) for sid in sids])
        group = _group(store)
        b0, c0 = group.batches, time.process_time()
        for i in range(rounds):
            await asyncio.gather(*[decide(sid, i) for sid in sids])
        cpu = (time.process_time() - c0) / rounds
        print(
            f"batch of {n:>3}: CPU per batch {cpu * 1e6:7.0f} µs  per decision {cpu / n * 1e6:5.0f} µs  "
            f"batches {group.batches - b0}/{rounds}  stale {group.stale}  load average {os.getloadavg()[0]:.2f}"
        )
    finally:
        await store.close()


@asynccontextmanager
async def _database(args: argparse.Namespace) -> AsyncIterator[str]:
    """A fresh database (a URL with ``{n}`` for the size) for the run, removed afterwards."""
    if args.store == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/gc-{{n}}.db"
        return
    import psycopg

    base, _, _ = args.database_url.rpartition("/")
    db = f"goalrail_gc_{os.getpid()}"
    admin = await psycopg.AsyncConnection.connect(args.database_url, autocommit=True)
    await admin.execute(f"CREATE DATABASE {db}")
    try:
        yield f"{base}/{db}"
    finally:
        await admin.execute(f"DROP DATABASE {db} WITH (FORCE)")
        await admin.close()


async def main(args: argparse.Namespace) -> None:
    sizes = args.sizes or ("1,12,32" if args.store == "sqlite" else "1,8,32")
    async with _database(args) as url:
        for n in (int(s) for s in sizes.split(",")):
            await _size(url.format(n=n), n, args.rounds, check=args.store == "sqlite")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--store", choices=["sqlite", "postgres"], required=True)
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    p.add_argument("--sizes", help="batch sizes (default 1,12,32 on SQLite, 1,8,32 on PostgreSQL)")
    p.add_argument("--rounds", type=int, default=300)
    try:  # the server's event loop (uvicorn takes uvloop when it is installed)
        import uvloop

        uvloop.run(main(p.parse_args()))
    except ImportError:
        asyncio.run(main(p.parse_args()))
