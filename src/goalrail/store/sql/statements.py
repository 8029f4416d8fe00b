"""Hand-written SQL for the per-decision path, one string per dialect.

Building, compiling and wrapping SQLAlchemy constructs and results costs far
more than running these statements, and an evaluation runs about a dozen of
them; so the hot path sends fixed SQL straight to the DB-API cursor of the
connection SQLAlchemy manages (its transaction is SQLAlchemy's).  Templates use ``:name`` for
parameters and ``:name!json`` for JSON values (passed as JSON text); JSON is
always read back as text (``json_text(col)``) and parsed by the caller.
Everything else in the store uses SQLAlchemy Core.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import Connection
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.util import await_

from goalrail.engine.state import ReadOnlyEntry
from goalrail.jsontypes import JsonObject, JsonValue

#: A statement's parameters by name.
Params = Mapping[str, object]

_PARAM = re.compile(r":(\w+)(!json)?")


def _render(template: str, dialect: str) -> str:
    if dialect == "postgresql":
        template = template.replace("{t}", "CAST(").replace("{/t}", " AS text)")
        return _PARAM.sub(lambda m: f"CAST(%({m[1]})s AS json)" if m[2] else f"%({m[1]})s", template)
    template = template.replace("{t}", "").replace("{/t}", "")
    return _PARAM.sub(lambda m: f":{m[1]}", template)


def dumps(value: object) -> str:
    """``json.dumps(value)``, byte for byte.  State values are mostly counters and
    flags, and the encoder's set-up costs far more than encoding one: plain
    ints, finite floats, booleans, None and empty containers are written directly
    (as the encoder writes them), and other dicts and lists by the C encoder
    ``json.dumps`` makes, made once (``_encoder``)."""
    if value is None or isinstance(value, bool):
        return "null" if value is None else "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float) and math.isfinite(value):
        return float.__repr__(value)
    if not value and type(value) in (dict, list):
        return "{}" if type(value) is dict else "[]"
    if _ENCODE is not None and isinstance(value, (dict, list)):  # (a history entry, a list of call times)
        return "".join(_ENCODE(value, 0))
    return json.dumps(value)


def _encoder() -> Callable[[object, int], Sequence[str]] | None:
    """``json.dumps``'s own C encoder, with its default settings, made once: ``json.dumps``
    makes one per call (with a dict of the containers being encoded, which only refuses a
    value that contains itself; without it, such a value fails with ``RecursionError``
    instead of ``ValueError``).  None when the C accelerator is missing."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return None
    default = json.JSONEncoder().default
    encode: Callable[[object, int], Sequence[str]]
    encode = make(None, default, json.encoder.encode_basestring_ascii, None, ": ", ", ", False, False, True)
    return encode


#: (``dumps``: a dict or a list encoded by the C encoder ``json.dumps`` would make.)
_ENCODE = _encoder()


def document(value: object) -> str:
    """A JSON column that only the store reads back (an approval's decision, held
    changes, policies and grant keys): compact, by orjson, when orjson's text reads back
    as an equal value -- several times faster than ``json.dumps`` on these documents,
    and about a tenth shorter, which is that much less for the commit to write.  Else
    ``dumps``: what orjson refuses (an integer past 64 bits, a key that is not a
    string), writes as something else (NaN and the infinities as ``null``) or writes
    that the stdlib would not (a dataclass, a datetime).  A reader parses either text
    to the same value."""
    try:
        text = orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError
        return dumps(value)
    return text.decode() if orjson.loads(text) == value else dumps(value)


def loads(text: str | float | None) -> JsonValue:
    # SQLite gives columns declared JSON numeric affinity: "5" comes back as 5.
    if isinstance(text, str):
        value: JsonValue = json.loads(text)
        return value
    return text


@lru_cache(maxsize=8192)
def load_history_entry(text: str) -> JsonObject:
    """History entries repeat in every snapshot of a session: parse each once.
    (Entries are shared, read-only, as the in-memory store shares them.)"""
    return ReadOnlyEntry(json.loads(text))


#: The session's running usage totals (columns of ``sessions``).
USAGE_FIELDS = (
    "usage_calls",
    "usage_input",
    "usage_output",
    "usage_cache_read",
    "usage_cache_write",
    "usage_unpriced",
    "usage_cost",
)
SESSION_FIELDS = (
    "id",
    "owner",
    "agent",
    "labels",
    "model",
    "harness",
    "ended",
    "created_at",
    "last_activity",
    "policies_version",
    "history_count",
    *USAGE_FIELDS,
)
_SESSION_COLUMNS = (
    "id, owner, agent, {t}labels{/t} AS labels, model, harness, ended, created_at, last_activity, "
    "policies_version, history_count, " + ", ".join(USAGE_FIELDS)
)

#: The ``approvals`` columns (``rows.approval_values``), ``id`` first; those in
#: ``APPROVAL_JSON`` are passed as JSON text.
APPROVAL_FIELDS = (
    "id",
    "session_id",
    "status",
    "digest",
    "event_type",
    "target",
    "preview",
    "reason",
    "policies",
    "held",
    "created_at",
    "expires_at",
    "owner",
    "resolved_at",
    "resolved_by",
    "scope",
    "grant_keys",
    "decision",
)
APPROVAL_JSON = ("policies", "held", "grant_keys", "decision")


