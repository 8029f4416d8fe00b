"""Process CPU of a SQL store's snapshot and group commit per batch, at fixed
batch sizes (no policies, no runtime, no HTTP).

    python bench/group_commit.py --store sqlite [--sizes 1,12,32] [--rounds 300] [--asks]
    python bench/group_commit.py --store postgres [--database-url postgresql://postgres@127.0.0.1:5432/test]
                                 [--sizes 1,8,32] [--rounds 300]

For each size N: N sessions of one owner; each round, N concurrent decisions take
their snapshot (SQLite: from the cache, after the runtime's ``ensure_session``
check; PostgreSQL: one shared read) and commit (one batch): a session-state and
a policy-state increment, an owner-state increment, a history entry, a usage
record and an audit row, as a decision under a daily budget writes.  ``--asks``: as
the HTTP bench's ``--chain builtins`` writes (no usage record), every audit payload is a full decision's
(≈ 1.1 KB) and every second decision is an ASK that inserts a pending approval (its
``decision``, ``held``, ``preview`` and ``grant_keys`` shaped as that chain's).  Prints the
process CPU per round (one batch) and per decision, the bytes the process wrote per
decision (SQLite: its WAL frames and checkpoints — what a commit costs beyond the
statements), and the batches run (one per round when every round made one
batch).  SQLite uses a fresh file in a temporary directory; PostgreSQL a fresh
database ``goalrail_gc_<pid>`` next to the one the URL names, dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import json
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from goalrail.engine.approvals import approval_id
from goalrail.runtime.audit import AuditEntry
from goalrail.runtime.ports import ApprovalRecord, Commit, UsageRecord
from goalrail.store import open_store

DAY = "2026-03-01"


POLICIES = [  # the ten of ``http_api.py --chain builtins`` and the system policy, as a decision lists them
    ("session_budget", "cost.cost_budget"),
    ("daily_budget", "cost.user_daily_cost_budget"),
    ("max_tool_calls", "safety.max_tool_calls_per_session"),
    ("rate_limit", "safety.rate_limit"),
    ("pii", "safety.deny_pii_in_llm_request"),
    ("skills", "safety.block_skills"),
    ("tools", "tools.tool_gate"),
    ("working_dir", "working_dir.block_working_dir_changes"),
    ("github", "github.github_policy"),
    ("risk", "risk.risk_score_policy"),
    ("goalrail_add_policy_guard", "runtime.system_policies.ask_on_add_policy"),
]
SERIAL = itertools.count()  # approval ids (rounds repeat `i`: the warm-up's, then the measured ones)
REASON = "risk_score_policy: session risk score 53 reached the threshold 50; `sys_os_shell` is a guarded tool"


def _decision(i: int, ask: bool) -> dict[str, Any]:
    """``Decision.to_dict()`` of the builtins chain (2.4 KB as ``json.dumps`` writes it)."""
    entries = []
    for n, (name, handler) in enumerate(POLICIES):
        verdict = ("ASK" if ask else "ALLOW") if name == "risk" else "ALLOW" if n in (2, 3) else "ABSTAIN"
        reason = REASON if verdict == "ASK" else None
        entries.append({"policy": name, "level": "server", "handler": f"goalrail.policies.builtins.{handler}"})
        entries[-1] |= {"verdict": verdict, "reason": reason, "duration_us": 5.0 + n + i % 7, "mode": "enforce"}
    result = "ASK" if ask else "ALLOW"
    return {"result": result, "reason": f"risk: {REASON}" if ask else "allowed", "policy": "risk", "decisions": entries}


def _approval(sid: str, i: int, decision: dict[str, Any]) -> ApprovalRecord:
    digest = f"{i:064x}"
    event = {"type": "tool_call", "target": "sys_os_shell", "data": {"arguments": {"command": "ls -la src"}}}
    held = {
        "session_updates": [{"key": "risk_score", "action": "increment", "value": 5}],
        "policy_updates": {
            "server:max_tool_calls": [{"key": "tool_calls", "action": "increment", "value": 1, "scope": "policy"}],
            "server:rate_limit": [{"key": "calls", "action": "append", "value": 1000.5 + i, "max_len": 100000}],
        },
        "user_updates": [],
        "labels": {},
        "end_session": None,
        "tool_use_id": None,
    }
    return ApprovalRecord(
        id=_approval_id(sid),
        session_id=sid,
        status="pending",
        digest=digest,
        event_type="tool_call",
        target="sys_os_shell",
        preview=json.dumps(event, indent=2, sort_keys=True),
        reason=decision["reason"],
        policies=["risk"],
        held=held,  # type: ignore[arg-type]
        created_at=1000.0 + i,
        expires_at=4600.0 + i,
        owner="owner",
        grant_keys=[f"risk|tool_call|sys_os_shell|{digest}"],
        decision=decision,
    )


def _approval_id(sid: str) -> str:
    """An id as the runtime makes it (``approvals.approval_id``): the time it was asked (a
    millisecond per approval, always later: the rounds repeat ``i``), then digits as random as
    the runtime's (but the same in every run)."""
    n = next(SERIAL)
    return approval_id(1_800_000_000 + n / 1000, hashlib.sha256(f"{sid}/{n}".encode()).hexdigest()[:24])


