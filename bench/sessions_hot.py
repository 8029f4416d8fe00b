"""A decision's ``sessions`` update on PostgreSQL, on the schema as revision 0009 left it
(``last_activity`` in two indexes) and as 0010 leaves it (``active_minute`` there instead,
``fillfactor = 80``), alternated: the backend's CPU per update, HOT updates, and the
growth of the table's indexes.

    python bench/sessions_hot.py [--database-url postgresql://postgres@127.0.0.1:5432/test]
                                 [--sessions 32] [--updates 6000] [--rounds 3]

Each schema lives in its own PostgreSQL schema of a fresh database ``goalrail_hot_<pid>``
(created next to the one the URL names, dropped afterwards: other users' transactions in a
shared database hold back the pruning HOT updates rely on), holding
``--sessions`` sessions; each round sends ``--updates`` single-statement transactions,
round robin over the sessions, each the row-lock path's ``session.update`` (every column a
decision may change, ``last_activity`` the current time) on one connection with
``synchronous_commit = off`` (the commit's flush is not what is compared).  The backend's
CPU comes from ``/proc`` (the database on this machine); it is CPU time, not wall time,
but a loaded machine still moves it: compare the alternated rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import psycopg
from alembic import command
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from goalrail.store.sql import migrate

UPDATE = (
    "UPDATE sessions SET labels = %s, model = %s, harness = %s, ended = NULL, last_activity = %s, "
    "history_count = history_count + 1, usage_calls = usage_calls + 1, usage_input = usage_input + 10, "
    "usage_output = usage_output + 5, usage_cost = usage_cost + 0.001 WHERE id = %s"
)
STATS = (
    "SELECT n_tup_upd, n_tup_hot_upd, (SELECT sum(pg_relation_size(indexrelid)) FROM pg_index "
    "WHERE indrelid = 'sessions'::regclass) FROM pg_stat_user_tables WHERE relid = 'sessions'::regclass"
)


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _schema(base: str, revision: str, sessions: int) -> str:
    name = f"goalrail_hot_{revision}_{secrets.token_hex(4)}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    url = f"{base}?options=-csearch_path%3D{name}"
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        command.upgrade(migrate.alembic_config(conn), revision)
        conn.exec_driver_sql(
            "INSERT INTO sessions (id, owner, labels, created_at, last_activity, policies_version, history_count, "
            "usage_calls, usage_input, usage_output, usage_cache_read, usage_cache_write, usage_unpriced, usage_cost) "
            "SELECT 'sess-' || i, 'alice', '{}', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 "
            f"FROM generate_series(1, {sessions}) i"
        )
    engine.dispose()
    return url


def _round(url: str, sessions: int, updates: int) -> tuple[float, int, int, int]:
    """Backend CPU µs per update, and the updates, HOT updates and index bytes added."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        pid = conn.info.backend_pid
        for i in range(50):  # (prepared, warm)
            conn.execute(UPDATE, ('{"env": "dev"}', "m", "h", time.time(), f"sess-{i % sessions + 1}"), prepare=True)
        conn.execute("SELECT pg_stat_force_next_flush()")
        time.sleep(1.1)
        conn.execute("SELECT pg_stat_clear_snapshot()")
        upd0, hot0, size0 = conn.execute(STATS).fetchone() or (0, 0, 0)
        cpu0 = _cpu(pid)
        for i in range(updates):
            conn.execute(UPDATE, ('{"env": "dev"}', "m", "h", time.time(), f"sess-{i % sessions + 1}"), prepare=True)
        cpu = _cpu(pid) - cpu0
        conn.execute("SELECT pg_stat_force_next_flush()")
    time.sleep(1.1)
    with psycopg.connect(url, autocommit=True) as conn:
        upd, hot, size = conn.execute(STATS).fetchone() or (0, 0, 0)
    return cpu / updates * 1e6, upd - upd0, hot - hot0, int(size - size0)


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    p.add_argument("--sessions", type=int, default=32)
    p.add_argument("--updates", type=int, default=6000)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    admin = make_url(args.database_url).set(drivername="postgresql")
    database = f"goalrail_hot_{os.getpid()}"
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {database}")
    base = admin.set(database=database).render_as_string(hide_password=False)
    try:
        urls = {rev: _schema(base, rev, args.sessions) for rev in ("0009", "0010")}
        for r in range(args.rounds):
            for rev, url in urls.items():
                us, upd, hot, grown = _round(url, args.sessions, args.updates)
                print(
                    f"round {r + 1}, revision {rev}: backend CPU {us:5.1f} µs per update; {upd} updates, "
                    f"HOT {hot} ({hot / max(1, upd):.0%}); indexes grew {grown / 1024:.0f} KB; "
                    f"load average {os.getloadavg()[0]:.1f}"
                )
    finally:
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {database} WITH (FORCE)")


if __name__ == "__main__":
    asyncio.run(main())
