"""Counts per decision of a PostgreSQL run of ``http_api.py --counts`` (load-independent).

The servers count their own side (``counting/sitecustomize.py``: statements and round
trips by statement, batches, decision reads, stale refusals, rechecks, SQLAlchemy
statements); the database's side is read from its statistics once the servers have
stopped (their backends flush them as they exit): transactions committed and rolled
back, rows inserted, updated (HOT or not) and deleted by table, rows read; and the WAL
written from the database's creation to the end (the whole server's: other users of
it included).  Everything counts the warm-up too, divided by the decisions committed
over the same span.
"""

from __future__ import annotations

import collections
import json
import time
from pathlib import Path
from typing import Any

TABLES = "SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del FROM pg_stat_user_tables ORDER BY relname"
DATABASE = (
    "SELECT xact_commit, xact_rollback, tup_returned, tup_fetched, blks_hit + blks_read "
    "FROM pg_stat_database WHERE datname = current_database()"
)


def _dsn(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def wal_lsn(url: str) -> int:
    """The server's WAL position in bytes."""
    import psycopg

    with psycopg.connect(_dsn(url), autocommit=True) as conn:
        row = conn.execute("SELECT pg_current_wal_lsn() - '0/0'").fetchone()
    return int(row[0]) if row else 0


def backends(url: str) -> dict[int, float]:
    """CPU seconds of each backend connected to the URL's database (this machine's server,
    read from ``/proc``): PostgreSQL's work for this database alone, whoever else uses it."""
    import os

    import psycopg

    with psycopg.connect(_dsn(url), autocommit=True) as conn:
        own = conn.info.backend_pid
        pids = [p for (p,) in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")]
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if pid != own:
            out[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def backends_since(url: str, before: dict[int, float]) -> float:
    """CPU seconds the database's backends used since ``before`` (``backends``); one that
    exited meanwhile is not counted (the servers keep theirs open for the whole run)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in backends(url).items())


def database(url: str) -> dict[str, Any]:
    """The database's statistics (read a moment after its last backend exited)."""
    import psycopg

    time.sleep(1.0)
    with psycopg.connect(_dsn(url), autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(DATABASE).fetchone() or (0, 0, 0, 0, 0)
        tables = {name: rest for name, *rest in conn.execute(TABLES)}
        lsn = conn.execute("SELECT pg_current_wal_lsn() - '0/0'").fetchone()
    out: dict[str, Any] = dict(zip(("commits", "rollbacks", "returned", "fetched", "buffers"), row, strict=True))
    out["tables"], out["lsn"] = tables, int(lsn[0]) if lsn else 0
    return out


def servers(prefix: str) -> collections.Counter[str]:
    """The servers' own counts, summed over the replicas."""
    total: collections.Counter[str] = collections.Counter()
    for path in Path(prefix).parent.glob(Path(prefix).name + ".*.json"):
        total.update(json.loads(path.read_text()))
    return total


def report(label: str, own: collections.Counter[str], db: dict[str, Any], wal: int) -> list[str]:
    """Lines of counts per decision committed."""
    n = max(1, own["decisions committed"])
    per = lambda x: f"{x / n:.3f}"  # noqa: E731
    lines = [
        f"{label}: counts per decision ({n} committed, warm-up included)",
        f"  server: statements {per(own['statements'])}, round trips {per(own['round trips'])}, "
        f"group commits {per(own['batches'])} ({n / max(1, own['batches']):.1f} decisions each), "
        f"decision reads per read round trip {own['decision reads'] / max(1, own['reader round trips']):.1f}, "
        f"stale {per(own['stale'])}, rechecks {per(own['rechecks'])} "
        f"(same {per(own['rechecks that said the same'])}), SQLAlchemy statements {per(own['SQLAlchemy statements'])}, "
        f"pool checkouts {per(own['SQLAlchemy checkouts'])}",
    ]
    by = sorted(((k[11:], v) for k, v in own.items() if k.startswith("statement: ")), key=lambda kv: -kv[1])
    lines.append(
        "  statements: "
        + "; ".join(f"{per(v)} {k}" for k, v in by)
        + f" ({own['distinct statement texts']} distinct texts, summed over the replicas)"
    )
    tables = db["tables"]
    ins = sum(t[0] for t in tables.values())
    upd = sum(t[1] for t in tables.values())
    hot = sum(t[2] for t in tables.values())
    dele = sum(t[3] for t in tables.values())
    lines.append(
        f"  database: transactions {per(db['commits'])} committed, {per(db['rollbacks'])} rolled back; rows "
        f"inserted {per(ins)}, updated {per(upd)} (HOT {per(hot)}), deleted {per(dele)}; rows read "
        f"{per(db['returned'])}, fetched {per(db['fetched'])}; buffers {per(db['buffers'])}; WAL {wal / n:.0f} B"
    )
    changed = sorted(((name, t) for name, t in tables.items() if any(t)), key=lambda kv: -(kv[1][0] + kv[1][1]))
    lines.append(
        "  rows written by table (ins/upd/hot/del): "
        + "; ".join(f"{name} {per(t[0])}/{per(t[1])}/{per(t[2])}/{per(t[3])}" for name, t in changed)
    )
    return lines
