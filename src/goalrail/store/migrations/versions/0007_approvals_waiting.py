"""An index for the count every ASK makes of its session's approvals still waiting for an
answer (at most 64 may wait): pending rows only (partial, ``status = 'pending'``), by
session and expiry, so the count visits the unexpired ones and not every unanswered ASK
the session ever made.  An answered approval leaves it.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_index(
        "ix_approvals_waiting",
        "approvals",
        ["session_id", "expires_at"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index("ix_approvals_waiting", table_name="approvals")
