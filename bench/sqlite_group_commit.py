"""Process CPU of the SQLite store's cached snapshot and group commit per batch,
at fixed batch sizes (no policies, no runtime, no HTTP).

    python bench/sqlite_group_commit.py [--sizes 1,12,32] [--rounds 300]

For each size N: N sessions of one owner; each round, N concurrent decisions take
their snapshot (from the cache) and commit (one batch): a session-state and a
policy-state increment, an owner-state increment, a history entry, a usage
record and an audit row, as a decision under a daily budget writes.  Prints the
process CPU per round (one batch) and per decision, and the batches run (one per
round when every round made one batch).  A fresh database file in a temporary
directory is used and removed afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

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


async def _size(url: str, n: int, rounds: int) -> None:
    store = await open_store(url)
    try:
        sids = [f"n{n}-s{i}" for i in range(n)]
        for sid in sids:
            await store.ensure_session(sid, owner=f"n{n}-owner")

        async def decide(sid: str, i: int) -> None:
            await store.ensure_session(sid)  # (the runtime's: checks the cache is current)
            async with store.transaction(sid, optimistic=True) as tx:
                await tx.snapshot(user_day=DAY)
                await tx.commit(_commit(sid, i))

        for i in range(20):  # warm-up: cached session rows
            await asyncio.gather(*[decide(sid, i) for sid in sids])
        group = store.group  # type: ignore[attr-defined]
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


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            await _size(f"sqlite:///{tmp}/gc-{n}.db", n, args.rounds)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1,12,32")
    p.add_argument("--rounds", type=int, default=300)
    try:  # the server's event loop (uvicorn takes uvloop when it is installed)
        import uvloop

        uvloop.run(main(p.parse_args()))
    except ImportError:
        asyncio.run(main(p.parse_args()))
