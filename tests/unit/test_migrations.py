"""The migrations build exactly the tables the models declare (engine and plugin), so that a
model change without its migration fails here and not on a user's database: ``ovirt-engine-host
db check`` after ``db upgrade`` finds no difference, and finds one when a model has a column no
migration made."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from click.testing import CliRunner
from sqlalchemy import Column, MetaData, String, Table, text

from ovirt_engine_host.cli import main
from ovirt_engine_host.database import alembic_config, make_engine, schema_differences, upgrade
from ovirt_engine_host.db.models import Base


def test_db_check_finds_the_migrated_database_matches_the_models(tmp_path: Path) -> None:
    runner = CliRunner()
    upgraded = runner.invoke(main, ["--state-dir", str(tmp_path), "db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    checked = runner.invoke(main, ["--state-dir", str(tmp_path), "db", "check"])
    assert checked.exit_code == 0, checked.output
    assert "matches the models of the engine and its plugins" in checked.output


def test_db_check_sees_a_model_without_its_migration(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'engine.db'}")
    upgrade(engine)
    unmigrated = MetaData()
    Table("cinder_unmigrated", unmigrated, Column("id", String(36), primary_key=True))
    differences = schema_differences(engine, [Base.metadata, unmigrated])
    assert len(differences) == 1
    assert "add_table" in differences[0]
    assert "cinder_unmigrated" in differences[0]


def test_administrators_become_superusers_on_the_system(tmp_path: Path) -> None:
    """e0013 turns the administrator flag into a SuperUser permission on the system (on SQLite
    the flag's batch drop must not cascade to the new permissions)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'engine.db'}")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "e0012")
    with engine.begin() as connection:
        for name, flag in (("admin", True), ("member", False)):
            insert = "INSERT INTO users (id, name, password_hash, administrator, created) VALUES (:n, :n, 'x', :f, :c)"
            connection.execute(text(insert), {"n": name, "f": flag, "c": "2026-12-01 00:00:00"})
    upgrade(engine)
    with engine.connect() as connection:
        held = connection.execute(text("SELECT user_id, role_id, object_type, object_id FROM permissions")).all()
    assert held == [("admin", "00000000-0000-0000-0000-000000000001", "system", "system")]
