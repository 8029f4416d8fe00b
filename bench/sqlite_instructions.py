"""Instructions per decision of SQLite's group commit under callgrind (load-independent):
``bench/group_commit.py --store sqlite`` run twice per size under ``valgrind
--tool=callgrind`` (``--rounds`` rounds after the warm-up, and ``--base`` rounds), the
difference divided by the decisions between them.  SQLite runs in this process, so the
count holds the statements, the commit's WAL frames (their copies and checksums) and
the checkpoints of the worker thread; not the kernel's side of ``write()`` (the
bytes written per decision, which ``group_commit.py`` prints, measure that).
``--asks`` passes ``--asks`` on (full audit payloads, an approval every second decision).

    python bench/sqlite_instructions.py [--sizes 16] [--rounds 120] [--base 20] [--asks]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def instructions(size: int, rounds: int, asks: bool) -> int:
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable]
    cmd += [str(HERE / "group_commit.py"), "--store", "sqlite", "--sizes", str(size), "--rounds", str(rounds)]
    cmd += ["--asks"] if asks else []
    env = dict(os.environ, PYTHONHASHSEED="0")
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(done.stderr[-2000:])
    return int(found.group(1))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="16")
    p.add_argument("--rounds", type=int, default=120)
    p.add_argument("--base", type=int, default=20)
    p.add_argument("--asks", action="store_true")
    args = p.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        more = instructions(size, args.rounds, args.asks)
        fewer = instructions(size, args.base, args.asks)
        per = (more - fewer) / (args.rounds - args.base)
        print(f"batch of {size:>3}: {per / 1000:8.1f}k instructions per batch, {per / size / 1000:7.1f}k per decision")


if __name__ == "__main__":
    main()
