"""Group commit on PostgreSQL: the decisions of several sessions in one transaction.

The commits of optimistic evaluations (``pg_tx.py``) queue up while a batch is
in flight; the next batch takes them all (up to ``GroupCommit.LIMIT``,
``pg_group.py``) and runs two round trips and five statements whatever its size:

1. ``BEGIN``; one statement taking every lock in order: every session row of the
   batch (``FOR UPDATE``, in id order), then every owner (the advisory lock all
   writers of an owner's rows take, in order), then the audit lock; one statement
   reading, under them, what the snapshots' checks need (the owners' state and
   cost of the day) and the audit chain's head;
   then, in Python: check each snapshot still holds (its session row unchanged, its
   owner's state and cost of the day as it showed them, counting the writes of
   the batch's earlier decisions: parsed values, compared by kind and value) or,
   its session row unchanged, that its decision says exactly the same on the
   owner's state at its place (``PgTx.stands``, ``Commit.recheck``), compute the
   writes and seal the audit rows one after the other onto the head;
2. every write of every table as one statement (a data-modifying ``WITH`` query
   per table, each reading its rows from one JSON array), and ``COMMIT``, in one
   pipeline (a resolved approval adds a statement of its own).  Each round trip goes
   through libpq directly (``pg_wire.round_trip``: one flush, one wait).

The driver's and the server's cost of a batch grows with its statements (each a
parse, bind, execute and result), not with its rows: five statements carry one
decision or sixty-four.

The audit chain is global (one sequence across sessions and replicas), so its
lock serializes writers; a batch takes it once for all its decisions, which is
what lets throughput grow with load instead of being one fsync per decision.
Locks are taken in a fixed order (session rows, owners, audit), the order the
pessimistic path (``tx.py``) takes them in too.  A deadlock or serialization
failure fails the batch's decisions as stale: they are evaluated again.

The replica's queued decisions and what each batch commits for its owners are
told to ``pg_owners.Owners``, so the snapshots taken meanwhile show the owner's
state as the queue will leave it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
import psycopg
from psycopg.rows import TupleRow

from goalrail.engine.state import apply_update
from goalrail.jsontypes import JsonObject
from goalrail.runtime.ports import HISTORY_LIMIT, Commit
from goalrail.store.sql import rows
from goalrail.store.sql.changes import (
    UPDATED_FIELDS,
    approval_params,
    sealed_audit,
    session_row,
    state_writes,
    update_row,
)
from goalrail.store.sql.pg_owners import OwnerState
from goalrail.store.sql.pg_wire import round_trip
from goalrail.store.sql.statements import (
    APPROVAL_FIELDS,
    APPROVAL_JSON,
    SESSION_FIELDS,
    USAGE_FIELDS,
    Params,
    document,
    dumps,
    for_dialect,
    loads,
)
from goalrail.store.sql.tx import AUDIT_LOCK, USER_LOCK

if TYPE_CHECKING:
    from goalrail.store.sql.pg_tx import PgTx

#: Told what the batch's owners hold as read and once it commits (``pg_owners.Owners.landing``).
Landing = Callable[[dict[str, tuple[OwnerState, OwnerState]]], None]
_PG = for_dialect("postgresql")
USAGE_COLUMNS = (
    "session_id", "owner", "model", "input_tokens", "output_tokens", "cache_read_tokens",
    "cache_write_tokens", "cost_usd", "price_source", "at", "day",
)  # fmt: skip

_COLUMNS = ", ".join("CAST(labels AS text)" if name == "labels" else name for name in SESSION_FIELDS)
_DOC = "json_array_elements(CAST(%(d)s AS json)) x"
#: The batch's locks, in one statement, in the order every writer takes them: the session
#: rows (``FOR UPDATE``, in id order; the rows come back as the lock leaves them), then each
#: owner (the advisory lock all writers of an owner's rows take, in order), then the audit
#: chain.  Each lock waits for the one before it: a part's ``WHERE`` counts the rows of the
#: part before, which runs it to the end first.
LOCKS = (
    f"WITH s AS (SELECT {_COLUMNS} FROM sessions WHERE id = ANY(%(ids)s) ORDER BY id FOR UPDATE), "
    "o AS (SELECT pg_advisory_xact_lock(%(a)s, hashtext(o)) FROM (SELECT unnest(CAST(%(owners)s AS text[])) AS o "
    "ORDER BY 1) AS ordered WHERE (SELECT count(*) FROM s) >= 0), "
    "k AS (SELECT pg_advisory_xact_lock(%(k)s) WHERE (SELECT count(*) FROM o) >= 0) "
    "SELECT * FROM s WHERE (SELECT count(*) FROM k) >= 0"
)
#: What the checks read once every lock is held (a statement of its own: its snapshot is
#: taken after them): the owners' state ('u'), their cost of the batch's days ('d') and
#: the audit chain's head ('a').
READS = (
    "SELECT 'u', owner, key, CAST(value AS text) FROM user_state WHERE owner = ANY(%(owners)s) "
    "UNION ALL SELECT 'd', owner, day, CAST(cost_usd AS text) FROM usage_days WHERE (owner, day) IN "
    "(SELECT * FROM unnest(CAST(%(day_owners)s AS text[]), CAST(%(days)s AS text[]))) "
    "UNION ALL (SELECT 'a', CAST(seq AS text), hash, NULL FROM audit ORDER BY audit.seq DESC LIMIT 1)"
)
_SESSION_SET = ", ".join(
    [
        "labels = CAST(x->>1 AS json)",
        "model = x->>2",
        "harness = x->>3",
        "ended = x->>4",
        "last_activity = CAST(x->>5 AS double precision)",
        "history_count = CAST(x->>6 AS integer)",
    ]
    + [
        f"{name} = CAST(x->>{7 + i} AS {'double precision' if name == 'usage_cost' else 'bigint'})"
        for i, name in enumerate(USAGE_FIELDS)
    ]
)


def _approval_columns() -> list[str]:
    """``x->>i`` for each approval column, cast to its type (JSON columns arrive as JSON text)."""
    casts = dict.fromkeys(APPROVAL_JSON, "json") | {
        "created_at": "double precision",
        "expires_at": "double precision",
        "resolved_at": "double precision",
    }
    return [f"CAST(x->>{i} AS {casts[n]})" if n in casts else f"x->>{i}" for i, n in enumerate(APPROVAL_FIELDS)]


WRITES = {
    "session_state.put": "INSERT INTO session_state (session_id, key, value) "
    f"SELECT x->>0, x->>1, CAST(x->>2 AS json) FROM {_DOC} "
    "ON CONFLICT (session_id, key) DO UPDATE SET value = excluded.value",
    "session_state.del": f"DELETE FROM session_state s USING {_DOC} WHERE s.session_id = x->>0 AND s.key = x->>1",
    "policy_state.put": "INSERT INTO policy_state (session_id, namespace, key, value) "
    f"SELECT x->>0, x->>1, x->>2, CAST(x->>3 AS json) FROM {_DOC} "
    "ON CONFLICT (session_id, namespace, key) DO UPDATE SET value = excluded.value",
    "policy_state.del": f"DELETE FROM policy_state s USING {_DOC} "
    "WHERE s.session_id = x->>0 AND s.namespace = x->>1 AND s.key = x->>2",
    "user_state.put": "INSERT INTO user_state (owner, key, value) "
    f"SELECT x->>0, x->>1, CAST(x->>2 AS json) FROM {_DOC} "
    "ON CONFLICT (owner, key) DO UPDATE SET value = excluded.value",
    "user_state.del": f"DELETE FROM user_state s USING {_DOC} WHERE s.owner = x->>0 AND s.key = x->>1",
    "history.put": "INSERT INTO history (session_id, slot, n, entry) "
    f"SELECT x->>0, CAST(x->>1 AS integer), CAST(x->>2 AS integer), CAST(x->>3 AS json) FROM {_DOC} "
    "ON CONFLICT (session_id, slot) DO UPDATE SET n = excluded.n, entry = excluded.entry",
    # Each row's new version (``pg_reads``): the id of this transaction.
    "session.update": f"UPDATE sessions SET {_SESSION_SET} FROM {_DOC} WHERE sessions.id = x->>0 "
    "RETURNING sessions.id, CAST(sessions.xmin AS text)",
    "day_cost.set": "INSERT INTO usage_days (owner, day, cost_usd) "
    f"SELECT x->>0, x->>1, CAST(x->>2 AS double precision) FROM {_DOC} "
    "ON CONFLICT (owner, day) DO UPDATE SET cost_usd = excluded.cost_usd",
    "grant.put": f"INSERT INTO grants (session_id, key) SELECT x->>0, x->>1 FROM {_DOC} ON CONFLICT DO NOTHING",
    "approval.put": f"INSERT INTO approvals ({', '.join(APPROVAL_FIELDS)}) "
    f"SELECT {', '.join(_approval_columns())} FROM {_DOC}",
    "audit.put": "INSERT INTO audit (seq, at, kind, session_id, payload, prev_hash, hash) "
    "SELECT CAST(x->>0 AS bigint), CAST(x->>1 AS double precision), x->>2, x->>3, x->>4, x->>5, x->>6 "
    f"FROM {_DOC}",
    "usage.put": f"INSERT INTO usage ({', '.join(USAGE_COLUMNS)}) SELECT x->>0, x->>1, x->>2, "
    + ", ".join(f"CAST(x->>{i} AS bigint)" for i in range(3, 7))
    + ", CAST(x->>7 AS double precision), x->>8, CAST(x->>9 AS double precision), x->>10 "
    f"FROM {_DOC}",
}
_STATEMENTS: dict[tuple[str, ...], str] = {}


def write_all(names: tuple[str, ...]) -> str:
    """``WRITES[name]`` for each of ``names`` as one statement: each a data-modifying
    ``WITH`` query reading its own parameter ``d<i>``, the statement returning what
    ``session.update`` returns.  One statement costs the driver and the server one
    parse, bind and execute instead of one per table; its parts share one snapshot,
    which they may: no two of them touch the same row (a decision's upserts and
    deletes name different keys, and a batch holds each session once)."""
    sql = _STATEMENTS.get(names)
    if sql is None:
        parts = [f"w{i} AS ({WRITES[name].replace('%(d)s', f'%(d{i})s')})" for i, name in enumerate(names)]
        out = f"SELECT * FROM w{names.index('session.update')}" if "session.update" in names else "SELECT 1 WHERE false"
        sql = _STATEMENTS.setdefault(names, f"WITH {', '.join(parts)} {out}")
    return sql


#: The writes whose rows hold only strings, integers and None (the audit row's time is its
#: text): their JSON arrays are encoded by orjson, several times faster than ``json.dumps``
#: on these documents; the others hold floats, which orjson would write as ``null`` were
#: one not finite (``json.dumps`` writes a token PostgreSQL refuses).
_ORJSON = frozenset(["session_state.put", "session_state.del", "policy_state.put", "policy_state.del"])
_ORJSON |= {"user_state.put", "user_state.del", "history.put", "grant.put", "audit.put"}


def _doc(name: str, rows: list[list[Any]]) -> str:
    """One write's rows as the JSON array its statement reads (what PostgreSQL parses:
    the array's own text is never stored, only the values ``x->>i`` takes out of it)."""
    if name in _ORJSON:
        try:
            return orjson.dumps(rows).decode()
        except TypeError:  # orjson.JSONEncodeError: an integer past 64 bits, say
            pass
    return dumps(rows)


