"""The change log: one row per write transaction on SQLite, naming the sessions,
owners and policy lists it changed, so a process sharing the file drops only those
from its caches (``store/sql/sqlite_log.py``).  ``seq`` is the transaction's write
generation (``meta.write_gen``); ``writer`` the writing store's random id.
PostgreSQL has the table too (one schema for both) and leaves it empty.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "change_log",
        sa.Column("seq", BIGINT, primary_key=True, autoincrement=False),
        sa.Column("writer", BIGINT, nullable=False),
        sa.Column("keys", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("change_log")
