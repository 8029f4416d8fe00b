"""A token may be bound to an agent spec: ``tokens.agent`` (nullable).  Existing tokens get
``NULL``, unbound, and keep working as before.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tokens", sa.Column("agent", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tokens") as batch:
        batch.drop_column("agent")
