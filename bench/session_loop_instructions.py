"""Instructions one event of a session with many small policies runs on the event loop's thread.

    python bench/session_loop_instructions.py [--copies 24] [--kb 100] [--tree PATH]

A session adds ``--copies`` parameterless copies of ``block_working_dir_changes`` (shipped,
cheap parameters, a cost that grows with the event: each copy reads the whole line) and sends
one shell line of ``--kb`` kilobytes.  The driver runs under ``valgrind --tool=callgrind
--separate-threads=yes`` twice (the warm-up only, then the warm-up and the long event) and the
script prints, per thread kind, the difference: what the event cost on the loop's thread (the
main thread: what every other session waits for) and on worker threads.  ``--tree``: measure
another checkout (its ``src``) with this script.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from callgrind import collected_threads

HERE = Path(__file__).resolve().parent

DRIVER = r"""
import asyncio, itertools, os, sys
from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore

COPIES, KB, MEASURE = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
HANDLER = "goalrail.policies.builtins.working_dir.block_working_dir_changes"

async def main():
    clock = itertools.count(1_800_000_000)
    rt = Runtime(MemoryStore(), registry=Registry.load(), server_specs=[], agents={}, clock=lambda: float(next(clock)))
    await rt.store.ensure_session("s", owner="alice")
    for i in range(COPIES):
        # a deadline no copy meets under valgrind: every copy runs to its own answer
        spec = PolicySpec(f"p{i}", HANDLER, level="session", params={}, timeout_ms=600_000)
        await rt.store.add_session_policy("s", spec)
    short = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "echo a b c"}}}
    for _ in range(3):
        await rt.evaluate("s", short, actor={"run_as": "alice"})
    if MEASURE:
        line = "echo a b c; " * (KB * 1024 // 12)
        out = await rt.evaluate("s", {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": line}}},
                                actor={"run_as": "alice"})
        called = [d for d in out.decision.decisions if getattr(getattr(d, "spec", None), "level", "") == "session"]
        with open(os.environ["BENCH_ANSWER"], "w") as f:
            f.write(f"{out.result}, {len(called)} session decisions: {sorted({str(d.reason)[:50] for d in called})}")
    os._exit(0)

asyncio.run(main())
"""


def _threads(src: Path, copies: int, kb: int, measure: bool) -> tuple[int, int, int]:
    """(main thread, other threads, whole process) instructions of one driver run."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {"PYTHONPATH": str(src), "BENCH_ANSWER": str(Path(tmp) / "answer")}
        argv = [sys.executable, "-c", DRIVER, str(copies), str(kb), "1" if measure else "0"]
        counts = collected_threads(argv, env)
        if measure:
            print("  answer:", (Path(tmp) / "answer").read_text())
        return counts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=24)
    ap.add_argument("--kb", type=int, default=100)
    ap.add_argument("--tree", type=Path, default=HERE.parent)
    args = ap.parse_args()
    src = args.tree / "src"
    base = _threads(src, args.copies, args.kb, False)
    full = _threads(src, args.copies, args.kb, True)
    loop, workers, whole = full[0] - base[0], full[1] - base[1], full[2] - base[2]
    print(f"{args.copies} copies, {args.kb} KB line ({src}):")
    print(f"  loop thread    {loop:>15,}")
    print(f"  worker threads {workers:>15,}")
    print(f"  whole process  {whole:>15,}")


if __name__ == "__main__":
    main()