_KEYS = {  # the columns of each state table's rows, in the order WRITES reads them
    "session_state": ("sid", "key"),
    "policy_state": ("sid", "ns", "key"),
    "user_state": ("owner", "key"),
}


@dataclass
class _Batch:
    """What the batch has read (updated as its decisions are planned) and will write."""

    users: dict[str, JsonObject]  # owner → key → value (parsed)
    costs: dict[tuple[str, str], float]  # (owner, day) → cost of the day
    head: Any  # (seq, hash) of the audit chain, or None
    writes: dict[str, list[list[Any]]] = field(default_factory=dict)
    users_touched: set[tuple[str, str]] = field(default_factory=set)
    days_touched: set[tuple[str, str]] = field(default_factory=set)
    after: list[tuple[str, Params]] = field(default_factory=list)  # one statement each (resolved approvals)

    def add(self, name: str, row: list[Any]) -> None:
        self.writes.setdefault(name, []).append(row)

    def steps(self) -> list[tuple[str, Any]]:
        """The statements, ``session.update`` first (``run_batch`` reads what it returns)."""
        for owner, key in sorted(self.users_touched):
            if key in self.users[owner]:
                self.add("user_state.put", [owner, key, dumps(self.users[owner][key])])
            else:
                self.add("user_state.del", [owner, key])
        for owner, day in sorted(self.days_touched):
            self.add("day_cost.set", [owner, day, self.costs[(owner, day)]])
        if not self.writes:
            return self.after
        names = tuple(sorted(self.writes, key=lambda name: name != "session.update"))
        params = {f"d{i}": _doc(name, self.writes[name]) for i, name in enumerate(names)}
        return [(write_all(names), params), *self.after]


