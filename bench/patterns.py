"""Declarative pattern policies: per-event evaluation time vs number of patterns.

    python bench/patterns.py [--events 2000] [--rounds 5] [--seed 7]

For 10, 100 and 1,000 patterns, prints the median and p99 time per event (µs)
of ``pattern_policy``'s closure on a prepared event (what the chain calls),
of the bare ``Policy.decide`` core, and of the naive reference (a loop trying
every pattern's regex in order), in two layouts:

* ``spread``: patterns spread over 6 action types (typical policies);
* ``one type``: every pattern on ``shell_execute`` (the worst case).

Patterns mix anchored prefixes (``^/data/p17/.*``), "contains" rules
(``.*(tool17|util17).*``), suffixes (``.*\\.ext17$``) and URLs; about half the
events hit a pattern (at every size), the rest fall through to the default.
The last lines give each column's median at 1,000 patterns over its median at 10.

One RE2 set per action type names the matching patterns in one pass
(``goalrail.patterns.set_index``), so the cost should stay flat in the number
of patterns; ``naive`` shows what a loop over them costs.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.snapshot import Snapshot
from goalrail.patterns import Pattern, Policy
from goalrail.patterns.compile import order_patterns
from goalrail.patterns.conditions import ActionFacts
from goalrail.policies.builtins.patterns import pattern_policy

KINDS = [
    (
        "file_read",
        lambda i: rf"^/data/p{i}/.*",
        lambda i: f"/data/p{i}/file.csv",
        "/home/user/project/readme.md",
    ),
    (
        "file_write",
        lambda i: rf".*\.ext{i}$",
        lambda i: f"/srv/out/report.ext{i}",
        "/srv/out/report.txt",
    ),
    (
        "shell_execute",
        lambda i: rf"^cmd{i}\s.*",
        lambda i: f"cmd{i} --flag value",
        "ls -la /home/user/project",
    ),
    (
        "shell_execute",
        lambda i: rf".*(tool{i}|util{i}).*",
        lambda i: f"cd /x && tool{i} run",
        "make test -j8",
    ),
    (
        "network_request",
        lambda i: rf"^https://host{i}\.example\.com/.*",
        lambda i: f"https://host{i}.example.com/a",
        "https://docs.python.org/3/library/re.html",
    ),
    (
        "database_read",
        lambda i: rf".*SELECT.*FROM\s+table{i}\b.*",
        lambda i: f"SELECT a, b FROM table{i} WHERE id = 3",
        "SELECT a FROM accounts WHERE id = 3",
    ),
]
TOOLS = {
    "file_read": "Read",
    "file_write": "Write",
    "shell_execute": "Bash",
    "network_request": "WebFetch",
    "database_read": "mcp__db__query",
}


def build(n: int, layout: str) -> tuple[list[Pattern], list[tuple[str, str]]]:
    patterns = []
    makers = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        action_type = "shell_execute" if layout == "one type" else kind[0]
        patterns.append(
            Pattern(
                id=f"p{i}",
                action_type=action_type,
                pattern=kind[1](i),
                action=("allow", "deny", "warn")[i % 3],
                severity=("low", "medium", "high")[i % 3],
            )
        )
        makers.append((action_type, kind))
    return patterns, [(a, k[2](i)) for i, (a, k) in enumerate(makers)]  # the misses are drawn apart


def stats(samples: list[float]) -> tuple[float, float]:
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def run(n: int, layout: str, events: int, rounds: int, rng: random.Random) -> dict[str, Any]:
    patterns, hits = build(n, layout)
    policy = Policy(name=f"bench{n}", default_action="allow", patterns=patterns)
    check = pattern_policy(inline=policy.to_dict())
    ordered = order_patterns(patterns)
    misses = [(a, k[3]) for a, *_ in [(k[0],) for k in KINDS] for k in KINDS if k[0] == a]
    picks = []
    for _ in range(events):
        action_type, target = rng.choice(hits) if rng.random() < 0.5 else rng.choice(misses)
        if layout == "one type":
            action_type = "shell_execute"
        picks.append((action_type, target))
    from goalrail.engine.actions import ActionMapper

    mapper = ActionMapper({"mcp__db__query": "database_read", "mcp__sh__run": "shell_execute"})
    prepared = []
    for action_type, target in picks:
        tool = "mcp__sh__run" if layout == "one type" else TOOLS[action_type]
        key = {
            "file_read": "file_path",
            "file_write": "file_path",
            "network_request": "url",
            "database_read": "sql",
        }.get(action_type, "command")
        ev = dict(
            build_event(
                normalize_event({"type": "tool_call", "target": tool, "data": {"arguments": {key: target}}}),
                Snapshot("b"),
                mapper=mapper,
            )
        )
        ev["policy_state"] = {}
        prepared.append(ev)
    facts = ActionFacts(now=time.time())
    for ev, (action_type, target) in zip(prepared, picks, strict=True):  # warm up: compile once, outside timing
        check(ev)
        policy.decide(action_type, target, facts)
    chain_t: list[float] = []
    core_t: list[float] = []
    naive_t: list[float] = []
    clock = time.perf_counter_ns
    for _ in range(rounds):
        for ev in prepared:
            t0 = clock()
            check(ev)
            chain_t.append((clock() - t0) / 1000)
        for action_type, target in picks:
            t0 = clock()
            policy.decide(action_type, target, facts)
            core_t.append((clock() - t0) / 1000)
        for action_type, target in picks[: max(50, events // 10)]:
            t0 = clock()
            next((p for p in ordered if p.action_type == action_type and p.matches(target)), None)
            naive_t.append((clock() - t0) / 1000)
    return {
        "n": n,
        "layout": layout,
        "chain": stats(chain_t),
        "core": stats(core_t),
        "naive": stats(naive_t),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    print(f"python {sys.version.split()[0]}, {args.events} events x {args.rounds} rounds; times in µs per event")
    print(
        f"{'patterns':>8}  {'layout':<9} {'chain median':>12} {'chain p99':>10} "
        f"{'core median':>11} "
        f"{'core p99':>9} {'naive median':>12} {'naive p99':>10}"
    )
    ratios = []
    for layout in ("spread", "one type"):
        rows = {}
        for n in (10, 100, 1000):
            gc.collect()
            gc.disable()
            try:
                r = rows[n] = run(n, layout, args.events, args.rounds, rng)
            finally:
                gc.enable()
            print(
                f"{r['n']:>8}  {r['layout']:<9} {r['chain'][0]:>12.1f} {r['chain'][1]:>10.1f} "
                f"{r['core'][0]:>11.1f} {r['core'][1]:>9.1f} "
                f"{r['naive'][0]:>12.1f} {r['naive'][1]:>10.1f}"
            )
        ratios.append((layout, *(rows[1000][k][0] / rows[10][k][0] for k in ("chain", "core", "naive"))))
    for layout, chain, core, naive in ratios:
        print(f"1,000 / 10 patterns, {layout}: chain x{chain:.2f}, core x{core:.2f}, naive x{naive:.2f}")


if __name__ == "__main__":
    main()
