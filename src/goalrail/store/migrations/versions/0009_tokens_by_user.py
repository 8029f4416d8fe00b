"""Index ``tokens`` by user: a user's cap count and token listing read theirs, not the table.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tokens_user", "tokens", ["user", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_tokens_user", table_name="tokens")
