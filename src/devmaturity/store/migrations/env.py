"""Alembic environment: runs migrations on the connection devmaturity hands over."""

from __future__ import annotations

from alembic import context

from devmaturity.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("devmaturity runs migrations through devmaturity.store.db.migrate()")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
