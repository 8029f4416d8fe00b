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
    python bench/store_instructions.py --chain [--sessions 32] [--rounds 40] [--base 10] [--warm 8]
                                       [--postgres [--postgres-only]] [--tree DIR]

``--chain``: the runtime (``Runtime.evaluate``) with the chain and the events of
``http_api.py --chain builtins`` (``--sessions`` sessions of one owner, each deciding once
per round, all at once), on SQLite and on the memory store, each under callgrind with
``--separate-threads=yes``: instructions per decision on the event loop's thread (the
runtime, the snapshot, the group commit's statements and ``COMMIT``) and on the others
(SQLite's worker thread: checkpoints), and SQLite minus memory — the SQLite store's own
cost per decision.  ``--warm N``: N rounds before those (default 8; with 160, every session
is past the cap of 64 approvals waiting, so most of its ASKs are DENYs that count them, as
over HTTP).  ``--async-path`` adds the memory store on the runtime's path for a store that
waits (``Runtime.evaluate`` with coroutines, as on SQLite, instead of ``decide_now``): what
of SQLite minus memory is that path, not the store.  ``--postgres`` adds PostgreSQL (a fresh
database per run, next to the one ``--database-url`` names): this process's side only (the
store's reads, batches and libpq), not the database's; ``--postgres-only`` leaves SQLite out.
``--tree DIR`` runs the drivers on another tree's ``src/`` (a base to compare with).
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from callgrind import collected

HERE = Path(__file__).resolve().parent
#: per store: (sizes, rounds, base) when not given
DEFAULTS = {"sqlite": ("16", 120, 20), "postgres": ("1,16", 40, 10)}


def instructions(args: argparse.Namespace, size: int, rounds: int) -> int:
    cmd = [sys.executable, str(HERE / "group_commit.py"), "--store", args.store]
    cmd += ["--sizes", str(size), "--rounds", str(rounds)]
    if args.store == "postgres":
        cmd += ["--database-url", args.database_url]
    return collected(cmd + (["--asks"] if args.asks else []))


async def _drive(store_name: str, sessions: int, rounds: int, warm: int = 8, url: str = "") -> None:
    """``--chain``'s workload in this process: ``rounds`` rounds after ``warm`` rounds of warm-up
    (``postgres``: on the database ``url`` names, which holds nothing yet)."""
    sys.path.insert(0, os.environ.get("GOALRAIL_SRC") or str(HERE.parent / "src"))
    sys.path.insert(0, str(HERE))
    import owner_state

    from goalrail.policies.registry import Registry
    from goalrail.runtime.runtime import Runtime
    from goalrail.store import open_store

    bench = owner_state.http_bench()
    # (a deadline callgrind on a busy machine cannot reach: no policy fails closed)
    specs = owner_state.builtin_specs(bench, timeout_ms=3_600_000)
    actor = {"run_as": "owner", "client_id": "loopback", "role": "agent"}  # (the server's, auth off)
    with tempfile.TemporaryDirectory() as tmp:
        urls = {"sqlite": f"sqlite:///{tmp}/chain.db", "postgres": url}
        store: Any = await open_store(urls.get(store_name, "memory://"))
        try:
            rt = Runtime(store, registry=Registry.load(), server_specs=specs)
            if store_name == "memory-async":  # the runtime's path for a store that waits (as SQLite's)
                rt._immediate = None
            sids = [f"s{k}" for k in range(sessions)]

            async def decide(k: int, i: int) -> None:
                event = bench.EVENTS[(i + k) % len(bench.EVENTS)]
                await rt.evaluate(sids[k], event, owner="owner", actor=actor)

            for i in range(rounds + warm):
                await asyncio.gather(*[decide(k, i) for k in range(sessions)])
        finally:
            await store.close()


def _threads(args: argparse.Namespace, store: str, rounds: int) -> tuple[int, int]:
    """Instructions of the event loop's thread and of all other threads, one run (``postgres``:
    on a fresh database, dropped afterwards)."""
    if store != "postgres":
        return _run_threads(args, store, rounds, "")
    import psycopg
    from pg_counts import _dsn
    from sqlalchemy.engine import make_url

    name = f"goalrail_chain_{os.getpid()}_{rounds}"
    with psycopg.connect(_dsn(args.database_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        return _run_threads(args, store, rounds, make_url(args.database_url).set(database=name).render_as_string(False))
    finally:
        with psycopg.connect(_dsn(args.database_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run_threads(args: argparse.Namespace, store: str, rounds: int, url: str) -> tuple[int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cg.out")
        cmd = ["valgrind", "--tool=callgrind", "--separate-threads=yes", f"--callgrind-out-file={out}"]
        cmd += [sys.executable, __file__, "--drive", store, "--sessions", str(args.sessions), "--rounds", str(rounds)]
        cmd += ["--warm", str(args.warm), "--database-url", url or args.database_url]
        env = dict(os.environ, PYTHONHASHSEED="0")
        if args.tree:
            env["GOALRAIL_SRC"] = str(Path(args.tree) / "src")
        subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
        totals = {}
        for path in glob.glob(out + "-*"):
            with open(path) as f:
                found = re.search(r"^(?:summary|totals): (\d+)", f.read(), re.M)
            totals[int(path.rpartition("-")[2])] = int(found.group(1)) if found else 0
    return totals.get(1, 0), sum(v for k, v in totals.items() if k != 1)


def chain(args: argparse.Namespace) -> None:
    decisions = (args.rounds - args.base) * args.sessions
    per: dict[str, tuple[float, float]] = {}
    stores = ["sqlite", "memory", "memory-async"][: 3 if args.async_path else 2]
    if args.postgres:
        stores = ["postgres", "memory"] if args.postgres_only else [*stores, "postgres"]
    for store in stores:
        loop1, other1 = _threads(args, store, args.rounds)
        loop0, other0 = _threads(args, store, args.base)
        per[store] = ((loop1 - loop0) / decisions, (other1 - other0) / decisions)
    for base in [b for b in ("memory", "memory-async") if b in per]:
        for store in [s for s in ("sqlite", "postgres") if s in per]:
            per[f"{store} - {base}"] = (per[store][0] - per[base][0], per[store][1] - per[base][1])
    head = f"{args.sessions} sessions, {args.warm} rounds of warm-up, ({args.rounds} - {args.base}) rounds"
    print(f"{head}; instructions per decision:")
    for name, (loop, other) in per.items():
        total = (loop + other) / 1000
        print(f"  {name:22} loop thread {loop / 1000:7.1f}k  other threads {other / 1000:6.1f}k  total {total:7.1f}k")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--store", choices=sorted(DEFAULTS))
    p.add_argument("--chain", action="store_true", help="the runtime with the builtins chain, SQLite vs memory")
    p.add_argument("--sessions", type=int, default=32, help="--chain: sessions deciding at once")
    p.add_argument(
        "--warm",
        type=int,
        default=8,
        help="--chain: rounds before the measured ones (past 130 or so, every session holds 64 waiting approvals)",
    )
    p.add_argument(
        "--async-path", action="store_true", help="--chain: also the memory store on the runtime's async path"
    )
    p.add_argument("--postgres", action="store_true", help="--chain: also PostgreSQL (this process's side only)")
    p.add_argument("--postgres-only", action="store_true", help="--chain --postgres: PostgreSQL and memory only")
    p.add_argument("--tree", help="--chain: measure the source tree DIR (its src/) instead of this one")
    p.add_argument("--drive", choices=["sqlite", "memory", "memory-async", "postgres"], help=argparse.SUPPRESS)
    p.add_argument("--sizes")
    p.add_argument("--rounds", type=int)
    p.add_argument("--base", type=int)
    p.add_argument("--asks", action="store_true", help="sqlite: full audit payloads and approvals")
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = p.parse_args()
    if args.drive:
        asyncio.run(_drive(args.drive, args.sessions, args.rounds, args.warm, args.database_url))
        return
    if args.chain:
        args.rounds, args.base = args.rounds or 40, args.base or 10
        chain(args)
        return
    if args.store is None:
        p.error("--store or --chain")
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