async def run_batch(
    driver: psycopg.AsyncConnection[TupleRow], items: list[tuple[PgTx, Commit]], landing: Landing
) -> tuple[list[bool], dict[str, str]]:
    """Check and write ``items`` in one transaction on ``driver`` (an autocommit
    connection: the transaction is this function's ``BEGIN`` … ``COMMIT``) and commit
    it: which of them held, and each written session row's new version.  Before the
    writes go out, ``landing`` is told each owner's state and cost of the batch's days
    as read and as they will be once the batch commits."""
    owners = sorted({tx.row["owner"] or "" for tx, _ in items})
    days = sorted(
        {(tx.row["owner"] or "", tx.day) for tx, _ in items}
        | {(tx.row["owner"] or "", c.usage.day) for tx, c in items if c.usage is not None}
    )
    locks = {"ids": sorted({tx.row["id"] for tx, _ in items}), "a": USER_LOCK, "owners": owners, "k": AUDIT_LOCK}
    reads = {"owners": owners, "day_owners": [o for o, _ in days], "days": [d for _, d in days]}
    _, locked, found = await round_trip(driver, [("BEGIN", None), (LOCKS, locks), (READS, reads)])
    fresh = {r[0]: session_row(r) for r in locked}
    batch = _Batch(users={owner: {} for owner in owners}, costs={}, head=None)
    for kind, a, b, value in found:
        if kind == "u":
            batch.users[a][b] = loads(value)
        elif kind == "d":
            batch.costs[(a, b)] = float(value)
        else:
            batch.head = (int(a), b)
    found_states = _owner_states(batch, owners, days)
    held: list[bool] = []
    for tx, c in items:
        owner = tx.row["owner"] or ""
        ok = tx.stands(fresh.get(tx.row["id"]), batch.users[owner], batch.costs.get((owner, tx.day)), c)
        held.append(ok)
        if ok:
            _plan(tx, c, batch)
    left = _owner_states(batch, owners, days)
    landing({owner: (found_states[owner], left[owner]) for owner in owners})
    written = await round_trip(driver, [*batch.steps(), ("COMMIT", None)])
    versions = {sid: version for sid, version in written[0]} if "session.update" in batch.writes else {}
    return held, versions


