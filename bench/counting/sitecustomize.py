"""Counters of a ``goalrail server`` on PostgreSQL, for ``http_api.py --counts`` (bench only).

Loaded by Python's ``site`` when this folder is on a server's ``PYTHONPATH`` and
``GOALRAIL_BENCH_COUNTS`` names a file prefix: once ``goalrail.server.app`` is first
imported, the store's decision path is wrapped to count, and the counts are written as
JSON to ``<prefix>.<pid>.json`` twice a second (a server stopped by SIGTERM may not run
``atexit``): statements and round trips sent through libpq (``pg_wire.round_trip``, by
statement; the distinct texts), SQLAlchemy statements and pool checkouts, the group
commit's batches, decisions and stale refusals, the decision reads and their statements,
session-cache hits, and the rechecks (``owners.same_decision``: a decision whose view of
the owner no longer held, evaluated again) and how many said the same.
"""

from __future__ import annotations

import collections
import importlib.abc
import json
import os
import sys
import threading
import time
from typing import Any

_OUT = os.environ.get("GOALRAIL_BENCH_COUNTS")
_COUNTS: collections.Counter[str] = collections.Counter()
_OBJECTS: list[Any] = []
_TEXTS: set[str] = set()  # the distinct statement texts sent (each prepared apart, per connection)


def _label(sql: str) -> str:
    words = sql.split()
    if words[:1] == ["WITH"] and len(words) > 2:  # name the CTE's table
        return " ".join(words[:6])[:50]
    return " ".join(words[:4])[:50]


def _wrap_wire() -> None:
    from goalrail.store.sql import pg_batch, pg_group, pg_reads, pg_wire

    send = pg_wire.round_trip

    async def round_trip(driver: Any, steps: Any, *args: Any, **kwargs: Any) -> Any:
        _COUNTS["round trips"] += 1
        for sql, _ in steps:
            _COUNTS["statements"] += 1
            _COUNTS["statement: " + _label(sql)] += 1
            _TEXTS.add(sql)
        return await send(driver, steps, *args, **kwargs)

    for module in (pg_reads, pg_batch, pg_group):
        module.round_trip = round_trip  # type: ignore[attr-defined]


def _wrap_objects() -> None:
    from goalrail.store.sql import pg_group, pg_reads, pg_tx

    for cls in (pg_group.GroupCommit, pg_reads.Reader):
        init = cls.__init__

        def counted(self: Any, *args: Any, _init: Any = init, **kwargs: Any) -> None:
            _init(self, *args, **kwargs)
            _OBJECTS.append(self)

        cls.__init__ = counted  # type: ignore[method-assign]
    same = pg_tx.same_decision

    def same_decision(commit: Any, user: Any, cost: Any) -> bool:
        _COUNTS["rechecks"] += 1
        out = same(commit, user, cost)
        _COUNTS["rechecks that said the same"] += bool(out)
        return out

    pg_tx.same_decision = same_decision  # type: ignore[assignment]


def _wrap_sqlalchemy() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import Pool

    def before(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        _COUNTS["SQLAlchemy statements"] += 1

    def checkout(*args: Any) -> None:
        _COUNTS["SQLAlchemy checkouts"] += 1

    event.listen(Engine, "before_cursor_execute", before)
    # A pooled read or transaction, whatever it runs: ``statements.query`` executes on the
    # driver's cursor, which no statement event sees (the decision reads' kept connections
    # are checked out once, then kept).
    event.listen(Pool, "checkout", checkout)


def _dump() -> None:
    totals = collections.Counter(_COUNTS)
    totals["distinct statement texts"] = len(_TEXTS)
    for obj in list(_OBJECTS):
        if hasattr(obj, "stale"):  # the group commit
            totals["batches"] += obj.batches
            totals["decisions committed"] += obj.decisions
            totals["stale"] += obj.stale
        else:  # the reader
            totals["reader round trips"] += obj.reads
            totals["decision reads"] += obj.decisions
            totals["session-cache hits"] += obj.cache.hits
    path = f"{_OUT}.{os.getpid()}.json"
    with open(path + ".tmp", "w") as f:
        json.dump(dict(totals), f)
    os.replace(path + ".tmp", path)


def _keep_dumping() -> None:
    while True:
        time.sleep(0.5)
        try:
            _dump()
        except Exception:  # a bench's counters never stop the server
            continue


def _install() -> None:
    _wrap_wire()
    _wrap_objects()
    _wrap_sqlalchemy()
    threading.Thread(target=_keep_dumping, daemon=True).start()


class _OnServer(importlib.abc.MetaPathFinder):
    """Installs the counters when ``goalrail.server.app`` is first imported."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> None:
        if name == "goalrail.server.app":
            sys.meta_path.remove(self)
            _install()


if _OUT:
    sys.meta_path.insert(0, _OnServer())