def _commit(sid: str, i: int, asks: bool = False) -> Commit:
    inc = {"key": "n", "action": "increment", "value": 1}
    c = Commit(session_updates=[inc], policy_updates={"server:p": [inc]}, user_updates=[inc])
    c.history = {"i": i, "verdict": "ALLOW", "policies": ["p"]}
    if not asks:  # (the builtins chain's events carry no usage)
        c.usage = UsageRecord("m", 100, 20, 0, 0, 0.0125, "test", 1000.0 + i, DAY)
    payload: dict[str, Any] = {"event": {"type": "tool_call", "target": "Bash"}, "i": i}
    if asks:
        ask = (i + int(sid.rpartition("s")[2])) % 2 == 1
        decision = _decision(i, ask)
        payload |= {"decisions": [d for d in decision["decisions"] if d["verdict"] != "ABSTAIN"], "quiet": 8}
        payload |= {"digest": f"{i:064x}", "reason": decision["reason"], "result": decision["result"]}
        payload |= {"actor": {"client_id": "loopback", "role": "agent", "run_as": "local"}, "approval_id": None}
        if ask:
            c.approval = _approval(sid, i, decision)
    c.audit = AuditEntry(1000.0 + i, "decision", sid, payload)
    return c


def _written() -> int:
    """Bytes this process has handed to ``write()`` so far (SQLite's WAL frames and its
    checkpoints' page copies; -1 where ``/proc`` does not tell)."""
    try:
        with open("/proc/self/io") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("wchar:"))
    except (OSError, StopIteration):
        return -1


def _backends(url: str) -> tuple[float, int]:
    """PostgreSQL's side (a URL of this machine's server): the CPU seconds of the backends
    connected to the URL's database (its ``pg_stat_activity`` rows, read from ``/proc``:
    other users of the server excluded) and the WAL position in bytes (the whole server's)."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        pids = [pid for (pid,) in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")]
        lsn = conn.execute("SELECT pg_current_wal_lsn() - '0/0'").fetchone()
        own = conn.info.backend_pid
    total = 0.0
    for pid in pids:
        if pid == own:
            continue
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total, int(lsn[0]) if lsn else 0


def _group(store: Any) -> Any:
    """The store's group commit (its ``batches`` and ``stale`` counters)."""
    pg = getattr(store, "_pg", None)  # PostgreSQL's parts of the SQL store
    return pg.group if pg is not None else store.group


async def _size(url: str, n: int, rounds: int, check: bool, asks: bool) -> None:
    store = await open_store(url)
    try:
        sids = [f"n{n}-s{i}" for i in range(n)]
        for sid in sids:
            await store.ensure_session(sid, owner=f"n{n}-owner")

        async def decide(sid: str, i: int) -> None:
            if check:
                await store.ensure_session(sid)  # (the runtime's: checks the cache is current)
            async with store.transaction(sid, optimistic=True) as tx:
                await tx.snapshot(user_day=DAY)
                await tx.commit(_commit(sid, i, asks))

        for i in range(20):  # warm-up: prepared statements, cached session rows
            await asyncio.gather(*[decide(sid, i) for sid in sids])
        group = _group(store)
        pg = url.startswith("postgresql")
        pg0 = _backends(url) if pg else (0.0, 0)
        b0, w0, c0 = group.batches, _written(), time.process_time()
        for i in range(rounds):
            await asyncio.gather(*[decide(sid, i) for sid in sids])
        cpu = (time.process_time() - c0) / rounds
        written = f"  written {(_written() - w0) / rounds / n / 1024:5.1f} KB per decision" if w0 >= 0 else ""
        if pg:  # the backends' CPU and the WAL (the server's, other users' included) per batch and decision
            pg1 = _backends(url)
            back, wal = (pg1[0] - pg0[0]) / rounds, (pg1[1] - pg0[1]) / rounds
            written += f"  PostgreSQL CPU per batch {back * 1e6:6.0f} µs, per decision {back / n * 1e6:4.0f} µs"
            written += f"  WAL per decision {wal / n / 1024:4.1f} KB"
        print(
            f"batch of {n:>3}: CPU per batch {cpu * 1e6:7.0f} µs  per decision {cpu / n * 1e6:5.0f} µs  "
            f"batches {group.batches - b0}/{rounds}  stale {group.stale}{written}  "
            f"load average {os.getloadavg()[0]:.2f}"
        )
    finally:
        await store.close()


@asynccontextmanager
async def _database(args: argparse.Namespace) -> AsyncIterator[str]:
    """A fresh database (a URL with ``{n}`` for the size) for the run, removed afterwards."""
    if args.store == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/gc-{{n}}.db"
        return
    import psycopg

    base, _, _ = args.database_url.rpartition("/")
    db = f"goalrail_gc_{os.getpid()}"
    admin = await psycopg.AsyncConnection.connect(args.database_url, autocommit=True)
    await admin.execute(f"CREATE DATABASE {db}")
    try:
        yield f"{base}/{db}"
    finally:
        await admin.execute(f"DROP DATABASE {db} WITH (FORCE)")
        await admin.close()


async def main(args: argparse.Namespace) -> None:
    sizes = args.sizes or ("1,12,32" if args.store == "sqlite" else "1,8,32")
    async with _database(args) as url:
        for n in (int(s) for s in sizes.split(",")):
            await _size(url.format(n=n), n, args.rounds, check=args.store == "sqlite", asks=args.asks)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--store", choices=["sqlite", "postgres"], required=True)
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    p.add_argument("--sizes", help="batch sizes (default 1,12,32 on SQLite, 1,8,32 on PostgreSQL)")
    p.add_argument("--rounds", type=int, default=300)
    p.add_argument("--asks", action="store_true", help="full audit payloads; every second decision an ASK")
    try:  # the server's event loop (uvicorn takes uvloop when it is installed)
        import uvloop

        uvloop.run(main(p.parse_args()))
    except ImportError:
        asyncio.run(main(p.parse_args()))