def _owner_states(batch: _Batch, owners: list[str], days: list[tuple[str, str]]) -> dict[str, OwnerState]:
    """Each owner's state and cost of the batch's days, as the batch holds them now (copies)."""
    states = {owner: OwnerState(dict(batch.users[owner]), {}) for owner in owners}
    for owner, day in days:
        states[owner].costs[day] = batch.costs.get((owner, day))
    return states


def _plan(tx: PgTx, c: Commit, batch: _Batch) -> None:
    """Add the writes of one decision whose snapshot holds (as ``SqlTx._commit`` writes them)."""
    row, sid, owner = tx.row, tx.row["id"], tx.row["owner"] or ""
    tx.written = []
    if c.session_updates:
        _state(tx, batch, "session_state", {"sid": sid}, c.session_updates, tx.known(c.session_updates))
    for ns, upds in c.policy_updates.items():
        _state(tx, batch, "policy_state", {"sid": sid, "ns": ns}, upds, tx.known(upds, ns))
    if c.user_updates:  # applied to the owner's values in order, written once per key at the end (``steps``)
        known = batch.users[owner]
        for upd in c.user_updates:
            apply_update(known, upd)
            batch.users_touched.add((owner, upd["key"]))
    n = update_row(row, c)
    tx.history_written = None if n is None else dumps(c.history)
    if n is not None:
        batch.add("history.put", [sid, n % HISTORY_LIMIT, n, tx.history_written])
    if c.usage is not None:
        day = (owner, c.usage.day)
        batch.costs[day] = batch.costs.get(day, 0.0) + (c.usage.cost_usd or 0.0)
        batch.days_touched.add(day)
        values = rows.usage_values(sid, row["owner"], c.usage)
        batch.add("usage.put", [values[name] for name in USAGE_COLUMNS])
    batch.add("session.update", [sid, dumps(row["labels"]), *(row[f] for f in UPDATED_FIELDS)])
    for key in dict.fromkeys(c.grants or ()):
        batch.add("grant.put", [sid, key])
    if c.audit is not None:
        sealed = sealed_audit(c.audit, batch.head)
        at = float.__repr__(sealed["at"])  # as its text: read by a cast, as a parameter would be
        batch.add(
            "audit.put",
            [sealed["seq"], at, *(sealed[k] for k in ("kind", "session_id", "payload", "prev_hash", "hash"))],
        )
        batch.head = (sealed["seq"], sealed["hash"])
    if c.approval is not None:  # JSON columns as ``document`` writes them (None is `null`)
        values = rows.approval_values(c.approval)
        batch.add("approval.put", [document(values[n]) if n in APPROVAL_JSON else values[n] for n in APPROVAL_FIELDS])
    if c.resolve_approval is not None:
        batch.after.append((_PG["approval.resolve"], approval_params(c.resolve_approval)))


def _state(
    tx: PgTx, batch: _Batch, table: str, where: dict[str, Any], updates: Sequence[Any], known: JsonObject
) -> None:
    """Apply ``updates`` to ``known`` (``tx.state_writes``), queue the rows that change and
    tell ``tx`` what they are (``tx.written``: table, namespace, key, JSON text or None)."""
    for name, params in state_writes(table, where, updates, known):
        put = name.endswith(".put")
        for p in params:
            batch.add(name, [p[col] for col in _KEYS[table]] + ([p["value"]] if put else []))
            tx.written.append((table, p.get("ns", ""), p["key"], p["value"] if put else None))
