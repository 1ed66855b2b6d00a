"""Alembic environment: always run on a connection handed in by ``workitems.store.migrate``."""

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit(
        "run migrations through nightshift (they run on start-up), not the alembic command alone"
    )

context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
