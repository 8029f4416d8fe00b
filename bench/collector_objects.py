"""What the garbage collector scans, and the WAL checkpoints run, on the SQLite HTTP path
(load-independent counts; ``http_api.py --tail`` times the same pauses on the wall clock).

    python bench/collector_objects.py [--requests 20000] [--connections 32] [--tree DIR]

``http_instructions.py``'s driver (uvicorn's protocol on a fake transport, the app ``goalrail
server`` builds on a SQLite file, ``--chain builtins``, rounds of one request per connection),
natively, with the collector tuned as ``goalrail server`` tunes it: ``tune_gc`` before the
app's start (the store opens after it, as under uvicorn), not after it as the instruction
driver does.  Printed: each generation's collections after the tuning, the objects each one
scanned (the tracked objects of the generations it collects, counted as it starts: a pause
grows with them), per request; the objects still in the collector's reach at the end (what a
full collection would scan); and each checkpoint's WAL length in frames (``Checkpoints.run``:
the rounds' first PASSIVE one, the passes after it, the one holding the writer).  The
requests past the warm-up's ask their approvals until the sessions' pending approvals are
full (then DENY): the responses are not checked.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any


def measure(tree: Path, requests: int, connections: int) -> None:
    sys.path[:0] = [str(tree / "bench"), str(tree / "src")]
    import http_instructions as hi

    import goalrail.cli.server as cs
    import goalrail.server.app  # noqa: F401  (imported before serving, as `goalrail server` does)
    from goalrail.store.sql import sqlite_checkpoint

    scans: list[tuple[int, int]] = []
    frames: list[int] = []

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            g = info["generation"]
            scans.append((g, sum(len(gc.get_objects(k)) for k in range(g + 1))))

    run = sqlite_checkpoint.Checkpoints.run

    def counted(self: Any, mode: str) -> tuple[int, int]:
        out = run(self, mode)
        frames.append(out[0])
        return out

    sqlite_checkpoint.Checkpoints.run = counted  # type: ignore[method-assign]
    cs.tune_gc()
    cs.tune_gc = lambda: None  # (the driver's own call, after the start)
    gc.callbacks.append(on_gc)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["GOALRAIL_HOME"] = tmp
        hi.drive("http", requests, connections, Path(tmp) / "responses", "sqlite")
        reach = sum(len(gc.get_objects(k)) for k in range(3))
    total = requests + hi.WARM_CYCLES * len(hi.HTTP_API.BODIES) * connections
    print(f"requests {total} (warm-up included), frozen {gc.get_freeze_count()}, in reach at the end {reach}")
    for g in range(3):
        sizes = [n for k, n in scans if k == g]
        if sizes:
            print(
                f"generation {g}: {len(sizes)} collections, objects scanned max {max(sizes)}, "
                f"mean {sum(sizes) / len(sizes):.0f}, per request {sum(sizes) / total:.1f}"
            )
    print(f"checkpoints (WAL frames each): {frames}")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--requests", type=int, default=20_000)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--tree", help="measure the source tree DIR (its src/ and bench/) instead of this one")
    p.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    tree = Path(args.tree or Path(__file__).resolve().parent.parent).resolve()
    if args.inner:
        measure(tree, args.requests, args.connections)
        return
    argv = [sys.executable, __file__, "--inner", "--tree", str(tree)]
    argv += ["--requests", str(args.requests), "--connections", str(args.connections)]
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(tree / "src")}
    sys.exit(subprocess.run(argv, env=env, check=False).returncode)


if __name__ == "__main__":
    main()
