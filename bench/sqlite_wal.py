"""The size of a SQLite store's WAL under steady decisions (one process).

    python bench/sqlite_wal.py [--sessions 16] [--decisions 400] [--checkpoint-every 256] [--restart-frames 16384]

``--sessions`` sessions (one owner each) decide ``--decisions`` times each, all
at once, on a fresh file in a temporary directory; the group commit writes them
in batches and the store checkpoints every ``--checkpoint-every`` batches.
Prints the WAL's size every tenth of the run and at the end: a WAL that SQLite
never restarts grows with every decision; one that restarts stays near what the
batches between two checkpoints write.  Also the checkpoint rounds run and
those that held the writer to restart the WAL (``--restart-frames``: the WAL's
length in frames that calls for it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store
from goalrail.store.sql.sqlite_checkpoint import Checkpoints
from goalrail.store.sql.sqlite_store import SqliteStore


async def run(sessions: int, decisions: int) -> tuple[list[int], int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "goalrail.db")
        store = await open_store(f"sqlite:///{path}")
        assert isinstance(store, SqliteStore)
        checkpoints = store.runner.checkpoints
        sizes: list[int] = []
        try:
            rt = Runtime(store, registry=Registry.load())

            async def session(k: int) -> None:
                for i in range(decisions):
                    event = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": f"echo {i}"}}}
                    await rt.evaluate(f"s{k}", event, owner=f"o{k}")
                    if k == 0 and (i + 1) % max(1, decisions // 10) == 0:
                        sizes.append(os.path.getsize(path + "-wal"))

            await asyncio.gather(*[session(k) for k in range(sessions)])
        finally:
            await store.close()
        return sizes, checkpoints.rounds, checkpoints.restarts


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=16)
    p.add_argument("--decisions", type=int, default=400, help="per session")
    p.add_argument("--checkpoint-every", type=int, default=Checkpoints.EVERY, help="group commits")
    p.add_argument("--restart-frames", type=int, default=Checkpoints.RESTART_FRAMES, help="WAL frames")
    args = p.parse_args()
    Checkpoints.EVERY, Checkpoints.RESTART_FRAMES = args.checkpoint_every, args.restart_frames
    sizes, rounds, restarts = asyncio.run(run(args.sessions, args.decisions))
    total = args.sessions * args.decisions
    print(
        f"{total:,} decisions, {args.sessions} sessions, a checkpoint every {args.checkpoint_every} group commits, "
        f"the WAL restarted from {args.restart_frames:,} frames: {rounds} rounds, {restarts} held the writer"
    )
    print("WAL size (kB) every tenth of the run:", ", ".join(f"{size // 1024:,}" for size in sizes))
    print(f"load average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
