"""Goalrail next to other policy engines, the same rules and events, in one run.

    python bench/engines.py [--events 1000] [--rounds 3] [--only cedar,opa,cel,regocpp,celpy] [--cpu]
    python bench/engines.py --rules 1000 [--events 1000] [--rounds 3] [--only ...]

The 10 rules of ``chain/http_policies.py`` over ``engine.py``'s 1,000 mixed events:

* the hand-written Python chain (the floor, ``engine.bare_loop``) and the same chain
  indexed by event type and tool (each rule declares what it listens to);
* Goalrail: ``engine.evaluate`` on prepared events, normalize + build + evaluate,
  ``Runtime.evaluate`` on the memory store (``decision.py``'s rows);
* each external engine importable here, the rules written in its language
  (``chain/engine_rules.py``) and called as ``chain/engine_calls.py`` says: timed
  from the Python call with the prepared event, its conversion to the engine's input
  and the reading of the answer included.

Before any timing, every row must decide every event as the floor does (verdict and
deciding rule) on the mix and on ``engine_rules.rule_events()`` (where each rule
decides at least once); otherwise the script prints the disagreements and exits 1.

``--rules N``: the growth table instead: 10 vs N distinct rules keyed by tool
(``chain/scaling_rules.py``, ``scaling.py``'s events), in every engine.

Timed by wall clock (OPA's Go runtime does part of its work on threads of its own);
``--cpu`` times this thread's CPU instead, as ``decision.py`` does.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.metadata
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import decision as D  # sets up the paths to src/ and chain/
import engine_calls as C
import engine_rules as R
import http_policies
import scaling
from engine import bare_loop, chain, make_events
from scaling_rules import tool_rule

from goalrail.engine.chain import compile_chain
from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.evaluate import evaluate
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.spec import PolicySpec
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore

Rule = tuple[str, Callable[[Any], Any], Any, Any]  # name, policy, event types, tools (None: any)
Verdict = tuple[str, str | None]

#: What each of the 10 rules listens to, for the indexed chain.
LISTENS = {
    "max_tool_calls": (("tool_call",), None),
    "ask_on_rm": (("tool_call",), http_policies.OS_TOOLS),
    "block_domains": (("tool_call",), ("web_fetch",)),
    "pii": (("request",), None),
    "cost": (("tool_call", "request"), None),
    "labels": (None, ("sys_os_write",)),
    "routing": (("request",), None),
    "skills": (("tool_call",), ("load_skill",)),
    "paths": (("tool_call",), ("sys_os_write",)),
    "risk": (("tool_call",), None),
}
HTTP_RULES: list[Rule] = [(n, getattr(http_policies, n), *LISTENS[n]) for n in http_policies.NAMES]


def python_chain(rules: list[Rule]) -> Callable[[Any], Verdict]:
    """The hand-written chain, answering the deciding rule too (DENY > ASK > ALLOW)."""

    def run(event: Any) -> Verdict:
        asked = None
        for name, fn, _, _ in rules:
            r = fn(event)
            if r is None:
                continue
            if r["result"] == "DENY":
                return "DENY", name
            if r["result"] == "ASK" and asked is None:
                asked = name
        return ("ASK", asked) if asked else ("ALLOW", None)

    return run


def indexed_chain(rules: list[Rule]) -> Callable[[Any], Verdict]:
    """The same chain indexed by (event type, tool): each key's rules found once."""
    index: dict[tuple[str, Any], Callable[[Any], Verdict]] = {}

    def run(event: Any) -> Verdict:
        key = (event["type"], event["target"])
        sub = index.get(key)
        if sub is None:
            t, tool = key
            picked = [r for r in rules if (r[2] is None or t in r[2]) and (r[3] is None or tool in r[3])]
            sub = index[key] = python_chain(picked)
        return sub(event)

    return run


def goalrail_verdict(d: Any) -> Verdict:
    return (d.result, None) if d.result == "ALLOW" else (d.result, d.policy)


def disagreements(rows: dict[str, Callable[[Any], Verdict]], events: list[Any], floor: Any) -> list[str]:
    out = []
    for i, ev in enumerate(events):
        want = floor(ev)
        for name, fn in rows.items():
            got = fn(ev)
            if got != want:
                out.append(f"event {i} ({ev['type']} {ev['target']}): floor {want}, {name} {got}")
    return out


def agree_or_exit(problems: list[str]) -> None:
    if problems:
        print(f"{len(problems)} decisions differ from the floor; no timings printed:", file=sys.stderr)
        for p in problems[:20]:
            print("  " + p, file=sys.stderr)
        sys.exit(1)


