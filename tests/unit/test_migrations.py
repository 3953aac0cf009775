"""The migrations build exactly the tables the models declare (engine and plugin), so that a
model change without its migration fails here and not on a user's database."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ovirt_engine_host.db.models import Base
from ovirt_engine_host.state import engine_state
from tests.engine import build_engine


def test_the_migrated_database_matches_the_models(tmp_path: Path) -> None:
    state = engine_state(build_engine(tmp_path, "").app)
    (plugin_metadata,) = state.hooks.db_metadata()
    with state.database.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        engine_differences = compare_metadata(context, Base.metadata)
        plugin_differences = compare_metadata(context, plugin_metadata)
    engine_tables = set(Base.metadata.tables)
    plugin_tables = set(plugin_metadata.tables)
    # each metadata sees the other's tables as "removed": only real differences count
    assert [d for d in engine_differences if not _other_table(d, plugin_tables | {"alembic_version"})] == []
    assert [d for d in plugin_differences if not _other_table(d, engine_tables | {"alembic_version"})] == []


def _other_table(difference: object, names: set[str]) -> bool:
    """A difference that is only the other metadata's business: its tables, their indexes, and
    the plugin's foreign keys to engine tables (made by its migration; the plugin's models do
    not declare engine tables)."""
    if not isinstance(difference, tuple) or not difference:
        return False
    kind, item = difference[0], difference[1]
    if kind == "remove_table":
        return item.name in names
    if kind == "remove_index":
        return item.table.name in names
    if kind == "remove_fk":
        return item.referred_table.name in names or item.elements[0].target_fullname.split(".")[0] in names
    return False
