"""SQLite's group commit (``sqlite_commit``): the rows a decision writes on every
commit, as positional parameters.

Binding a parameter by name costs SQLite's driver a string built from the statement's
parameter name and a dict lookup, and each row's dict costs as much again to build;
the history entry, the session row, the state values, the audit row and an ASK's
approval row are bound by position instead (``POSITIONAL``: the same rows as the
named statements of ``statements`` of the same name write).  Everything else (day
cost, grants, usage records, owner state, and every write outside the group commit)
keeps the named statements.

A batch's rows of one statement go to SQLite several at a time (``execute_rows``): one
``INSERT … VALUES (…), (…), …`` for up to ``SIZES[0]``
rows, so SQLite runs one statement (opens its cursors, halts, resets) per chunk instead
of per row, and the driver lets go of the GIL and takes it back once per chunk.  The
chunks have fixed sizes, so each table needs at most ``len(SIZES)`` prepared statements
(the driver's statement cache keeps them); the rows are written in the same order, with
the same values, as one statement per row would.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from itertools import chain
from operator import attrgetter, itemgetter

from goalrail.jsontypes import JsonValue
from goalrail.policies.schema import StateUpdate
from goalrail.runtime.ports import HISTORY_LIMIT, ApprovalRecord, Commit
from goalrail.store.sql.changes import UPDATED_FIELDS, rare_writes, state_rows, update_row
from goalrail.store.sql.rows import SessionRow
from goalrail.store.sql.statements import APPROVAL_FIELDS, APPROVAL_JSON, Step, document, dumps

#: A positional statement's name (``POSITIONAL``) and one row of its parameters.
Positional = tuple[str, tuple[object, ...]]

_APPROVAL_SET = ", ".join(f"{name} = ?" for name in APPROVAL_FIELDS[1:])
POSITIONAL = {
    "history.put": (
        "INSERT INTO history (session_id, slot, n, entry) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (session_id, slot) DO UPDATE SET n = excluded.n, entry = excluded.entry"
    ),
    "session.update": (
        "UPDATE sessions SET labels = ?, " + ", ".join(f"{name} = ?" for name in UPDATED_FIELDS) + " WHERE id = ?"
    ),
    # A decision that changed none of the row's other columns (labels, model, harness, end, usage
    # totals): its activity and history count only (two columns bound instead of thirteen).
    "session.touch": "UPDATE sessions SET last_activity = ?, history_count = ? WHERE id = ?",
    "session_state.put": (
        "INSERT INTO session_state (session_id, key, value) VALUES (?, ?, ?) "
        "ON CONFLICT (session_id, key) DO UPDATE SET value = excluded.value"
    ),
    "session_state.del": "DELETE FROM session_state WHERE session_id = ? AND key = ?",
    "policy_state.put": (
        "INSERT INTO policy_state (session_id, namespace, key, value) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (session_id, namespace, key) DO UPDATE SET value = excluded.value"
    ),
    "policy_state.del": "DELETE FROM policy_state WHERE session_id = ? AND namespace = ? AND key = ?",
    "audit.put": "INSERT INTO audit (seq, at, kind, session_id, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
    "approval.put": (
        "INSERT INTO approvals ("
        + ", ".join(APPROVAL_FIELDS)
        + ") VALUES ("
        + ", ".join("?" * len(APPROVAL_FIELDS))
        + ")"
    ),
    "approval.resolve": f"UPDATE approvals SET {_APPROVAL_SET} WHERE id = ?",
}

#: ``None`` bound as a parameter is not one of the types the driver binds without looking for an
#: adapter: with none registered it looks up ``PrepareProtocol.__adapt__`` and swallows the
#: AttributeError, for each ``None`` (an ASK's approval row binds three).  Registered, the lookup
#: finds this: ``{}.get(None)``, which is ``None`` again, called in C (process-wide, and the same
#: for every connection: ``None`` is still bound as NULL).
_NOTHING: dict[None, None] = {}
NONE_ADAPTER = _NOTHING.get
sqlite3.register_adapter(type(None), NONE_ADAPTER)

#: Rows per statement: a batch's rows of one statement, in chunks of these sizes.
SIZES = (16, 4, 1)
_VALUES = re.compile(r"(.* VALUES )(\([?, ]+\))(.*)", re.S)


def many(name: str, size: int) -> str:
    """``POSITIONAL[name]`` (an ``INSERT``) for ``size`` rows at once, their parameters one
    after the other."""
    text = POSITIONAL[name]
    if size == 1:
        return text
    found = _VALUES.fullmatch(text)
    if found is None:
        raise ValueError(name)
    head, one, tail = found.groups()
    return head + ", ".join([one] * size) + tail


#: The statements written several rows at a time (an ``UPDATE … FROM (VALUES …)`` of the session rows
#: measured dearer per row than one ``UPDATE`` each: it stays one statement per row).
_MULTI = frozenset(("history.put", "session_state.put", "policy_state.put", "audit.put", "approval.put"))
_MANY = {(name, size): many(name, size) for name in _MULTI for size in SIZES}


def execute_rows(conn: sqlite3.Connection, name: str, rows: list[tuple[object, ...]]) -> None:
    """``POSITIONAL[name]`` for each of ``rows``, in order, in chunks of ``SIZES``."""
    if name not in _MULTI:
        conn.executemany(POSITIONAL[name], rows)
        return
    start, n = 0, len(rows)
    for size in SIZES:
        count = (n - start) // size
        if not count:
            continue
        end = start + count * size
        if size == 1:
            conn.executemany(POSITIONAL[name], rows[start:end])
        else:
            flat = [tuple(chain.from_iterable(rows[i : i + size])) for i in range(start, end, size)]
            conn.executemany(_MANY[name, size], flat)
        start = end


#: ``session.update``'s columns after ``labels``, read in C.
_UPDATED = itemgetter(*UPDATED_FIELDS)
#: The columns ``session.touch`` leaves as they are, read in C.
_UNTOUCHED = itemgetter("labels", *(name for name in UPDATED_FIELDS if name not in ("last_activity", "history_count")))
_APPROVAL = attrgetter(*APPROVAL_FIELDS)
#: The positions of the JSON columns among them, in the fields' order.
_APPROVAL_JSON = tuple(sorted(APPROVAL_FIELDS.index(name) for name in APPROVAL_JSON))


def row_values(row: SessionRow, c: Commit) -> tuple[list[Step], list[Positional]]:
    """``changes.row_writes`` for the group commit: its history entry and session row as
    positional rows; the day cost and grants (rare) as named steps.

    The session row is written whole (``session.update``) when ``c`` changed any column
    besides its last activity and history count; else those two only (``session.touch``:
    the other columns hold what the row in the database holds, since a decision on a
    session changed meanwhile is not written).  A batch holds one decision per session,
    so the two statements never write the same row in one batch."""
    # (annotated, not ``list[Step]()``: calling an alias sets ``__orig_class__`` on the list, which
    # raises AttributeError inside and swallows it, twice per decision)
    sid = row["id"]
    writes: list[Step] = []
    values: list[Positional] = []
    before = _UNTOUCHED(row)
    n = update_row(row, c)
    if n is not None:
        values.append(("history.put", (sid, n % HISTORY_LIMIT, n, dumps(c.history))))
    rare_writes(row, c, writes)
    if _UNTOUCHED(row) == before:
        values.append(("session.touch", (row["last_activity"], row["history_count"], sid)))
    else:
        values.append(("session.update", (dumps(row["labels"]), *_UPDATED(row), sid)))
    return writes, values


def state_values(
    table: str,
    where: tuple[str, ...],
    updates: Sequence[StateUpdate],
    known: dict[str, JsonValue],
    texts: dict[str, str],
    out: list[Positional],
) -> None:
    """``changes.state_writes`` for the group commit, appended to ``out`` (``where``: the
    session id, or the session id and the policy namespace)."""
    present, gone = state_rows(updates, known, texts)
    put, delete = f"{table}.put", f"{table}.del"
    for key, text in present:
        out.append((put, (*where, key, text)))
    for key in gone:
        out.append((delete, (*where, key)))


def approval_row(a: ApprovalRecord, resolve: bool = False) -> tuple[object, ...]:
    """``changes.approval_params`` for ``approval.put`` (or ``approval.resolve``: the id last)."""
    row = list(_APPROVAL(a))
    for i in _APPROVAL_JSON:  # (four columns of nineteen: no pass over the others)
        row[i] = document(row[i])
    return (*row[1:], row[0]) if resolve else tuple(row)
