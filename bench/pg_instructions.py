"""Instructions per group commit batch on PostgreSQL under callgrind (load-independent):
``bench/group_commit.py --store postgres`` run twice per size under ``valgrind
--tool=callgrind`` (``--rounds`` rounds after the warm-up, and ``--base`` rounds), the
difference divided by the rounds between them.  Counts this process only (the store's
client side: snapshot reads, batch planning, psycopg/libpq), not PostgreSQL's.

    python bench/pg_instructions.py [--sizes 1,16] [--rounds 40] [--base 10]
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


def instructions(size: int, rounds: int, url: str) -> int:
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable]
    cmd += [str(HERE / "group_commit.py"), "--store", "postgres", "--database-url", url]
    cmd += ["--sizes", str(size), "--rounds", str(rounds)]
    env = dict(os.environ, PYTHONHASHSEED="0")
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(done.stderr[-2000:])
    return int(found.group(1))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1,16")
    p.add_argument("--rounds", type=int, default=40)
    p.add_argument("--base", type=int, default=10)
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = p.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        more = instructions(size, args.rounds, args.database_url)
        fewer = instructions(size, args.base, args.database_url)
        per = (more - fewer) / (args.rounds - args.base)
        print(f"batch of {size:>3}: {per / 1000:8.1f}k instructions per batch, {per / size / 1000:7.1f}k per decision")


if __name__ == "__main__":
    main()
