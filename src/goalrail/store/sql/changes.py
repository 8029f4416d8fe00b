"""What one commit writes, as statements: shared by the locked transaction
(``tx.SqlTx``) and SQLite's group commit (``sqlite_commit``).

Functions here build parameter rows from a session row (a dict shaped like
``statements.SESSION_FIELDS``) and a ``Commit``; the caller holds whatever
serializes the session's writers, so read-modify-write is exact.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TypedDict

from sqlalchemy import Connection

from goalrail.engine.state import apply_update
from goalrail.jsontypes import JsonObject, JsonValue
from goalrail.policies.schema import StateUpdate
from goalrail.runtime import audit
from goalrail.runtime.ports import HISTORY_LIMIT, ApprovalRecord, Commit, UsageRecord
from goalrail.runtime.usage import totals_of
from goalrail.store.sql import rows
from goalrail.store.sql.rows import SessionRow
from goalrail.store.sql.statements import (
    APPROVAL_JSON,
    SESSION_FIELDS,
    USAGE_FIELDS,
    Params,
    Step,
    document,
    dumps,
    load_history_entry,
    loads,
    query,
)


def lock_session(conn: Connection, session_id: str) -> SessionRow | None:
    """The session row, locked for this transaction (``FOR UPDATE`` on PostgreSQL)."""
    found = query(conn, "lock_session", {"id": session_id})
    return session_row(found[0] if found else None)


def session_row(row: Sequence[object] | None) -> SessionRow | None:
    """The ``sessions`` row read by a ``SESSION_FIELDS`` statement, as a dict."""
    if row is None:
        return None
    out: SessionRow = dict(zip(SESSION_FIELDS, row, strict=True))
    out["labels"] = loads(out["labels"]) or {}
    return out


#: A state table's upserts or deletes: (statement name, one row of parameters each).
StateStep = tuple[str, list[dict[str, str]]]


class SealedAudit(TypedDict):
    """An ``audit`` row (the ``audit.put`` statement's parameters)."""

    seq: int
    at: float
    kind: str
    session_id: str | None
    payload: str
    prev_hash: str
    hash: str


class SessionRows:
    """The ``kv`` statement's rows of one session, parsed."""

    __slots__ = ("grants", "history", "policy_states", "state", "texts", "user_state")

    def __init__(self, kv: Iterable[Sequence[str | None]]) -> None:
        # SQLite's cache: the JSON text written of list values (``state_writes``), by
        # ("s", "") for the session's state and ("p", namespace) for a policy's.
        self.texts: dict[tuple[str, str], dict[str, str]] = {}
        self.state: JsonObject = {}
        self.policy_states: dict[str, JsonObject] = {}
        self.user_state: JsonObject = {}
        self.grants: set[str] = set()
        history: list[tuple[int, JsonObject]] = []
        for kind, ns, key, value in kv:
            assert ns is not None and key is not None  # (only `value` is NULL: grants)
            if kind == "s":
                self.state[key] = loads(value)
            elif kind == "p":
                self.policy_states.setdefault(ns, {})[key] = loads(value)
            elif kind == "u":
                self.user_state[key] = loads(value)
            elif kind == "h":
                history.append((int(key), load_history_entry(str(value))))
            else:
                self.grants.add(key)
        history.sort(key=lambda item: item[0])
        self.history = [entry for _, entry in history]


def state_writes(
    table: str,
    where: Mapping[str, str],
    updates: Sequence[StateUpdate],
    known: dict[str, JsonValue],
    texts: dict[str, str] | None = None,
) -> list[StateStep]:
    """The upserts and deletes that apply ``updates`` to the current values ``known``
    (``known`` is updated in place: it holds the new values afterwards); ``where``
    names the rows (``sid``, ``ns`` or ``owner``).

    ``texts`` (SQLite's cache): the JSON text written of each list value of ``known``,
    kept up to date here.  A list that one update appends a scalar to (a rate limit's
    call times) is then encoded from its previous text plus the item, not item by item
    again (the text is ``json.dumps``'s either way: its items joined by ``", "``)."""
    present, gone = state_rows(updates, known, texts)
    steps: list[StateStep] = []
    if present:
        steps.append((f"{table}.put", [{**where, "key": key, "value": text} for key, text in present]))
    if gone:
        steps.append((f"{table}.del", [{**where, "key": key} for key in gone]))
    return steps


def state_rows(
    updates: Sequence[StateUpdate], known: dict[str, JsonValue], texts: dict[str, str] | None = None
) -> tuple[list[tuple[str, str]], list[str]]:
    """``state_writes``'s rows: (key, JSON text) of each key ``updates`` leave present,
    and the keys they remove."""
    keys = [updates[0]["key"]] if len(updates) == 1 else list(dict.fromkeys(u["key"] for u in updates))
    existed = [k in known for k in keys]
    grown = _appends(updates, known, texts) if texts else None
    for upd in updates:
        apply_update(known, upd)
    present: list[tuple[str, str]] = []
    gone: list[str] = []
    for key, was in zip(keys, existed, strict=True):
        if key in known:
            value = known[key]
            text = _grown(grown.get(key), value) if grown else None
            if text is None:
                text = dumps(value)
            if texts is not None:
                if type(value) is list:
                    texts[key] = text
                else:
                    texts.pop(key, None)
            present.append((key, text))
        elif was:
            gone.append(key)
            if texts is not None:
                texts.pop(key, None)
    return present, gone


_SCALARS = (str, int, float, bool, type(None))
#: A list one update appended to: (its length before, its text before, the new item's text).
Grown = tuple[int, str, str]


def _appends(updates: Sequence[StateUpdate], known: dict[str, JsonValue], texts: dict[str, str]) -> dict[str, Grown]:
    """The keys whose one update appends a scalar to a list whose text is known."""
    found: dict[str, Grown] = {}
    for upd in updates:
        key = upd["key"]
        if key in found:  # (a second update of the key: encoded whole)
            found[key] = (-1, "", "")
            continue
        before, text = known.get(key), texts.get(key)
        value = upd.get("value")
        if upd["action"] == "append" and text is not None and type(before) is list and type(value) in _SCALARS:
            found[key] = (len(before), text, dumps(value))
        else:
            found[key] = (-1, "", "")
    return found


def _grown(grown: Grown | None, value: JsonValue) -> str | None:
    """The appended list's text from its previous one; None when it was not just appended
    to (cut to its ``max_len``, set, or updated twice)."""
    if grown is None or type(value) is not list or len(value) != grown[0] + 1 or grown[0] < 0:
        return None
    n, before, item = grown
    return f"{before[:-1]}, {item}]" if n else f"[{item}]"


def update_row(row: SessionRow, c: Commit) -> int | None:
    """Apply ``c`` to the locked session row in place: labels, end, model, harness, last
    activity, history count and usage totals.  Returns the number of ``c``'s history
    entry (None without one).  The row is then written whole (``session_update``)."""
    n = None
    if c.history is not None:
        n = int(row["history_count"])
        row["history_count"] = n + 1
    if c.labels:
        row["labels"] = {**row["labels"], **c.labels}
    if c.end_session:
        row["ended"] = c.end_session
    if c.model:
        row["model"] = c.model
    if c.harness:
        row["harness"] = c.harness
    row["last_activity"] = time.time()
    if c.usage is not None:
        add_usage(row, c.usage)
    return n


#: The columns the ``session.update`` statement writes, after ``id`` and ``labels``.
UPDATED_FIELDS = ("model", "harness", "ended", "last_activity", "history_count", *USAGE_FIELDS)


def session_update(row: SessionRow) -> dict[str, object]:
    """The ``session.update`` statement's parameters for ``row`` (as ``update_row`` left it)."""
    return {"id": row["id"], "labels": dumps(row["labels"]), **{f: row[f] for f in UPDATED_FIELDS}}


def row_writes(row: SessionRow, c: Commit) -> list[Step]:
    """History, session row, day cost and grants of ``c``; ``row`` is updated in place."""
    sid = row["id"]
    writes: list[Step] = []  # (not ``list[Step]()``: see ``sqlite_values.row_values``)
    n = update_row(row, c)
    if n is not None:
        writes.append(("history.put", {"sid": sid, "slot": n % HISTORY_LIMIT, "n": n, "entry": dumps(c.history)}))
    rare_writes(row, c, writes)
    writes.append(("session.update", session_update(row)))
    return writes


def rare_writes(row: SessionRow, c: Commit, writes: list[Step]) -> None:
    """The day cost and grants of ``c`` (most decisions have neither)."""
    if c.usage is not None:
        day = {"owner": row["owner"] or "", "day": c.usage.day, "cost": c.usage.cost_usd or 0.0}
        writes.append(("day_cost.add", day))
    if c.grants:
        writes.append(("grant.put", [{"sid": row["id"], "key": key} for key in dict.fromkeys(c.grants)]))


def record_steps(row: SessionRow, c: Commit) -> list[tuple[str, Params]]:
    """The usage record and approvals of ``c`` as fixed statements (SQLite's group
    commit runs them with ``executemany``, the row-lock path in its batch)."""
    steps: list[tuple[str, Params]] = []
    if c.usage is not None:
        steps.append(("usage.put", rows.usage_values(row["id"], row["owner"], c.usage)))
    if c.approval is not None:
        steps.append(("approval.put", approval_params(c.approval)))
    if c.resolve_approval is not None:
        steps.append(("approval.resolve", approval_params(c.resolve_approval)))
    return steps


def approval_params(a: ApprovalRecord) -> dict[str, object]:
    """The ``approval.put`` and ``approval.resolve`` statements' parameters (JSON columns
    as ``statements.document`` encodes them)."""
    values = rows.approval_values(a)
    for name in APPROVAL_JSON:
        values[name] = document(values[name])
    return values


def row_usage_totals(row: Mapping[str, float]) -> JsonObject:
    """The session row's running totals, shaped by ``runtime.usage.totals_of``."""
    tokens = [int(row[k]) for k in ("usage_input", "usage_output", "usage_cache_read", "usage_cache_write")]
    return totals_of(tokens, int(row["usage_calls"]), int(row["usage_unpriced"]), float(row["usage_cost"]))


def add_usage(row: SessionRow, r: UsageRecord) -> None:
    """Add one record to the locked session row's totals (as ``RunningTotals.add`` does)."""
    row["usage_calls"] = int(row["usage_calls"]) + 1
    row["usage_input"] = int(row["usage_input"]) + r.input_tokens
    row["usage_output"] = int(row["usage_output"]) + r.output_tokens
    row["usage_cache_read"] = int(row["usage_cache_read"]) + r.cache_read_tokens
    row["usage_cache_write"] = int(row["usage_cache_write"]) + r.cache_write_tokens
    if r.cost_usd is None:
        tokens = r.input_tokens + r.output_tokens + r.cache_read_tokens + r.cache_write_tokens
        row["usage_unpriced"] = int(row["usage_unpriced"]) + tokens
    else:
        row["usage_cost"] = float(row["usage_cost"]) + r.cost_usd


def sealed_audit(entry: audit.Entry, head: tuple[int, str] | None) -> SealedAudit:
    """The audit row for ``entry`` sealed onto ``head`` (``(seq, hash)`` or None)."""
    seq, at, kind, session_id, payload, prev, digest = sealed_values(entry, head)
    return {
        "seq": seq,
        "at": at,
        "kind": kind,
        "session_id": session_id,
        "payload": payload,
        "prev_hash": prev,
        "hash": digest,
    }


#: An ``audit`` row's values: seq, at, kind, session_id, payload, prev_hash, hash.
SealedValues = tuple[int, float, str, str | None, str, str, str]


def sealed_values(entry: audit.Entry, head: tuple[int, str] | None) -> SealedValues:
    """``sealed_audit``'s row as positional values, in ``POSITIONAL["audit.put"]``'s order."""
    seq, prev = (int(head[0]) + 1, str(head[1])) if head else (1, audit.GENESIS)
    payload, digest = audit.sealed_payload(entry, prev, seq)  # encoded once: stored and hashed
    return seq, entry.at, entry.kind, entry.session_id, payload, prev, digest
