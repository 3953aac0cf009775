"""Connecting to the engine database and migrating it.

The engine's lineage lives in ``migrations/versions`` (branch ``engine``); each plugin adds
its own versions directory and branch through the ``ovirt_engine_migrations`` hook, and
``upgrade`` brings every branch to its head.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, create_engine, event
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
    """Apply every branch's migrations up to its head, in one transaction; returns the heads now
    applied.

    On SQLite the foreign keys are off while the migrations run, and checked before the commit
    (SQLite's own procedure for changing a table): a batch migration copies a table and drops the
    old one, and with the keys on that drop deletes its rows first, which would delete or empty
    the rows of every table referring to it with ``ON DELETE CASCADE`` or ``SET NULL`` (a VM's
    disk attachments and snapshots), or be refused by a ``RESTRICT`` one."""
    config = alembic_config(plugin_version_dirs)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # only outside a transaction does SQLite take it
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, "heads")
                if sqlite:
                    _check_foreign_keys(connection)
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
    return sorted(ScriptDirectory.from_config(config).get_heads())


def _check_foreign_keys(connection: Connection) -> None:
    """SQLite: every row's foreign keys name existing rows (else the migration is rolled back)."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(f"the migrations left rows whose foreign keys name no row: {broken[:10]}")


def schema_differences(engine: Engine, metadatas: Iterable[MetaData]) -> list[str]:
    """How the database differs from the tables the engine's and the plugins' models declare
    (``db check``; empty when every migration matches its models).

    Each metadata is compared on its own, so another's tables, and a plugin's foreign keys to
    engine tables (made by its migration; its models do not declare engine tables), are not
    differences."""
    metadatas = list(metadatas)
    differences: list[str] = []
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        for metadata in metadatas:
            others = {name for other in metadatas if other is not metadata for name in other.tables}
            others.add("alembic_version")
            differences += [repr(d) for d in compare_metadata(context, metadata) if not _elsewhere(d, others)]
    return differences


def _elsewhere(difference: Any, other_tables: set[str]) -> bool:
    """A difference that is another metadata's business: its tables, their indexes, and foreign
    keys to its tables."""
    if not isinstance(difference, tuple) or not difference:
        return False
    kind, item = difference[0], difference[1]
    if kind == "remove_table":
        return bool(item.name in other_tables)
    if kind == "remove_index":
        return bool(item.table.name in other_tables)
    if kind == "remove_fk":
        return bool(item.referred_table.name in other_tables)
    return False