async def runtime_verdicts(raw: list[Any], specs: list[PolicySpec], reg: Any, sessions: int = 10) -> list[str]:
    rt = Runtime(MemoryStore(), registry=reg, server_specs=specs)
    return [(await rt.evaluate(f"s{i % sessions}", ev, owner="x")).decision.result for i, ev in enumerate(raw)]


def external(keys: list[str], rules: str | int) -> dict[str, Callable[[Any], Verdict]]:
    return {C.label(k): C.MAKERS[k](rules) for k in keys}


def http_rows(events: list[Any], raw: list[Any], keys: list[str]) -> dict[str, Callable[[Any], Any]]:
    """Every row's function for the 10 rules (timed on the mix), once each agrees with the floor."""
    c = chain()
    states = {"server:max_tool_calls": {"n": 3}}  # engine.py's events carry the same n
    snapshot = Snapshot("bench", labels={"env": "dev"}, usage={"total_cost_usd": 1.25}, model="claude-sonnet-4")
    floor = python_chain(HTTP_RULES)
    indexed = indexed_chain(HTTP_RULES)
    engines = external(keys, "http")
    checked: dict[str, Callable[[Any], Verdict]] = {
        "indexed Python chain": indexed,
        "engine.evaluate": lambda ev: goalrail_verdict(evaluate(c, ev, {"server:max_tool_calls": ev["policy_state"]})),
        **engines,
    }
    events_all = events + R.rule_events()
    problems = disagreements(checked, events_all, floor)
    problems += [
        f"event {i}: bare_loop {bare_loop(e)}" for i, e in enumerate(events_all) if bare_loop(e) != floor(e)[0]
    ]
    decided = {floor(ev)[1] for ev in events_all}
    problems += [f"rule {n} decides no event" for n in http_policies.NAMES if n not in decided]

    def full(r: Any) -> Any:
        return evaluate(c, build_event(normalize_event(r), snapshot), states)

    for i, (e, r) in enumerate(zip(events, raw, strict=True)):
        if goalrail_verdict(full(r)) != floor(e):
            problems.append(f"event {i}: normalize + build + evaluate {goalrail_verdict(full(r))}, floor {floor(e)}")
    specs = [PolicySpec(n, f"http_policies.{n}", level="server", kind="callable") for n in http_policies.NAMES]
    got = asyncio.run(runtime_verdicts(raw, specs, D.registry()))
    problems += [f"event {i}: Runtime.evaluate {g}" for i, g in enumerate(got) if g != floor(events[i])[0]]
    agree_or_exit(problems)
    return {
        "hand-written Python chain (floor)": bare_loop,
        "Python chain indexed by event type and tool": indexed,
        "Goalrail engine.evaluate, prepared event": lambda ev: evaluate(c, ev, states),
        "Goalrail normalize + build event + evaluate": full,
        **engines,
    }


def print_rows(rows: list[tuple[str, tuple[float, float]]]) -> None:
    floor = rows[0][1][0]
    print(f"{'':64}{'median µs':>11}{'p99 µs':>10}{'× floor':>9}")
    for name, (med, p99) in rows:
        print(f"{name:64}{med:>11.1f}{p99:>10.1f}{med / floor:>8.1f}×", flush=True)


def main_table(args: argparse.Namespace, keys: list[str]) -> None:
    events = make_events(args.events)
    raw = D.raw_events(events)
    fns = http_rows(events, raw, keys)
    print(f"{args.events} mixed events x {args.rounds} rounds, 10 rules, {clock_name(args)}; every row agreed with")
    print(f"the floor on all {args.events + len(R.rule_events())} checked decisions (verdict and deciding rule)")
    rows = []
    for name, fn in fns.items():
        D.timed(fn, events[:100], 1)  # warm: caches, prepared queries
        gc.collect()
        items = raw if name.startswith("Goalrail normalize") else events
        rows.append((name, D.summary(D.timed(fn, items, args.rounds))))
        if name.startswith("Goalrail normalize"):
            gc.collect()
            rt = asyncio.run(D.runtime_samples(raw, args.rounds, args.sessions))
            rows.append((f"Goalrail Runtime.evaluate, memory store ({args.sessions} sessions)", D.summary(rt)))
    print_rows(rows)


def tool_rules(n: int) -> list[Rule]:
    return [(f"r{i}", tool_rule(f"mcp__s__t{i}"), ("tool_call",), (f"mcp__s__t{i}",)) for i in range(n)]


