"""Instructions per group commit under callgrind (load-independent):
``bench/group_commit.py --store sqlite|postgres`` run twice per size under ``valgrind
--tool=callgrind`` (``--rounds`` rounds after the warm-up, and ``--base`` rounds), the
difference divided by the rounds between them, and by the batch size.

* ``--store sqlite``: SQLite runs in this process, so the count holds the statements,
  the commit's WAL frames (their copies and checksums) and the checkpoints of the
  worker thread; not the kernel's side of ``write()`` (``group_commit.py`` prints the
  bytes written per decision).  ``--asks`` is passed on (full audit payloads, an
  approval every second decision).
* ``--store postgres``: this process only (the store's client side: snapshot reads,
  batch planning, psycopg/libpq), not PostgreSQL's.

    python bench/store_instructions.py --store sqlite [--sizes 16] [--rounds 120] [--base 20] [--asks]
    python bench/store_instructions.py --store postgres [--sizes 1,16] [--rounds 40] [--base 10]
                                       [--database-url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: per store: (sizes, rounds, base) when not given
DEFAULTS = {"sqlite": ("16", 120, 20), "postgres": ("1,16", 40, 10)}


def instructions(args: argparse.Namespace, size: int, rounds: int) -> int:
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable]
    cmd += [str(HERE / "group_commit.py"), "--store", args.store, "--sizes", str(size), "--rounds", str(rounds)]
    if args.store == "postgres":
        cmd += ["--database-url", args.database_url]
    cmd += ["--asks"] if args.asks else []
    env = dict(os.environ, PYTHONHASHSEED="0")
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(done.stderr[-2000:])
    return int(found.group(1))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--store", choices=sorted(DEFAULTS), required=True)
    p.add_argument("--sizes")
    p.add_argument("--rounds", type=int)
    p.add_argument("--base", type=int)
    p.add_argument("--asks", action="store_true", help="sqlite: full audit payloads and approvals")
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = p.parse_args()
    if args.asks and args.store != "sqlite":
        p.error("--asks is for --store sqlite")
    sizes, rounds, base = DEFAULTS[args.store]
    args.sizes, args.rounds, args.base = args.sizes or sizes, args.rounds or rounds, args.base or base
    for size in (int(s) for s in args.sizes.split(",")):
        more = instructions(args, size, args.rounds)
        fewer = instructions(args, size, args.base)
        per = (more - fewer) / (args.rounds - args.base)
        print(f"batch of {size:>3}: {per / 1000:8.1f}k instructions per batch, {per / size / 1000:7.1f}k per decision")


if __name__ == "__main__":
    main()
