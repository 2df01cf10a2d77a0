"""Alembic environment: nkwatch passes its engine in config.attributes (see nkwatch.store.db)."""

from alembic import context

from nkwatch.store.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    context.run_migrations()