def growth_rows(n: int, events: list[Any], raw: list[Any], keys: list[str]) -> dict[str, Callable[[Any], Any]]:
    """Every row's function for ``n`` tool-keyed rules, once each agrees with the floor."""
    rules, reg = tool_rules(n), scaling.registry()
    floor = python_chain(rules)
    ch = compile_chain(scaling.specs(n), reg)
    fns: dict[str, Callable[[Any], Any]] = {
        "Python chain (floor)": floor,
        "Python chain indexed by event type and tool": indexed_chain(rules),
        "Goalrail engine.evaluate, prepared event": lambda ev: goalrail_verdict(evaluate(ch, ev)),
        **external(keys, n),
    }
    distinct = len(scaling.EVENTS)
    problems = disagreements(dict(list(fns.items())[1:]), events[:distinct], floor)
    got = asyncio.run(runtime_verdicts(raw[:distinct], scaling.specs(n), reg))
    problems += [f"event {i}: Runtime.evaluate {g}" for i, g in enumerate(got) if g != floor(events[i])[0]]
    agree_or_exit(problems)
    return fns


async def runtime_growth(n: int, raw: list[Any], rounds: int) -> list[float]:
    rt = Runtime(MemoryStore(), registry=scaling.registry(), server_specs=scaling.specs(n))
    sessions = [f"s{i}" for i in range(50)]
    await scaling.timed_runtime(rt, sessions, raw[:200], clock=D.CLOCK)
    return await scaling.timed_runtime(rt, sessions, raw * rounds, clock=D.CLOCK)


def growth(args: argparse.Namespace, keys: list[str]) -> None:
    raw = [scaling.EVENTS[i % len(scaling.EVENTS)] for i in range(args.events)]
    events = [build_event(normalize_event(e), Snapshot("bench")) for e in raw]
    for ev in events:
        ev["policy_state"] = {}  # type: ignore[typeddict-unknown-key]
    sizes = (10, args.rules)
    table: dict[str, list[tuple[float, float]]] = {}
    for n in sizes:
        for name, fn in growth_rows(n, events, raw, keys).items():
            D.timed(fn, events[:100], 1)
            gc.collect()
            table.setdefault(name, []).append(D.summary(D.timed(fn, events, args.rounds)))
        gc.collect()
        table.setdefault("Goalrail Runtime.evaluate, memory store", []).append(
            D.summary(asyncio.run(runtime_growth(n, raw, args.rounds)))
        )
    print(f"{args.events} events ({len(scaling.EVENTS)} kinds) x {args.rounds} rounds, rules keyed by tool,")
    print(f"{clock_name(args)}; every row agreed with the floor at both sizes")
    print(f"{'':64}{'10 med':>9}{'p99':>9}{f'{args.rules:,} med':>11}{'p99':>9}{'ratio':>8}")
    for name, ((m1, p1), (m2, p2)) in table.items():
        print(f"{name:64}{m1:>9.1f}{p1:>9.1f}{m2:>11.1f}{p2:>9.1f}{m2 / m1:>7.1f}×", flush=True)


def clock_name(args: argparse.Namespace) -> str:
    return f"{'CPU' if args.cpu else 'wall'} time, Python {sys.version.split()[0]}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sessions", type=int, default=100)
    ap.add_argument("--rules", type=int, default=0, help="the growth table: 10 vs RULES rules keyed by tool")
    ap.add_argument("--only", help=f"comma-separated external engines among {','.join(C.ENGINES)}")
    ap.add_argument("--cpu", action="store_true", help="time this thread's CPU instead of wall time")
    args = ap.parse_args()
    D.CLOCK = time.thread_time_ns if args.cpu else time.perf_counter_ns
    keys = args.only.split(",") if args.only else [k for k in C.ENGINES if not (args.rules and k == "celpy")]
    if unknown := [k for k in keys if k not in C.ENGINES]:
        ap.error(f"unknown engines {unknown}; known: {', '.join(C.ENGINES)}")
    missing = C.missing(keys)
    for key, command in missing.items():
        print(f"{key}: not installed, its row is left out; install it with: {command}", file=sys.stderr)
    if args.only and missing:
        sys.exit("--only names engines that are not installed")
    keys = [k for k in keys if k not in missing]
    print("goalrail", importlib.metadata.version("goalrail"), "|", "; ".join(C.label(k) for k in keys))
    growth(args, keys) if args.rules else main_table(args, keys)


if __name__ == "__main__":
    main()
