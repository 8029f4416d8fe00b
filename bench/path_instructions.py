"""Reading a file action's path, under callgrind, per spelling (load-independent).

    python bench/path_instructions.py [--calls 2000] [--tree PATH]

``build_event`` (which maps the tool call and adds the path's canonical spelling to the action's
``targets``) on one Claude Code file call per kind of spelling: the usual canonical absolute
path, a relative one, one with ``..``, a ``/proc/self/root`` alias, a ``file:`` URL, a Windows
path and a move's two paths under ``source``/``destination`` (an MCP filesystem server's
``move_file`` mapped onto ``sys_os_write``).  Only the instructions inside
``itertools.starmap``'s ``next`` are counted; ``--tree`` measures another checkout's ``src``
(an exported base) with this script.
"""

from __future__ import annotations

import argparse
import collections
import gc
import itertools
import sys
from pathlib import Path
from typing import Any

from callgrind import collected_in_starmap, driver, measure_tree

HERE = Path(__file__).resolve().parent
APP = "/home/dev/app"
KINDS: dict[str, tuple[str, dict[str, Any], str]] = {
    "absolute": ("Read", {"file_path": f"{APP}/src/goalrail/engine/context.py"}, APP),
    "relative": ("Read", {"file_path": "src/goalrail/engine/context.py"}, APP),
    "dotdot": ("Write", {"file_path": f"{APP}/src/../../../etc/cron.d/job", "content": "x"}, APP),
    "proc": ("Read", {"file_path": "/proc/self/root/etc/shadow"}, APP),
    "file-url": ("Read", {"file_path": "file:///home/dev/app/%2Eenv"}, APP),
    "windows": ("Edit", {"file_path": "C:\\Users\\dev\\app\\src\\main.py", "old_string": "a"}, "C:\\Users\\dev\\app"),
    "move": ("mcp__fs__move_file", {"source": f"{APP}/a.py", "destination": f"{APP}/b.py"}, APP),
}


def drive(tree: str, kind: str, n: int) -> None:
    measure_tree(tree)
    from goalrail.engine.actions import ActionMapper
    from goalrail.engine.context import build_event, normalize_event
    from goalrail.engine.snapshot import Snapshot

    tool, arguments, cwd = KINDS[kind]
    mapper = ActionMapper({"mcp__fs__move_file": "sys_os_write"})
    raw = normalize_event(
        {"type": "tool_call", "target": tool, "data": {"arguments": arguments}, "context": {"cwd": cwd}}
    )
    snap = Snapshot("s1")
    build_event(raw, snap, now=1.0, mapper=mapper)  # warm the mapper's caches
    items = [(raw, snap)] * n
    gc.collect()
    gc.disable()
    collections.deque(itertools.starmap(lambda r, s: build_event(r, s, now=1.0, mapper=mapper), items), maxlen=0)


def main() -> None:
    if len(sys.argv) >= 5 and sys.argv[1] == "--drive":
        drive(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--tree", default=str(HERE.parent), help="the checkout whose src is measured")
    args = ap.parse_args()
    for kind in args.kinds.split(","):
        total = collected_in_starmap(driver(__file__, args.tree, kind, args.calls))
        print(f"{kind:<10} {total / args.calls / 1000:8.2f} k instructions per build_event", flush=True)


if __name__ == "__main__":
    main()
