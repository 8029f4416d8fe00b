"""Judging a fetch under ``strict``, under callgrind, per spelling of its URL (load-independent).

    python bench/url_instructions.py [--calls 2000] [--tree PATH]

``pattern_policy(policy="strict")`` on one Claude Code ``WebFetch`` per kind of URL: the usual
canonical one (an allowlisted ``https://github.com/…``, an unknown domain), an IPv4 address
spelled in hex, an IPv4-mapped IPv6 address, a host in capitals with a trailing dot, and one
clients read differently (a backslash before the path).  The event is built once; only the
instructions inside ``itertools.starmap``'s ``next`` (the policy's calls) are counted;
``--tree`` measures another checkout's ``src`` (an exported base) with this script.
"""

from __future__ import annotations

import argparse
import collections
import gc
import itertools
import sys
from pathlib import Path

from callgrind import collected_in_starmap, driver, measure_tree

HERE = Path(__file__).resolve().parent
KINDS: dict[str, str] = {
    "plain": "https://github.com/org/repo/pulls?q=is%3Aopen",
    "other": "https://example.com/docs/page",
    "hex-ip": "http://0x7f000001/admin",
    "mapped-v6": "http://[::ffff:169.254.169.254]/latest/meta-data/",
    "caps-dot": "https://API.GitHub.com./repos/x",
    "unclear": "https://evil.example\\@api.github.com/",
}


def drive(tree: str, kind: str, n: int) -> None:
    measure_tree(tree)
    from goalrail.engine.context import build_event, normalize_event
    from goalrail.engine.snapshot import Snapshot
    from goalrail.policies.builtins.patterns import pattern_policy

    check = pattern_policy(policy="strict")
    raw = normalize_event({"type": "tool_call", "target": "WebFetch", "data": {"arguments": {"url": KINDS[kind]}}})
    event = build_event(raw, Snapshot("s1"), now=1.0)
    check(event)  # warm the compiled policy
    items = [(event,)] * n
    gc.collect()
    gc.disable()
    collections.deque(itertools.starmap(check, items), maxlen=0)


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
        print(f"{kind:<10} {total / args.calls / 1000:8.2f} k instructions per call", flush=True)


if __name__ == "__main__":
    main()
