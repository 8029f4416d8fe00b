"""Fewer index entries per decision.  ``ix_audit_at`` is dropped: the audit is read in
``seq`` order, whole or by session, never by time.  ``ix_approvals_approved`` (0004)
holds only approved rows now: its readers (the approved retry's lookup, PostgreSQL's
"has the session an approved approval") ask for ``status = 'approved'``, while every
ASK inserts a pending approval -- an entry
(in a page of its own: the index is ordered by session) that no lookup wanted.  Each
such entry was one more page for the commit to write.  ``ix_approvals_session`` takes
the status after the session (as many entries, in the same pages): a session's pending
approvals, which a ``tool_result`` after an ASK lists, were read through
``ix_approvals_status`` on SQLite -- every session's pending approvals, one by one.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

APPROVED = sa.text("status = 'approved'")


def upgrade() -> None:
    op.drop_index("ix_audit_at", table_name="audit")
    op.drop_index("ix_approvals_approved", table_name="approvals")
    op.create_index(
        "ix_approvals_approved",
        "approvals",
        ["session_id", "status", "digest"],
        sqlite_where=APPROVED,
        postgresql_where=APPROVED,
    )
    op.drop_index("ix_approvals_session", table_name="approvals")
    op.create_index("ix_approvals_session", "approvals", ["session_id", "status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_approvals_session", table_name="approvals")
    op.create_index("ix_approvals_session", "approvals", ["session_id", "created_at"])
    op.drop_index("ix_approvals_approved", table_name="approvals")
    op.create_index("ix_approvals_approved", "approvals", ["session_id", "status", "digest"])
    op.create_index("ix_audit_at", "audit", ["at"])
