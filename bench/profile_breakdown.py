"""Where a server's CPU time goes, per decision, from a py-spy raw profile.

    python bench/http_api.py --store sqlite --py-spy /tmp/prof      # writes /tmp/prof-raw-<port>.txt
    python bench/profile_breakdown.py /tmp/prof-raw-<port>.txt --cpu-us 1086

Each sample (a stack, ``frame;frame;…;leaf count``) is put in one bucket: the
audit chain if any frame is ``runtime/audit.py``; otherwise the innermost frame
that matches a bucket's pattern (JSON encoding inside the store counts as JSON).
``--cpu-us`` (the server CPU per request ``http_api.py`` printed) turns shares
into µs per decision.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

BUCKETS: list[tuple[str, re.Pattern[str]]] = [
    ("JSON (encode/decode)", re.compile(r"\bjson/|orjson|fastjson")),
    ("store: snapshot, commit, SQLite", re.compile(r"goalrail/store/|sqlalchemy/|sqlite3")),
    ("validation (event, pydantic)", re.compile(r"pydantic|goalrail/server/(models|guard|fastpath)\.py|normalize")),
    ("runtime (chain, policies)", re.compile(r"goalrail/(runtime|engine|policies|patterns)/|http_policies")),
    ("HTTP (uvicorn, starlette)", re.compile(r"uvicorn/|starlette/|fastapi/|h11/|httptools")),
    ("goalrail server (routes, auth)", re.compile(r"goalrail/server/")),
    ("event loop (asyncio)", re.compile(r"asyncio/|selectors")),
]
AUDIT = ("audit chain (hashing, sealing)", re.compile(r"goalrail/runtime/audit\.py|hashlib"))


def bucket(stack: list[str]) -> str:
    if any(AUDIT[1].search(frame) for frame in stack):
        return AUDIT[0]
    for frame in reversed(stack):
        for name, pattern in BUCKETS:
            if pattern.search(frame):
                return name
    return "other"


def breakdown(path: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if stack and n.isdigit():
            counts[bucket(stack.split(";"))] += int(n)
    return counts


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("profile", type=Path)
    p.add_argument("--cpu-us", type=float, help="server CPU µs per request (from http_api.py)")
    args = p.parse_args()
    counts = breakdown(args.profile)
    total = sum(counts.values()) or 1
    print(f"{'bucket':<34} {'share':>6}" + (f" {'µs/decision':>12}" if args.cpu_us else ""))
    for name, n in counts.most_common():
        share = n / total
        print(f"{name:<34} {share:>6.1%}" + (f" {share * args.cpu_us:>12.0f}" if args.cpu_us else ""))
    print(f"({total} samples)")


if __name__ == "__main__":
    main()
