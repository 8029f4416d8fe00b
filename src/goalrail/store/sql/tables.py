"""The schema as SQLAlchemy Core tables.  Migrations create it; queries use it.

JSON columns use the portable ``JSON`` type (``json`` on PostgreSQL, text on
SQLite).  The audit payload is kept as the exact JSON text that was hashed.
"""

from __future__ import annotations

import json
from typing import cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Computed,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from goalrail.jsontypes import JsonValue

metadata = MetaData()


class _JSONText(TypeDecorator[JsonValue]):
    """JSON stored as TEXT.  SQLite gives a column declared ``JSON`` numeric
    affinity, which would turn the text ``5.0`` into the integer 5."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: JsonValue | None, dialect: Dialect) -> str:
        return json.dumps(value)

    def process_result_value(self, value: object, dialect: Dialect) -> JsonValue:
        if isinstance(value, str):
            decoded: JsonValue = json.loads(value)
            return decoded
        return cast(JsonValue, value)  # what the driver decoded: a number (numeric affinity) or None


JSON_VALUE = JSON().with_variant(_JSONText(), "sqlite")

ID = 200  # length of ids and names; long enough for client-chosen session ids
BIGINT = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements only INTEGER keys

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("owner", String(ID), nullable=True),
    Column("agent", String(ID), nullable=True),
    Column("labels", JSON_VALUE, nullable=False),
    Column("model", String(ID), nullable=True),
    Column("harness", String(ID), nullable=True),
    Column("ended", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("last_activity", Float, nullable=False),
    Column("policies_version", Integer, nullable=False, default=0),
    Column("history_count", Integer, nullable=False, default=0),
    # Running usage totals (migration 0003): added to by each usage record's commit.
    Column("usage_calls", BIGINT, nullable=False, default=0),
    Column("usage_input", BIGINT, nullable=False, default=0),
    Column("usage_output", BIGINT, nullable=False, default=0),
    Column("usage_cache_read", BIGINT, nullable=False, default=0),
    Column("usage_cache_write", BIGINT, nullable=False, default=0),
    Column("usage_unpriced", BIGINT, nullable=False, default=0),
    Column("usage_cost", Float, nullable=False, default=0.0),
    # The whole minutes of last_activity (revision 0010): what the indexes hold instead of
    # last_activity, so a decision's update changes no indexed value (HOT on PostgreSQL). The
    # migration makes it floor(...) STORED on PostgreSQL, a truncating VIRTUAL column on SQLite.
    Column("active_minute", BIGINT, Computed("CAST(last_activity / 60 AS INTEGER)", persisted=True)),
    Index("ix_sessions_owner_minute", "owner", "active_minute"),
    Index("ix_sessions_minute", "active_minute"),
)


session_state = Table(
    "session_state",
    metadata,
    Column("session_id", String(ID), primary_key=True),
    Column("key", String(ID), primary_key=True),
    Column("value", JSON_VALUE, nullable=True),
)

policy_state = Table(
    "policy_state",
    metadata,
    Column("session_id", String(ID), primary_key=True),
    Column("namespace", String(ID), primary_key=True),
    Column("key", String(ID), primary_key=True),
    Column("value", JSON_VALUE, nullable=True),
)

user_state = Table(
    "user_state",
    metadata,
    Column("owner", String(ID), primary_key=True),  # "" for sessions without an owner
    Column("key", String(ID), primary_key=True),
    Column("value", JSON_VALUE, nullable=True),
)

# A ring of the last HISTORY_LIMIT entries per session: slot = n % HISTORY_LIMIT.
history = Table(
    "history",
    metadata,
    Column("session_id", String(ID), primary_key=True),
    Column("slot", Integer, primary_key=True),
    Column("n", Integer, nullable=False),
    Column("entry", JSON_VALUE, nullable=False),
)

usage = Table(
    "usage",
    metadata,
    Column("id", BIGINT, primary_key=True, autoincrement=True),
    Column("session_id", String(ID), nullable=False),
    Column("owner", String(ID), nullable=False),  # "" for sessions without an owner
    Column("model", String(ID), nullable=False),
    Column("input_tokens", BIGINT, nullable=False),
    Column("output_tokens", BIGINT, nullable=False),
    Column("cache_read_tokens", BIGINT, nullable=False),
    Column("cache_write_tokens", BIGINT, nullable=False),
    Column("cost_usd", Float, nullable=True),
    Column("price_source", String(ID), nullable=True),
    Column("at", Float, nullable=False),
    Column("day", String(10), nullable=False),
    Index("ix_usage_session", "session_id", "id"),
    Index("ix_usage_owner_day", "owner", "day"),
)

# The owner's running cost per UTC day (``context.user_daily_cost``).
usage_days = Table(
    "usage_days",
    metadata,
    Column("owner", String(ID), primary_key=True),  # "" for sessions without an owner
    Column("day", String(10), primary_key=True),
    Column("cost_usd", Float, nullable=False),
)

approvals = Table(
    "approvals",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("session_id", String(ID), nullable=False),
    Column("status", String(20), nullable=False),
    Column("digest", String(128), nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("target", Text, nullable=True),
    Column("preview", Text, nullable=False),
    Column("reason", Text, nullable=True),
    Column("policies", JSON_VALUE, nullable=False),
    Column("held", JSON_VALUE, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("owner", String(ID), nullable=True),
    Column("resolved_at", Float, nullable=True),
    Column("resolved_by", String(ID), nullable=True),
    Column("scope", String(20), nullable=True),
    Column("grant_keys", JSON_VALUE, nullable=False),
    Column("decision", JSON_VALUE, nullable=True),
    Index("ix_approvals_status", "status", "created_at"),
    Index("ix_approvals_session", "session_id", "status", "created_at"),  # (the status since 0006)
    # The approved retry's lookup: approved rows only (0006; an ASK's pending row adds no entry).
    Index(
        "ix_approvals_approved",
        "session_id",
        "status",
        "digest",
        sqlite_where=text("status = 'approved'"),
        postgresql_where=text("status = 'approved'"),
    ),
    # An ASK's count of the session's waiting approvals: pending rows only, by expiry (0007).
    Index(
        "ix_approvals_waiting",
        "session_id",
        "expires_at",
        sqlite_where=text("status = 'pending'"),
        postgresql_where=text("status = 'pending'"),
    ),
)

grants = Table(
    "grants",
    metadata,
    Column("session_id", String(ID), primary_key=True),
    Column("key", String(500), primary_key=True),
)

_policy_columns = (
    ("name", String(ID), False),
    ("handler", String(500), False),
    ("params", JSON_VALUE, True),
    ("kind", String(20), True),
    ("enabled", Boolean, False),
    ("mode", String(20), False),
    ("on_error", String(20), False),
    ("timeout_ms", Float, True),
    ("ask_timeout_s", Float, True),
    ("source", Text, True),
    ("extra", JSON_VALUE, True),
    ("created_at", Float, False),
    ("position", Integer, False),
)

server_policies = Table(
    "server_policies",
    metadata,
    Column("id", String(ID), primary_key=True),
    *(Column(n, t, nullable=nullable) for n, t, nullable in _policy_columns),
    UniqueConstraint("name", name="uq_server_policies_name"),
)

session_policies = Table(
    "session_policies",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("session_id", String(ID), nullable=False),
    *(Column(n, t, nullable=nullable) for n, t, nullable in _policy_columns),
    UniqueConstraint("session_id", "name", name="uq_session_policies_name"),
)

agents = Table(
    "agents",
    metadata,
    Column("name", String(ID), primary_key=True),
    Column("yaml", Text, nullable=False),
    Column("updated_at", Float, nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("token_hash", String(128), nullable=False),
    Column("user", String(ID), nullable=False),
    Column("role", String(20), nullable=False),
    Column("label", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("revoked", Boolean, nullable=False),
    Column("agent", String(ID), nullable=True),  # the agent spec the token is bound to (revision 0008)
    UniqueConstraint("token_hash", name="uq_tokens_hash"),
    Index("ix_tokens_user", "user", "created_at"),  # a user's tokens: their cap and listing (revision 0009)
)

audit = Table(
    "audit",
    metadata,
    Column("seq", BIGINT, primary_key=True, autoincrement=False),
    Column("at", Float, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("session_id", String(ID), nullable=True),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_session", "session_id", "seq"),  # (no index on `at`: nothing reads by time; 0006)
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Integer, nullable=False),
)

change_log = Table(
    "change_log",
    metadata,
    Column("seq", BIGINT, primary_key=True, autoincrement=False),
    Column("writer", BIGINT, nullable=False),
    Column("keys", Text, nullable=False),
)

SERVER_POLICIES_VERSION = "server_policies_version"
