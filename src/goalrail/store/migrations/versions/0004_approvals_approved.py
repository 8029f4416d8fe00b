"""The approved-retry lookup's index: a session's approvals by status and action digest, so
finding an approved, unused approval of one action reads only those rows (a session's
pending approvals accumulate: every unanswered ASK leaves one).

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_approvals_approved", "approvals", ["session_id", "status", "digest"])


def downgrade() -> None:
    op.drop_index("ix_approvals_approved", table_name="approvals")
