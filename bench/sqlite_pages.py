"""WAL frames per decision of SQLite's group commit, by table and index (load-independent):
what ``COMMIT`` writes (one frame per page a batch changed) and the next checkpoint
copies again (once per page: the distinct pages are printed too).  ``group_commit.py``'s
decisions (``--asks``: as the HTTP bench's ``--chain builtins`` writes them) in
batches of ``--size``: ``--fill`` rounds (the frames grow with the tables: more
pages for the same entries to land on), a ``TRUNCATE`` checkpoint, then
``--rounds`` rounds with no checkpoint; the WAL's frames are then read and each
page named by ``dbstat``.  ``--chain``: each decision is the runtime's, with the
chain and the events of ``http_api.py --chain builtins`` (provenance, rate limit and
budget state included).

    python bench/sqlite_pages.py [--size 16] [--fill 300] [--rounds 40] [--asks | --chain]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import shutil
import sqlite3
import struct
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import group_commit
import owner_state

from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store


async def run(path: str, args: argparse.Namespace) -> None:
    """Writes the WAL of ``--rounds`` rounds to ``path + '.frames'``."""
    store = await open_store(f"sqlite:///{path}")
    runner = store.runner
    try:
        sids = [f"s{i}" for i in range(args.size)]
        for sid in sids:
            await store.ensure_session(sid, owner="owner")

        async def decide(sid: str, i: int) -> None:
            await store.ensure_session(sid)
            async with store.transaction(sid, optimistic=True) as tx:
                await tx.snapshot(user_day=group_commit.DAY)
                await tx.commit(group_commit._commit(sid, i, args.asks))

        if args.chain:
            decide = _chain_decide(store, sids)

        for i in range(args.fill):
            await asyncio.gather(*[decide(sid, i) for sid in sids])
        runner.checkpoints.EVERY = 1 << 30  # (none while the frames are counted)
        await runner.checkpoints.wait()
        await runner.call(runner.checkpoints.run, "TRUNCATE")
        for i in range(args.fill, args.fill + args.rounds):
            await asyncio.gather(*[decide(sid, i) for sid in sids])
        shutil.copy(path + "-wal", path + ".frames")
    finally:
        await store.close()


def _chain_decide(store: Any, sids: list[str]) -> Callable[[str, int], Awaitable[None]]:
    """A decision of ``http_api.py --chain builtins`` (its policies and events) through the runtime."""
    bench = owner_state.http_bench()
    specs = owner_state.builtin_specs(bench)
    rt = Runtime(store, registry=Registry.load(), server_specs=specs)

    async def decide(sid: str, i: int) -> None:
        event = bench.EVENTS[(i + sids.index(sid)) % len(bench.EVENTS)]
        await rt.evaluate(sid, event, owner="owner")

    return decide


def frames(wal: bytes) -> list[int]:
    """The page number of each frame of the WAL's current generation (its salt)."""
    size = struct.unpack(">I", wal[8:12])[0]
    salt, out, at = wal[16:24], [], 32
    while at + 24 + size <= len(wal) and wal[at + 8 : at + 16] == salt:
        out.append(struct.unpack(">I", wal[at : at + 4])[0])
        at += 24 + size
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", type=int, default=16)
    p.add_argument("--fill", type=int, default=300)
    p.add_argument("--rounds", type=int, default=40)
    p.add_argument("--asks", action="store_true")
    p.add_argument("--chain", action="store_true", help="the runtime with http_api.py's builtins chain and events")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "pages.db")
        asyncio.run(run(path, args))
        pages = frames(Path(path + ".frames").read_bytes())
        with sqlite3.connect(path) as conn:
            owner = dict(conn.execute("SELECT pageno, name FROM dbstat"))
    counts = collections.Counter(owner.get(page, "?") for page in pages)
    decisions = args.rounds * args.size
    per_batch = len(pages) / args.rounds
    print(f"batch of {args.size}: {len(pages) / decisions:.2f} WAL frames per decision ({per_batch:.1f} per batch)")
    distinct = len(set(pages)) / decisions
    print(f"  distinct pages (what a checkpoint after these rounds copies): {distinct:.2f} per decision")
    for name, n in counts.most_common():
        print(f"  {name:34} {n / args.rounds:6.1f} per batch")


if __name__ == "__main__":
    main()
