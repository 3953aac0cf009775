"""An engine (create_app + migrations + an administrator + a data center ``dc1`` with its cluster
``dc1``) on a fresh database: SQLite in a temporary directory, or a throw-away database on the
stack's PostgreSQL. The migrations made the ``Default`` data center, its ``Default`` cluster and
the ``Blank`` template, as on any new installation."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import psycopg
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree

from ovirt_engine_host.access.grants import add_user
from ovirt_engine_host.app import create_app
from ovirt_engine_host.config import EngineConfig, PollerSettings
from ovirt_engine_host.database import upgrade
from ovirt_engine_host.db.models import Cluster, DataCenter
from ovirt_engine_host.security import hash_password
from ovirt_engine_host.state import engine_state

XSD_PATH = Path(__file__).resolve().parent.parent / "ovirt_engine_host" / "representation" / "api.xsd"
ADMIN = ("admin", "admin-password")


@cache
def xml_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD_PATH)))


def assert_valid_xml(body: bytes) -> etree._Element:
    document = etree.fromstring(body)
    schema = xml_schema()
    assert schema.validate(document), schema.error_log
    return document


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    name = f"ovirt_engine_test_{uuid.uuid4().hex[:10]}"
    admin_url = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Engine:
    app: Flask
    client: FlaskClient
    data_center_id: str
    cluster_id: str

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        kwargs.setdefault("auth", ADMIN)
        return self.client.open(path, method=method, **kwargs)


def build_engine(
    state_dir: Path, database_url: str, poll: bool = False, extra_plugins: tuple[object, ...] = (), **config: Any
) -> Engine:
    """``poll``: run the command poller (whoever asks for it stops it: ``stop_engine``)."""
    config["poller"] = dataclasses.replace(config.get("poller", PollerSettings()), enabled=False)
    app = create_app(EngineConfig(state_dir=state_dir, database_url=database_url, **config), extra_plugins)
    state = engine_state(app)
    upgrade(state.database, state.hooks.migration_dirs())
    if poll:  # after the migrations, as `serve` runs after `db upgrade`
        state.poller.start()
    with state.session_factory() as session:
        add_user(session, ADMIN[0], hash_password(ADMIN[1]), administrator=True)
        data_center = DataCenter(name="dc1", description="test data center")
        session.add(data_center)
        session.flush()
        # named after its data center, as migration e0015 names the cluster of a data center
        cluster = Cluster(name="dc1", description="test cluster", data_center_id=data_center.id)
        session.add(cluster)
        session.commit()
        data_center_id, cluster_id = data_center.id, cluster.id
    return Engine(app, app.test_client(), data_center_id, cluster_id)


def stop_engine(engine: Engine) -> None:
    state = engine_state(engine.app)
    state.poller.stop()
    state.database.dispose()
