"""Decisions of many sessions of one owner at once (no HTTP): process CPU per decision
and how many were refused as stale and evaluated again, in one process or in several
on one database (as ``goalrail server --workers N`` runs them on SQLite, or N replicas
on PostgreSQL).

    python bench/owner_state.py [--sessions 32] [--events 4000] [--processes 1]
                                [--database-url sqlite:///…|postgresql://…]

The chain is ``bench/http_api.py --chain builtins`` (ten shipped builtins, among
them ``user_daily_cost_budget``, whose reservations every LLM request writes in the
owner's state); the events are that benchmark's, each session posting them in
turn.  Every session belongs to one owner (a single-user server).  SQLite uses a
fresh file in a temporary directory unless ``--database-url`` names a database.
On PostgreSQL (``--database-url postgresql://…``) each run creates a fresh database
next to the one named (``http_api.py``'s ``create_database``) and drops it afterwards.

``--processes N`` runs N processes on the database, each with its own store
and ``--sessions``/N of the sessions, started together.  Counts per process, and
summed (load-independent, unlike the CPU and rate figures):

* ``stale``: decisions refused at the group commit as stale, by event type, and why:
  ``session`` (another process changed the decision's session, or every cache was
  dropped), ``owner`` (its snapshot of the owner's state does not hold, with the
  owner keys that differed: ``reserved:*``, ``reserved_n``, ``cost`` …) or, on
  PostgreSQL, ``batch`` (the batch failed on a deadlock or serialization failure);
* ``rechecked`` (PostgreSQL): decisions whose snapshot of the owner's state did not
  hold, written because they decide the same on the state at their place;
* ``pessimistic``: evaluations run again holding the writer (SQLite) or the
  session's row lock (PostgreSQL) throughout;
* ``batches`` (PostgreSQL), ``writer`` (SQLite): writing transactions of the group
  commit; SQLite's ``writer`` counts every writing transaction begun (each takes the
  lock file), ``waits``: times the lock file was held by the other process;
* ``session loads``, ``owner reads`` (SQLite): a session's rows, an owner's state
  read into the cache.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

import yaml  # noqa: E402

from goalrail.engine.spec import PolicySpec  # noqa: E402
from goalrail.policies.registry import Registry  # noqa: E402
from goalrail.runtime.runtime import Runtime  # noqa: E402
from goalrail.store import open_store  # noqa: E402


def http_bench() -> Any:
    """``bench/http_api.py`` (its chain, events and floor app), loaded from its file: importing it
    by name would take this folder off ``sys.path`` (it is named like the stdlib's ``http``)."""
    spec = importlib.util.spec_from_file_location("bench_http_api", HERE / "http_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def builtin_specs(bench: Any, timeout_ms: float | None = None) -> list[PolicySpec]:
    """``http_api.py --chain builtins``' chain as server-wide policy specs."""
    return [
        PolicySpec(name=name, handler=handler, params=yaml.safe_load(params), kind="factory", timeout_ms=timeout_ms)
        for name, (handler, params) in bench.BUILTIN_CHAIN.items()
    ]


class Counts:
    """Counters wrapped around the SQL stores' functions (for the measurement only)."""

    def __init__(self) -> None:
        self.c: Counter[str] = Counter()
        self.kind: dict[str, str] = {}  # session → type of the event it is deciding
        self.diffs: dict[int, list[str]] = {}  # id(views) or id(tx) → owner keys that differed

    def install(self, url: str) -> None:
        if url.startswith("postgresql"):
            self.install_pg()
        else:
            self.install_sqlite()

    def install_pg(self) -> None:
        from goalrail.runtime.ports import StaleSnapshot
        from goalrail.store.sql import pg_group, pg_tx, store
        from goalrail.store.sql.owners import OwnerState

        c, kinds, diffs = self.c, self.kind, self.diffs
        holds, commit, transaction = pg_tx.PgTx.holds, pg_group.GroupCommit.commit, store.SqlStore.transaction

        def _holds(tx: Any, row: Any, user: Any, cost: Any) -> bool:
            ok = bool(holds(tx, row, user, cost))
            if not ok:
                diffs[id(tx)] = (
                    _differing(OwnerState(user, {tx.day: cost}), [(tx.day, tx.user_seen, tx.cost_seen)])
                    if row == tx._row_read
                    else ["session"]
                )
            return ok

        async def _commit(group: Any, tx: Any, decided: Any) -> None:
            kind = kinds.get(tx.row["id"])
            try:
                await commit(group, tx, decided)
            except StaleSnapshot:
                keys = diffs.pop(id(tx), None)
                cause = "batch" if keys is None else "session" if keys == ["session"] else "owner "
                cause += ",".join(sorted(set(keys))) if cause == "owner " else ""
                c["stale"] += 1
                c[f"stale {kind}: {cause}"] += 1
                raise
            if diffs.pop(id(tx), None) is not None:
                c["rechecked"] += 1
                c[f"rechecked {kind}"] += 1

        def _transaction(s: Any, session_id: str, *, optimistic: bool = False) -> Any:
            if not optimistic:
                c["pessimistic"] += 1
                c[f"pessimistic {kinds.get(session_id)}"] += 1
            return transaction(s, session_id, optimistic=optimistic)

        pg_tx.PgTx.holds = _holds  # type: ignore[method-assign]
        pg_group.GroupCommit.commit = _commit  # type: ignore[method-assign]
        store.SqlStore.transaction = _transaction  # type: ignore[method-assign,assignment]

    def install_sqlite(self) -> None:
        from goalrail.store.sql import runner, sqlite_commit, sqlite_owners, sqlite_store, writer_lock

        c, kinds, diffs = self.c, self.kind, self.diffs
        held, begin, try_acquire = sqlite_store.SqliteStore._held, runner.SqliteRunner.begin_immediate, None
        try_acquire = writer_lock.WriterLock.try_acquire
        holds, write_batch = sqlite_owners._holds, sqlite_commit.write_batch

        def _held(store: Any, session_id: str) -> Any:
            c["pessimistic"] += 1
            c[f"pessimistic {kinds.get(session_id)}"] += 1
            return held(store, session_id)

        async def begin_immediate(r: Any) -> Any:
            c["writer"] += 1
            return await begin(r)

        def try_lock(lock: Any) -> bool:
            got = try_acquire(lock)
            c["waits"] += not got
            return bool(got)

        def _holds(state: Any, views: Any, *rest: Any) -> bool:
            ok = bool(holds(state, views, *rest))
            if not ok:
                diffs[id(views)] = _differing(state, views)
            return ok

        def batch(conn: Any, items: list[Any], *rest: Any) -> Any:
            stale, found = write_batch(conn, items, *rest)
            for item in stale:
                kind = kinds.get(item.session_id)
                keys = diffs.pop(id(item.views), None)
                c["stale"] += 1
                c[f"stale {kind}: " + (f"owner {','.join(sorted(set(keys)))}" if keys is not None else "session")] += 1
            diffs.clear()
            return stale, found

        load, owner_rows = sqlite_store._load_session, sqlite_store._owner_rows

        def _load_session(*args: Any) -> Any:
            c["session loads"] += 1
            return load(*args)

        def _owner_rows(*args: Any) -> Any:
            c["owner reads"] += 1
            return owner_rows(*args)

        sqlite_store._load_session, sqlite_store._owner_rows = _load_session, _owner_rows
        sqlite_store.SqliteStore._held = _held  # type: ignore[method-assign]
        runner.SqliteRunner.begin_immediate = begin_immediate  # type: ignore[method-assign]
        writer_lock.WriterLock.try_acquire = try_lock  # type: ignore[method-assign]
        sqlite_owners._holds = _holds
        sqlite_commit.write_batch = batch


def _differing(state: Any, views: Any) -> list[str]:
    """The owner keys (named without the budget's prefix) and costs a snapshot showed otherwise."""
    out = []
    for day, user, cost in views:
        if state.costs.get(day) != cost:
            out.append("cost")
        for key in set(user) | set(state.user):
            if user.get(key, None) != state.user.get(key, None) or (key in user) != (key in state.user):
                tail = key.rsplit(":", 2)
                out.append("reserved:*" if tail[-2] == "reserved" else tail[-1])
    return out or ["(equal)"]


async def run(url: str, sessions: int, events: int, prefix: str = "s", go: str | None = None) -> dict[str, Any]:
    bench = http_bench()
    counts = Counts()
    if go is not None:
        counts.install(url)
    specs = builtin_specs(bench)
    store = await open_store(url)
    try:
        rt = Runtime(store, registry=Registry.load(), server_specs=specs)
        names = [f"{prefix}{i}" for i in range(sessions)]
        verdicts: Counter[str] = Counter()

        async def session(name: str, count: int, offset: int) -> None:
            for i in range(count):
                event = bench.EVENTS[(offset + i) % len(bench.EVENTS)]
                counts.kind[name] = event["type"]
                verdicts[(await rt.evaluate(name, event, owner="owner")).result] += 1

        if go is not None:  # ready: wait for the others
            for name in names:
                await store.ensure_session(name, owner="owner")
            print("ready", flush=True)
            while not os.path.exists(go):
                await asyncio.sleep(0.001)
        await asyncio.gather(*[session(n, 8, k) for k, n in enumerate(names)])  # warm-up
        group = store._pg.group if getattr(store, "_pg", None) is not None else store.group
        stale0, batches0, verdicts = group.stale, group.batches, Counter()
        counts.c.clear()
        cpu0, t0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*[session(n, events // sessions, k) for k, n in enumerate(names)])
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
        n = sum(verdicts.values())
        return {
            "decisions": n,
            "cpu_us": cpu / n * 1e6,
            "rate": n / wall,
            "batches": group.batches - batches0,
            "stale": group.stale - stale0,
            "verdicts": dict(verdicts),
            "counts": dict(counts.c),
        }
    finally:
        await store.close()


def _processes(url: str, processes: int, sessions: int, events: int, tmp: str) -> None:
    async def migrate() -> None:
        await (await open_store(url)).close()

    asyncio.run(migrate())
    go = os.path.join(tmp, "go")
    args = ["--database-url", url, "--sessions", str(sessions // processes), "--events", str(events // processes)]
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, *args, "--child", go, "--prefix", f"p{k}-"], stdout=subprocess.PIPE, text=True
        )
        for k in range(processes)
    ]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    Path(go).touch()
    results = [json.loads(p.communicate(timeout=600)[0].strip().splitlines()[-1]) for p in procs]
    total: Counter[str] = Counter()
    for k, r in enumerate(results):
        total.update(r["counts"])
        total["batches"] += r["batches"]
        print(
            f"process {k}: {r['decisions']} decisions, CPU per decision {r['cpu_us']:.0f} µs, {r['rate']:.0f}/s, "
            f"batches {r['batches']}, stale {r['stale']}, verdicts {r['verdicts']}"
        )
    n = sum(r["decisions"] for r in results)
    print(f"{processes} processes, {n} decisions of one owner; per 1,000 decisions:")
    for key in sorted(total):
        print(f"  {key}: {total[key] * 1000 / n:.1f}  ({total[key]})")
    print(f"load average {os.getloadavg()[0]:.2f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=32)
    p.add_argument("--events", type=int, default=4000)
    p.add_argument("--processes", type=int, default=1)
    p.add_argument("--database-url")
    p.add_argument("--child", help=argparse.SUPPRESS)  # the start file of a --processes run
    p.add_argument("--prefix", default="s", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(run(args.database_url, args.sessions, args.events, args.prefix, args.child))))
        return
    base = args.database_url
    fresh = base is not None and base.startswith("postgresql")
    name = f"goalrail_owner_state_{os.getpid()}"
    with tempfile.TemporaryDirectory() as tmp:
        url = http_bench().create_database(base, name) if fresh else base or f"sqlite:///{tmp}/owner.db"
        try:
            _main(url, args, tmp)
        finally:
            if fresh:
                http_bench().drop_database(base, name)


def _main(url: str, args: argparse.Namespace, tmp: str) -> None:
    if args.processes > 1:
        _processes(url, args.processes, args.sessions, args.events, tmp)
    else:
        r = asyncio.run(run(url, args.sessions, args.events))
        print(
            f"{r['decisions']} decisions of {args.sessions} sessions of one owner: CPU per decision "
            f"{r['cpu_us']:.0f} µs, {r['rate']:.0f}/s, batches {r['batches']}, stale {r['stale']}, "
            f"verdicts {r['verdicts']}, load average {os.getloadavg()[0]:.2f}"
        )


if __name__ == "__main__":
    main()
