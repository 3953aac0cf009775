"""The Cinder plugin's registry hooks, called through a real engine on SQLite (no service)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from ovirt_engine_host.state import engine_state
from tests.engine import build_engine

PROVIDER_PATHS = {"/api/openstackvolumeproviders", "/api/openstackvolumeproviders/{provider_id}/volumetypes"}


def test_ovirt_engine_storage_domain_types(tmp_path: Path) -> None:
    engine = build_engine(tmp_path, "")
    assert engine_state(engine.app).hooks.storage_domain_types() == {"cinder"}


def test_ovirt_engine_register_rest_adds_the_provider_resources(tmp_path: Path) -> None:
    engine = build_engine(tmp_path, "")
    paths = set(engine.client.get("/api/openapi.json").get_json()["paths"])
    assert paths >= PROVIDER_PATHS
    assert "/api/datacenters" in paths


def test_without_the_plugin_the_provider_resources_are_absent(tmp_path: Path) -> None:
    engine = build_engine(tmp_path, "", disabled_plugins=("cinder",))
    paths = set(engine.client.get("/api/openapi.json").get_json()["paths"])
    assert not {p for p in paths if "openstack" in p}
    assert "/api/datacenters" in paths
    assert engine.request("GET", "/api/openstackvolumeproviders").status_code == 404
    assert engine_state(engine.app).hooks.storage_domain_types() == set()


def test_ovirt_engine_db_metadata_and_ovirt_engine_migrations_create_the_plugin_tables(tmp_path: Path) -> None:
    engine = build_engine(tmp_path, "")
    state = engine_state(engine.app)
    (metadata,) = state.hooks.db_metadata()
    tables = set(inspect(state.database).get_table_names())
    assert set(metadata.tables) == {"cinder_providers", "cinder_authentication_keys"}
    assert set(metadata.tables) <= tables
    assert {"users", "data_centers", "storage_domains", "alembic_version"} <= tables
    (versions_dir,) = state.hooks.migration_dirs()
    assert Path(versions_dir, "c0001_cinder_initial.py").exists()
