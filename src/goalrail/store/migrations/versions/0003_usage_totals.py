"""Running usage totals: per session (columns on ``sessions``) and per owner and UTC
day (``usage_days``), kept up to date by each usage record's commit, so a decision
reads two rows instead of summing every usage record.  Existing usage is summed in.

Revision ID: 0003
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = 200
BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TOKEN_TOTALS = ("usage_input", "usage_output", "usage_cache_read", "usage_cache_write", "usage_unpriced")


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("usage_calls", BIGINT, nullable=False, server_default="0"))
        for name in TOKEN_TOTALS:
            batch.add_column(sa.Column(name, BIGINT, nullable=False, server_default="0"))
        batch.add_column(sa.Column("usage_cost", sa.Float(), nullable=False, server_default="0"))
    op.create_table(
        "usage_days",
        sa.Column("owner", sa.String(ID), primary_key=True),  # "" for sessions without an owner
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("cost_usd", sa.Float(), nullable=False),
    )
    op.execute(
        "UPDATE sessions SET "
        "usage_calls = (SELECT COUNT(*) FROM usage u WHERE u.session_id = sessions.id), "
        "usage_input = (SELECT COALESCE(SUM(input_tokens), 0) FROM usage u WHERE u.session_id = sessions.id), "
        "usage_output = (SELECT COALESCE(SUM(output_tokens), 0) FROM usage u WHERE u.session_id = sessions.id), "
        "usage_cache_read = (SELECT COALESCE(SUM(cache_read_tokens), 0) FROM usage u "
        "WHERE u.session_id = sessions.id), "
        "usage_cache_write = (SELECT COALESCE(SUM(cache_write_tokens), 0) FROM usage u "
        "WHERE u.session_id = sessions.id), "
        "usage_unpriced = (SELECT COALESCE(SUM(CASE WHEN cost_usd IS NULL "
        "THEN input_tokens + output_tokens + cache_read_tokens + cache_write_tokens ELSE 0 END), 0) "
        "FROM usage u WHERE u.session_id = sessions.id), "
        "usage_cost = (SELECT COALESCE(SUM(cost_usd), 0.0) FROM usage u WHERE u.session_id = sessions.id) "
        "WHERE EXISTS (SELECT 1 FROM usage u WHERE u.session_id = sessions.id)"
    )
    op.execute(
        "INSERT INTO usage_days (owner, day, cost_usd) "
        "SELECT owner, day, COALESCE(SUM(cost_usd), 0.0) FROM usage GROUP BY owner, day"
    )


def downgrade() -> None:
    op.drop_table("usage_days")
    with op.batch_alter_table("sessions") as batch:
        for name in ("usage_calls", *TOKEN_TOTALS, "usage_cost"):
            batch.drop_column(name)