def _json_param(name: str) -> str:
    return f":{name}!json" if name in APPROVAL_JSON else f":{name}"


_TEMPLATES = {
    "get_session": f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = :id",
    "lock_session": f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = :id",
    "session_version": "SELECT policies_version FROM sessions WHERE id = :id",
    "server_version": "SELECT value FROM meta WHERE key = 'server_policies_version'",
    # Every key/value row one evaluation reads, told apart by `kind`.
    "kv": (
        "SELECT 's' AS kind, '' AS ns, key, {t}value{/t} AS value "
        "FROM session_state WHERE session_id = :sid "
        "UNION ALL SELECT 'p', namespace, key, {t}value{/t} "
        "FROM policy_state WHERE session_id = :sid "
        "UNION ALL SELECT 'u', '', key, {t}value{/t} FROM user_state WHERE owner = :owner "
        "UNION ALL SELECT 'h', '', CAST(n AS VARCHAR(20)), {t}entry{/t} "
        "FROM history WHERE session_id = :sid "
        "UNION ALL SELECT 'g', '', key, NULL FROM grants WHERE session_id = :sid"
    ),
    "day_cost": "SELECT cost_usd FROM usage_days WHERE owner = :owner AND day = :day",
    "day_cost.add": (
        "INSERT INTO usage_days (owner, day, cost_usd) VALUES (:owner, :day, :cost) "
        "ON CONFLICT (owner, day) DO UPDATE SET cost_usd = usage_days.cost_usd + excluded.cost_usd"
    ),
    "session_state.get": "SELECT key, {t}value{/t} FROM session_state WHERE session_id = :sid",
    "session_state.put": (
        "INSERT INTO session_state (session_id, key, value) VALUES (:sid, :key, :value!json) "
        "ON CONFLICT (session_id, key) DO UPDATE SET value = excluded.value"
    ),
    "session_state.del": "DELETE FROM session_state WHERE session_id = :sid AND key = :key",
    "policy_state.get": ("SELECT key, {t}value{/t} FROM policy_state WHERE session_id = :sid AND namespace = :ns"),
    "policy_state.put": (
        "INSERT INTO policy_state (session_id, namespace, key, value) "
        "VALUES (:sid, :ns, :key, :value!json) "
        "ON CONFLICT (session_id, namespace, key) DO UPDATE SET value = excluded.value"
    ),
    "policy_state.del": ("DELETE FROM policy_state WHERE session_id = :sid AND namespace = :ns AND key = :key"),
    "user_state.get": "SELECT key, {t}value{/t} FROM user_state WHERE owner = :owner",
    "user_state.put": (
        "INSERT INTO user_state (owner, key, value) VALUES (:owner, :key, :value!json) "
        "ON CONFLICT (owner, key) DO UPDATE SET value = excluded.value"
    ),
    "user_state.del": "DELETE FROM user_state WHERE owner = :owner AND key = :key",
    "history.put": (
        "INSERT INTO history (session_id, slot, n, entry) VALUES (:sid, :slot, :n, :entry!json) "
        "ON CONFLICT (session_id, slot) DO UPDATE SET n = excluded.n, entry = excluded.entry"
    ),
    "session.update": (
        "UPDATE sessions SET labels = :labels!json, model = :model, harness = :harness, "
        "ended = :ended, last_activity = :last_activity, history_count = :history_count, "
        + ", ".join(f"{name} = :{name}" for name in USAGE_FIELDS)
        + " WHERE id = :id"
    ),
    "grant.put": ("INSERT INTO grants (session_id, key) VALUES (:sid, :key) ON CONFLICT DO NOTHING"),
    # The approved retry's lookup, through ix_approvals_approved (partial: `status = 'approved'` names it).
    "approvals.approved": (
        "SELECT id FROM approvals WHERE session_id = :sid AND status = 'approved' AND digest = :digest"
    ),
    "approvals.approved_digests": "SELECT digest FROM approvals WHERE session_id = :sid AND status = 'approved'",
    # A session's pending approvals as SQLite's cache keeps them (read when it loads the session):
    # the 128 expiring last, through ix_approvals_waiting, not every unanswered ASK the session made.
    # At most 64 wait unexpired (``runtime.asks.MAX_PENDING``), so the count and the answerable
    # ones are among them.
    "approvals.pending_of": (
        "SELECT id, expires_at, digest FROM approvals WHERE session_id = :sid AND status = 'pending' "
        "ORDER BY expires_at DESC LIMIT 128"
    ),
    # Approvals waiting for an answer, counted up to :limit through ix_approvals_waiting (partial:
    # pending rows by expiry, so the expired ones a session accumulates are not visited; no row decoded).
    "approvals.waiting": (
        "SELECT count(*) FROM (SELECT 1 FROM approvals WHERE session_id = :sid AND status = 'pending' "
        "AND expires_at > :now LIMIT :limit) AS waiting"
    ),
    # What a tool_result may answer: the session's unexpired pending rows through ix_approvals_waiting,
    # only those of its call (the digest and the rest checked on the row, nothing decoded).
    "approvals.answerable": (
        "SELECT id FROM approvals WHERE session_id = :sid AND status = 'pending' AND digest = :digest "
        "AND event_type = 'tool_call' AND expires_at > :now"
    ),
    "audit.head": "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
    "audit.put": (
        "INSERT INTO audit (seq, at, kind, session_id, payload, prev_hash, hash) "
        "VALUES (:seq, :at, :kind, :session_id, :payload, :prev_hash, :hash)"
    ),
    "usage.put": (
        "INSERT INTO usage (session_id, owner, model, input_tokens, output_tokens, cache_read_tokens, "
        "cache_write_tokens, cost_usd, price_source, at, day) VALUES (:session_id, :owner, :model, "
        ":input_tokens, :output_tokens, :cache_read_tokens, :cache_write_tokens, :cost_usd, :price_source, :at, :day)"
    ),
    "approval.put": (
        "INSERT INTO approvals ("
        + ", ".join(APPROVAL_FIELDS)
        + ") VALUES ("
        + ", ".join(_json_param(name) for name in APPROVAL_FIELDS)
        + ")"
    ),
    "approval.resolve": (
        "UPDATE approvals SET "
        + ", ".join(f"{name} = {_json_param(name)}" for name in APPROVAL_FIELDS[1:])
        + " WHERE id = :id"
    ),
    "lock.user": "SELECT pg_advisory_xact_lock(:a, hashtext(:b))",
    "lock.audit": "SELECT pg_advisory_xact_lock(:k)",
}


