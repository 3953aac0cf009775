"""The migrations build exactly the tables the models declare (engine and plugin), so that a
model change without its migration fails here and not on a user's database: ``ovirt-engine-host
db check`` after ``db upgrade`` finds no difference, and finds one when a model has a column no
migration made; and what the data migrations make of the rows they find."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from click.testing import CliRunner
from sqlalchemy import Column, MetaData, String, Table, text

from ovirt_engine_host.cli import main
from ovirt_engine_host.database import alembic_config, make_engine, schema_differences, upgrade
from ovirt_engine_host.db.models import BLANK_TEMPLATE_ID, DEFAULT_CLUSTER_ID, Base


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


def test_e0015_gives_every_data_center_a_cluster_and_moves_its_hosts_vms_and_pools_into_it(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'engine.db'}")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "e0014")
    now = {"c": "2026-12-01 00:00:00"}
    rows = [
        "INSERT INTO data_centers (id, name, description, local, created) VALUES ('dc-d', 'Default', '', 0, :c)",
        "INSERT INTO data_centers (id, name, description, local, created) VALUES ('dc-l', 'lab', '', 0, :c)",
        "INSERT INTO hosts (id, name, address, libvirt_uri, data_center_id, status, created) "
        "VALUES ('h', 'h', 'a', 'test:///default', 'dc-l', 'up', :c)",
        "INSERT INTO vms (id, name, description, memory, cpus, data_center_id, status, created) "
        "VALUES ('v1', 'v1', '', 1, 1, 'dc-l', 'down', :c)",
        "INSERT INTO vms (id, name, description, memory, cpus, data_center_id, status, created) "
        "VALUES ('v2', 'v2', '', 1, 1, 'dc-d', 'down', :c)",
        "INSERT INTO templates (id, name, description, status, data_center_id, memory, cpus, created) "
        "VALUES ('t-blank-old', 'Blank', '', 'ok', 'dc-l', 1, 1, :c)",
        "INSERT INTO vm_pools (id, name, description, size, max_user_vms, prestarted_vms, type, template_id, "
        "data_center_id, created) VALUES ('p', 'p', '', 0, 1, 0, 'manual', 't-blank-old', 'dc-l', :c)",
        # rows of tables that refer to the rebuilt ones with ON DELETE CASCADE or SET NULL: they stay as they were
        "INSERT INTO storage_domains (id, name, description, type, status, data_center_id, created) "
        "VALUES ('sd', 'sd', '', 'cinder', 'active', 'dc-l', :c)",
        "INSERT INTO disks (id, alias, description, storage_domain_id, provisioned_size, status, format, sparse, "
        "bootable, shareable, interface, active_volume_id, template_id, created) "
        "VALUES ('d', 'd', '', 'sd', 1, 'ok', 'raw', 1, 0, 0, 'virtio', 'd', 't-blank-old', :c)",
        "INSERT INTO disk_attachments (id, vm_id, disk_id, interface, bootable, active, created) "
        "VALUES ('a', 'v1', 'd', 'virtio', 0, 1, :c)",
        "INSERT INTO snapshots (id, vm_id, description, type, status, date) "
        "VALUES ('s', 'v1', 's', 'regular', 'ok', :c)",
    ]
    with engine.begin() as connection:
        for row in rows:
            connection.execute(text(row), now)
    upgrade(engine)
    with engine.connect() as connection:
        clusters = {name: (id_, dc) for id_, name, dc in connection.execute(
            text("SELECT id, name, data_center_id FROM clusters"))}  # fmt: skip
        members: dict[str, dict[str, str]] = {
            table: {row.id: row.cluster_id for row in connection.execute(text(f"SELECT id, cluster_id FROM {table}"))}  # noqa: S608
            for table in ("hosts", "vms", "vm_pools")
        }  # fmt: skip
        data_centers = connection.execute(text("SELECT id FROM data_centers ORDER BY id")).scalars().all()
        templates = {row.id: row.name for row in connection.execute(text("SELECT id, name FROM templates"))}
        kept = connection.execute(text(
            "SELECT (SELECT vm_id FROM disk_attachments), (SELECT vm_id FROM snapshots), "
            "(SELECT template_id FROM disks)"
        )).one()  # fmt: skip
    assert clusters["Default"] == (DEFAULT_CLUSTER_ID, "dc-d")
    lab = clusters["lab"][0]
    assert clusters["lab"][1] == "dc-l"
    assert members == {"hosts": {"h": lab}, "vms": {"v1": lab, "v2": DEFAULT_CLUSTER_ID}, "vm_pools": {"p": lab}}
    assert data_centers == ["dc-d", "dc-l"]  # a database with data centers gets no new one
    assert templates == {BLANK_TEMPLATE_ID: "Blank", "t-blank-old": "Blank-t-blank-"}
    assert tuple(kept) == ("v1", "v1", "t-blank-old")


def test_an_empty_database_gets_the_default_data_center_cluster_and_blank_template(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'engine.db'}")
    upgrade(engine)
    with engine.connect() as connection:
        data_centers = connection.execute(text("SELECT id, name FROM data_centers")).all()
        clusters = connection.execute(text("SELECT id, name, data_center_id FROM clusters")).all()
        blank = connection.execute(text("SELECT id, name, status, data_center_id FROM templates")).all()
    assert data_centers == [("00000001-0001-0001-0001-000000000311", "Default")]
    assert clusters == [(DEFAULT_CLUSTER_ID, "Default", "00000001-0001-0001-0001-000000000311")]
    assert blank == [(BLANK_TEMPLATE_ID, "Blank", "ok", None)]
