"""Connecting to the engine database and migrating it.

The engine's lineage lives in ``migrations/versions`` (branch ``engine``); each plugin adds
its own versions directory and branch through the ``ovirt_engine_migrations`` hook, and
``upgrade`` brings every branch to its head.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "db" / "migrations"


def make_engine(url: str) -> Engine:
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        # SQLite enforces foreign keys only when asked, per connection. Write-ahead logging lets
        # the poller and the API's readers work while one of them writes, and with
        # synchronous=NORMAL a commit no longer waits for a disk flush (a power cut may lose the
        # last commits, never corrupt the database).
        @event.listens_for(engine, "connect")
        def _sqlite_settings(dbapi_connection: object, _record: object) -> None:
            cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def alembic_config(plugin_version_dirs: Iterable[str] = ()) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    locations = [str(MIGRATIONS_DIR / "versions"), *plugin_version_dirs]
    config.set_main_option("version_locations", os.pathsep.join(locations))
    return config


def upgrade(engine: Engine, plugin_version_dirs: Iterable[str] = ()) -> list[str]:
    """Apply every branch's migrations up to its head; returns the heads now applied."""
    config = alembic_config(plugin_version_dirs)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")
    return sorted(ScriptDirectory.from_config(config).get_heads())
