"""Alembic environment: runs migrations synchronously against the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

import bot.store.canned_models  # noqa: F401  (canned and smart replies)
import bot.store.copilot_models  # noqa: F401  (the copilot's tables join Base.metadata)
import bot.store.knowledge_models  # noqa: F401  (its tables join Base.metadata)
import bot.store.reporting_models  # noqa: F401  (so do the reporting tables)
from bot.store.db import ensure_sqlite_dir, sync_url
from bot.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = sync_url(config.get_main_option("sqlalchemy.url") or "")
    ensure_sqlite_dir(url)
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
