"""Initial schema: sessions, state, history, usage, approvals, grants, policies,
agents, tokens, audit, meta.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = 200
BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# TEXT on SQLite: a column declared JSON there has numeric affinity ("5.0" → 5).
JSON = sa.JSON().with_variant(sa.Text(), "sqlite")


def _policy_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("name", sa.String(ID), nullable=False),
        sa.Column("handler", sa.String(500), nullable=False),
        sa.Column("params", JSON, nullable=True),
        sa.Column("kind", sa.String(20), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("on_error", sa.String(20), nullable=False),
        sa.Column("timeout_ms", sa.Float(), nullable=True),
        sa.Column("ask_timeout_s", sa.Float(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("extra", JSON, nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("owner", sa.String(ID), nullable=True),
        sa.Column("agent", sa.String(ID), nullable=True),
        sa.Column("labels", JSON, nullable=False),
        sa.Column("model", sa.String(ID), nullable=True),
        sa.Column("harness", sa.String(ID), nullable=True),
        sa.Column("ended", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("last_activity", sa.Float(), nullable=False),
        sa.Column("policies_version", sa.Integer(), nullable=False),
        sa.Column("history_count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_sessions_owner_activity", "sessions", ["owner", "last_activity"])
    op.create_index("ix_sessions_activity", "sessions", ["last_activity"])
    op.create_table(
        "session_state",
        sa.Column("session_id", sa.String(ID), primary_key=True),
        sa.Column("key", sa.String(ID), primary_key=True),
        sa.Column("value", JSON, nullable=True),
    )
    op.create_table(
        "policy_state",
        sa.Column("session_id", sa.String(ID), primary_key=True),
        sa.Column("namespace", sa.String(ID), primary_key=True),
        sa.Column("key", sa.String(ID), primary_key=True),
        sa.Column("value", JSON, nullable=True),
    )
    op.create_table(
        "user_state",
        sa.Column("owner", sa.String(ID), primary_key=True),
        sa.Column("key", sa.String(ID), primary_key=True),
        sa.Column("value", JSON, nullable=True),
    )
    op.create_table(
        "history",
        sa.Column("session_id", sa.String(ID), primary_key=True),
        sa.Column("slot", sa.Integer(), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("entry", JSON, nullable=False),
    )
    op.create_table(
        "usage",
        sa.Column("id", BIGINT, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(ID), nullable=False),
        sa.Column("owner", sa.String(ID), nullable=False),
        sa.Column("model", sa.String(ID), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("cache_read_tokens", sa.Integer(), nullable=False),
        sa.Column("cache_write_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=True),
        sa.Column("price_source", sa.String(ID), nullable=True),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
    )
    op.create_index("ix_usage_session", "usage", ["session_id", "id"])
    op.create_index("ix_usage_owner_day", "usage", ["owner", "day"])
    op.create_table(
        "approvals",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("session_id", sa.String(ID), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("digest", sa.String(128), nullable=False),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("target", sa.Text(), nullable=True),
        sa.Column("preview", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("policies", JSON, nullable=False),
        sa.Column("held", JSON, nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("owner", sa.String(ID), nullable=True),
        sa.Column("resolved_at", sa.Float(), nullable=True),
        sa.Column("resolved_by", sa.String(ID), nullable=True),
        sa.Column("scope", sa.String(20), nullable=True),
        sa.Column("grant_keys", JSON, nullable=False),
        sa.Column("decision", JSON, nullable=True),
    )
    op.create_index("ix_approvals_status", "approvals", ["status", "created_at"])
    op.create_index("ix_approvals_session", "approvals", ["session_id", "created_at"])
    op.create_table(
        "grants",
        sa.Column("session_id", sa.String(ID), primary_key=True),
        sa.Column("key", sa.String(500), primary_key=True),
    )
    op.create_table(
        "server_policies",
        sa.Column("id", sa.String(ID), primary_key=True),
        *_policy_columns(),
        sa.UniqueConstraint("name", name="uq_server_policies_name"),
    )
    op.create_table(
        "session_policies",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("session_id", sa.String(ID), nullable=False),
        *_policy_columns(),
        sa.UniqueConstraint("session_id", "name", name="uq_session_policies_name"),
    )
    op.create_table(
        "agents",
        sa.Column("name", sa.String(ID), primary_key=True),
        sa.Column("yaml", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("token_hash", sa.String(128), nullable=False),
        sa.Column("user", sa.String(ID), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("token_hash", name="uq_tokens_hash"),
    )
    op.create_table(
        "audit",
        sa.Column("seq", BIGINT, primary_key=True, autoincrement=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("session_id", sa.String(ID), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_session", "audit", ["session_id", "seq"])
    op.create_index("ix_audit_at", "audit", ["at"])
    meta = op.create_table(
        "meta",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
    )
    op.bulk_insert(meta, [{"key": "server_policies_version", "value": 0}])


def downgrade() -> None:
    for name in (
        "meta",
        "audit",
        "tokens",
        "agents",
        "session_policies",
        "server_policies",
        "grants",
        "approvals",
        "usage",
        "history",
        "user_state",
        "policy_state",
        "session_state",
        "sessions",
    ):
        op.drop_table(name)
