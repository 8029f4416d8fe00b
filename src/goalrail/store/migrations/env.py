"""Alembic environment for Goalrail.  Migrations run programmatically through
``goalrail.store.sql.migrate``, which hands over an open connection."""

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run goalrail migrations through goalrail.store.sql.migrate.upgrade()")

context.configure(connection=connection, target_metadata=None, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
