"""Usage token counts as 64-bit integers on PostgreSQL (INTEGER there is 32-bit).

SQLite's INTEGER is already 64-bit: nothing changes there.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for column in COLUMNS:
        op.alter_column("usage", column, type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for column in COLUMNS:
        op.alter_column("usage", column, type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=False)
