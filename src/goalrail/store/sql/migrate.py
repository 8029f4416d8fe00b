"""Apply the Alembic migrations in ``goalrail/store/migrations`` programmatically.

On PostgreSQL a transaction-level advisory lock makes replicas that start at
the same time apply them one after the other.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from goalrail.store.sql.runner import Runner

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
MIGRATE_LOCK = 0x67720003


def alembic_config(connection: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade_locked(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":  # (waits for a migrating replica as long as it takes)
        connection.execute(text("SET LOCAL lock_timeout = 0"))
        connection.execute(text("SET LOCAL statement_timeout = 0"))  # a long migration runs to its end
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATE_LOCK})
    _upgrade(connection)


async def upgrade(runner: Runner) -> None:
    """Bring the schema to the newest revision (a no-op when it is current)."""
    await runner.write(_upgrade_locked)


def head_revision() -> str | None:
    """The newest revision this package ships (what ``upgrade`` brings a database to)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    cfg.set_main_option("path_separator", "os")
    return ScriptDirectory.from_config(cfg).get_current_head()


async def current_revision(runner: Runner) -> str | None:
    return await runner.read(_current)