@dataclass(frozen=True)
class Statements:
    sql: dict[str, str]

    def __getitem__(self, name: str) -> str:
        return self.sql[name]


#: The texts of a JSON array parameter ``:ids``, as rows.
_JSON_TEXTS = {
    "sqlite": "SELECT value FROM json_each(:ids)",
    "postgresql": "SELECT json_array_elements_text(:ids!json)",
}


def _build(dialect: str) -> Statements:
    sql = {name: _render(template, dialect) for name, template in _TEMPLATES.items()}
    sessions = f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id IN ({_JSON_TEXTS[dialect]})"
    sql["get_sessions"] = _render(sessions, dialect)
    if dialect == "postgresql":
        sql["lock_session"] += " FOR UPDATE"
    return Statements(sql)


STATEMENTS = {"sqlite": _build("sqlite"), "postgresql": _build("postgresql")}


def for_dialect(name: str) -> Statements:
    return STATEMENTS[name]


def dbapi(conn: Connection) -> DBAPIConnection:
    """The driver's connection under ``conn`` (None only once ``conn`` is closed)."""
    raw = conn.connection.dbapi_connection
    if raw is None:
        raise RuntimeError("the connection is closed")
    return raw


def query(conn: Connection, name: str, params: Params | None = None) -> list[Any]:
    """Run statement ``name`` and return all its rows as tuples."""
    cursor = dbapi(conn).cursor()
    try:
        cursor.execute(for_dialect(conn.dialect.name)[name], params or {})
        return list(cursor.fetchall()) if cursor.description else []
    finally:
        cursor.close()


def execute_many(conn: Connection, name: str, params: Sequence[Params]) -> None:
    cursor = dbapi(conn).cursor()
    try:
        cursor.executemany(for_dialect(conn.dialect.name)[name], params)
    finally:
        cursor.close()


#: (statement name, its parameters — or a list of them, for executemany).
Step = tuple[str, Params | Sequence[Params] | None]


def batch(conn: Connection, steps: Sequence[Step]) -> list[list[Any]]:
    """Run ``steps`` in order and return each one's rows.

    On PostgreSQL they go out in one psycopg pipeline: one round trip for the
    lot instead of one each (the statements must not depend on each other's
    results).  On SQLite they simply run one after the other.
    """
    if not steps:
        return []
    if conn.dialect.name != "postgresql":
        out: list[list[Any]] = []
        for name, params in steps:
            if params is None or isinstance(params, Mapping):
                out.append(query(conn, name, params))
            else:
                execute_many(conn, name, params)
                out.append([])
        return out
    sql = for_dialect("postgresql")
    driver = conn.connection.driver_connection
    return await_(pg_pipeline(driver, [(sql[name], params) for name, params in steps]))


async def pg_pipeline(aconn: Any, steps: Sequence[tuple[str, Params | Sequence[Params] | None]]) -> list[list[Any]]:
    cursors = []
    async with aconn.pipeline():
        for sql, params in steps:
            cursor = aconn.cursor()
            if isinstance(params, list):
                await cursor.executemany(sql, params)
            else:
                await cursor.execute(sql, params or {})
            cursors.append(cursor)
    out = []
    for cursor in cursors:
        out.append(list(await cursor.fetchall()) if cursor.description else [])
        await cursor.close()
    return out
