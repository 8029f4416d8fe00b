"""Provenance's cost per decision against session size and active sessions (issue 13).

    python bench/provenance_sessions.py [--values 10,1000,5000] [--sessions 10,100,1000] [--ask] [--sqlite]

``Runtime.evaluate`` with ``decision.py``'s 10 rules (``chain/http_policies.py``): ``--sessions``
sessions are first filled, one after the other, with requests whose user text records about 23
values each until each session's provenance record holds ``--values`` values (the record keeps
at most 5,000); then ``decision.py``'s mixed events (requests carry user text) go round-robin
over every session, in whole rounds until at least ``--decisions`` are timed, each alone (this
thread's CPU time; with ``--sqlite`` the process's, as the store works on a thread of its own).
``--ask`` adds a rule asking ``provenance.grounded`` about every fetched link (as
``information_flow`` asks about a sink). Median and mean µs per decision, and the mean as a
multiple of the first cell's.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "chain"))

from decision import NAMES, raw_events
from engine import make_events

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store

CLOCK = time.thread_time_ns


def registry() -> Registry:
    reg = Registry.load()
    reg.add_module("http_policies", builtin=True)
    reg.add_module("provenance_rules", builtin=True)
    return reg


def filler(sid: int, i: int) -> dict[str, Any]:
    text = " ".join(f"ticket T-{sid}x{i}x{k} for bob{k}.{sid}.{i}@corp.example" for k in range(6))
    return {"type": "request", "data": text}


async def cell(url: str, n_sessions: int, n_values: int, rounds: int, ask: bool) -> list[float]:
    store = await open_store(url)
    specs = [PolicySpec(n, f"http_policies.{n}", level="server", kind="callable") for n in NAMES]
    if ask:
        specs.append(PolicySpec("grounded_fetch", "provenance_rules.grounded_fetch", level="server", kind="callable"))
    rt = Runtime(store, registry=registry(), server_specs=specs)
    fills = max(1, n_values // 23)
    for s in range(n_sessions):  # one session after the other: each fills with its index cached
        for i in range(fills):
            await rt.evaluate(f"s{s}", filler(s, i), owner=f"u{s % 10}")
    mix = raw_events(make_events(1000))
    gc.collect()
    out: list[float] = []
    n = 0
    for _ in range(rounds):
        for _ in range(n_sessions):
            sid = f"s{n % n_sessions}"
            ev = mix[n % len(mix)]
            n += 1
            t0 = CLOCK()
            await rt.evaluate(sid, ev, owner=f"u{n % 10}")
            out.append((CLOCK() - t0) / 1000)
    await store.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--values", default="10,1000,5000")
    ap.add_argument("--sessions", default="10,100,1000")
    ap.add_argument("--decisions", type=int, default=2000, help="at least this many timed per cell (whole rounds)")
    ap.add_argument("--ask", action="store_true", help="a rule asks provenance.grounded about every fetched link")
    ap.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead of the memory store")
    args = ap.parse_args()
    global CLOCK
    if args.sqlite:
        CLOCK = time.process_time_ns
    values = [int(v) for v in args.values.split(",")]
    sessions = [int(v) for v in args.sessions.split(",")]
    tmp = tempfile.mkdtemp()
    label = "SQLite" if args.sqlite else "memory"
    print(f"Python {sys.version.split()[0]}; {label} store; µs CPU per decision (median / mean)", flush=True)
    print(f"{'values per session':>20}" + "".join(f"{f'{s:,} sessions':>24}" for s in sessions), flush=True)
    base = None
    for v in values:
        line = f"{v:>20,}"
        for s in sessions:
            url = f"sqlite:///{tmp}/prov-{v}-{s}.db" if args.sqlite else "memory://"
            rounds = max(1, -(-args.decisions // s))
            samples = asyncio.run(cell(url, s, v, rounds, args.ask))
            med, mean = statistics.median(samples), statistics.fmean(samples)
            base = base or mean
            line += f"{med:>9.1f} / {mean:>6.1f} {mean / base:>4.1f}×"
        print(line, flush=True)


if __name__ == "__main__":
    main()
