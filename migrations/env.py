"""Alembic environment. The database URL comes from the caller's config
(``wms db upgrade``, the tests) or from WMS_DATABASE_URL."""
from __future__ import annotations

from alembic import context

from wms.config import Settings
from wms.db import Base, UTCDateTime, make_engine
from wms.extensions import import_models

import_models()  # every area's and every extension's tables

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.attributes.get("url") or config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as connection:
            if connection.dialect.name != "sqlite":
                _run(connection)
                return
            # Batch mode rebuilds a SQLite table (copy, drop, rename) to change it;
            # with foreign keys enforced, dropping a table that other rows refer to
            # fails. Enforcement is off while migrating (outside any transaction,
            # where SQLite honours the pragma), and the references are checked after.
            raw = connection.connection.driver_connection
            raw.execute("PRAGMA foreign_keys=OFF")
            try:
                _run(connection)
                broken = raw.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"foreign keys broken by the migration: {broken[:10]}")
            finally:
                raw.execute("PRAGMA foreign_keys=ON")
    finally:
        engine.dispose()


def _render_item(type_, obj, autogen_context):
    """Migrations name plain SQLAlchemy types, never the app's decorators."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _include_name(name, type_, _parent_names) -> bool:
    """The channels' rate-limit buckets (pyrate-limiter's own tables) are not
    the app's schema."""
    return not (type_ == "table" and name and name.startswith("ratelimit___"))


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
