"""Instructions one event of a session with many small policies runs on the event loop's thread.

    python bench/session_loop_instructions.py [--copies 24] [--kb 100] [--policy wd|pii|pattern]
                                              [--level session|server] [--tree PATH]

A session adds ``--copies`` copies of a shipped builtin (``wd``: ``block_working_dir_changes``,
parameterless, each copy reading the whole line; ``pii``: ``deny_pii_in_llm_request``, on an
LLM request; ``pattern``: ``pattern_policy`` with 16 RE2 patterns, on one long word) and sends
one event of ``--kb`` kilobytes (a shell line, or for ``pii`` an LLM request's user message).  ``--level
server``: the copies are the admin's (server-wide), not the session's.  The driver runs under
``valgrind --tool=callgrind --separate-threads=yes`` twice (the warm-up only, then the warm-up
and the long event) and the script prints, per thread kind, the difference: what the event
cost on the loop's thread (the main thread: what every other session waits for) and on worker
threads.  ``--tree``: measure another checkout (its ``src``) with this script.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from callgrind import collected_threads

HERE = Path(__file__).resolve().parent

DRIVER = r"""
import asyncio, itertools, os, sys, time
from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore

COPIES, KB, MEASURE, POLICY, LEVEL = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4], sys.argv[5]
B = "goalrail.policies.builtins"
PATTERNS = [{"action_type": "shell_execute", "pattern": f"rm -rf /srv/x{j}", "action": "deny"} for j in range(16)]
HANDLER, PARAMS = {
    "wd": (f"{B}.working_dir.block_working_dir_changes", {}),
    "pii": (f"{B}.safety.deny_pii_in_llm_request", {}),
    "pattern": (f"{B}.patterns.pattern_policy", {"inline": {"name": "m", "patterns": PATTERNS}}),
}[POLICY]

def event(kb):
    if POLICY == "pii":
        text = "the quick brown fox jumps over the lazy dog. " * (kb * 1024 // 45)
        return {"type": "llm_request", "target": "gpt-4o",
                "data": {"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}}
    # (``pattern``: one long word, which every pattern scans: ``tests/server/test_session_loop_time.py``)
    line = "echo " + "a" * (kb * 1024) if POLICY == "pattern" else "echo a b c; " * (kb * 1024 // 12)
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": line}}}

async def main():
    clock = itertools.count(1_800_000_000)
    # a deadline no copy meets under valgrind: every copy runs to its own answer
    specs = [PolicySpec(f"p{i}", HANDLER, level=LEVEL, params=PARAMS, timeout_ms=600_000) for i in range(COPIES)]
    rt = Runtime(MemoryStore(), registry=Registry.load(), server_specs=specs if LEVEL == "server" else [], agents={},
                 clock=lambda: float(next(clock)))
    await rt.store.ensure_session("s", owner="alice")
    if LEVEL == "session":
        for spec in specs:
            await rt.store.add_session_policy("s", spec)
    for _ in range(3):
        await rt.evaluate("s", event(0), actor={"run_as": "alice"})
    if MEASURE:
        big = event(KB)
        ZERO, ZERO_ALL = time.thread_time(), time.process_time()
        out = await rt.evaluate("s", big, actor={"run_as": "alice"})
        cpu = (time.thread_time() - ZERO, time.process_time() - ZERO_ALL)
        called = [d for d in out.decision.decisions if getattr(getattr(d, "spec", None), "level", "") == LEVEL]
        with open(os.environ["BENCH_ANSWER"], "w") as f:
            f.write(f"{out.result}, {len(called)} {LEVEL} decisions: {sorted({str(d.reason)[:50] for d in called})}")
        if os.environ.get("BENCH_CPU"):
            with open(os.environ["BENCH_CPU"], "w") as f:
                f.write(f"{cpu[0]} {cpu[1]}")
    os._exit(0)

asyncio.run(main())
"""


def _threads(src: Path, copies: int, kb: int, measure: bool, policy: str, level: str) -> tuple[int, int, int]:
    """(main thread, other threads, whole process) instructions of one driver run."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {"PYTHONPATH": str(src), "BENCH_ANSWER": str(Path(tmp) / "answer")}
        argv = [sys.executable, "-c", DRIVER, str(copies), str(kb), "1" if measure else "0", policy, level]
        counts = collected_threads(argv, env)
        if measure:
            print("  answer:", (Path(tmp) / "answer").read_text())
        return counts


def _cpu(src: Path, copies: int, kb: int, policy: str, level: str) -> tuple[float, float]:
    """(loop thread, whole process) CPU seconds of the long event, run natively (``--cpu``)."""
    with tempfile.TemporaryDirectory() as tmp:
        cpu = Path(tmp) / "cpu"
        env = {**os.environ, "PYTHONPATH": str(src), "BENCH_ANSWER": str(Path(tmp) / "answer"), "BENCH_CPU": str(cpu)}
        argv = [sys.executable, "-c", DRIVER, str(copies), str(kb), "1", policy, level]
        subprocess.run(argv, capture_output=True, text=True, env=env, check=True)
        print("  answer:", (Path(tmp) / "answer").read_text())
        loop, whole = cpu.read_text().split()
        return float(loop), float(whole)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=24)
    ap.add_argument("--kb", type=int, default=100)
    ap.add_argument("--policy", choices=["wd", "pii", "pattern"], default="wd")
    ap.add_argument("--level", choices=["session", "server"], default="session")
    ap.add_argument("--tree", type=Path, default=HERE.parent)
    ap.add_argument("--cpu", action="store_true", help="CPU time per thread kind, natively (no valgrind)")
    args = ap.parse_args()
    src = args.tree / "src"
    if args.cpu:
        loop_s, whole_s = _cpu(src, args.copies, args.kb, args.policy, args.level)
        print(f"{args.copies} {args.level} copies of {args.policy}, {args.kb} KB event ({src}), CPU:")
        print(f"  loop thread    {loop_s * 1000:>10.1f} ms")
        print(f"  whole process  {whole_s * 1000:>10.1f} ms")
        return
    base = _threads(src, args.copies, args.kb, False, args.policy, args.level)
    full = _threads(src, args.copies, args.kb, True, args.policy, args.level)
    loop, workers, whole = full[0] - base[0], full[1] - base[1], full[2] - base[2]
    print(f"{args.copies} {args.level} copies of {args.policy}, {args.kb} KB event ({src}):")
    print(f"  loop thread    {loop:>15,}")
    print(f"  worker threads {workers:>15,}")
    print(f"  whole process  {whole:>15,}")


if __name__ == "__main__":
    main()
